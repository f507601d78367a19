import { Either } from "effect"
import { RealmRejected, redactUrl } from "../RegistryError.js"

const ipv4 = (host: string): ReadonlyArray<number> | undefined => {
  const parts = host.split(".")
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined
  const octets = parts.map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

/** Loopback, private, link-local, CGNAT or unspecified IP literals: where a realm must not point unless it is the registry itself. */
export const isInternalAddress = (hostname: string): boolean => {
  const host = hostname.startsWith("[") ? hostname.slice(1, -1).toLowerCase() : hostname
  const v4 = ipv4(host)
  if (v4 !== undefined) {
    const [a, b] = v4 as [number, number, number, number]
    return (
      a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
    )
  }
  if (!host.includes(":")) return false
  if (host === "::" || host === "::1") return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)
  if (mapped !== null) return isInternalAddress(mapped[1]!)
  return /^(fe[89ab][0-9a-f]|f[cd][0-9a-f]{2}):/.test(host)
}

/**
 * Checks a realm before any credential goes to it: it resolves against the
 * registry origin, must be https (http only for a plain-HTTP registry), carries
 * no userinfo, and points at an internal address only when the registry itself
 * lives on that address.
 */
export const validateRealm = (realm: string, registryOrigin: string): Either.Either<URL, RealmRejected> => {
  let origin: URL
  let url: URL
  try {
    origin = new URL(registryOrigin)
    url = new URL(realm, origin)
  } catch {
    return Either.left(new RealmRejected({ realm: redactUrl(realm), reason: "not a URL" }))
  }
  const reject = (reason: string) => Either.left(new RealmRejected({ realm: redactUrl(url), reason }))
  if (url.protocol !== "https:" && url.protocol !== "http:") return reject(`scheme ${url.protocol} is not allowed`)
  if (url.protocol === "http:" && origin.protocol !== "http:") {
    return reject("plain-HTTP realm for a registry reached over https")
  }
  if (url.username !== "" || url.password !== "") return reject("the realm URL carries userinfo")
  if (isInternalAddress(url.hostname) && url.hostname !== origin.hostname) {
    return reject("the realm points at an internal address that is not the registry's own")
  }
  return Either.right(url)
}
