/**
 * A header's value as the CLI shows it (`probe --transcript`, `request -v`):
 * credentials redacted (every header of the engine's credential list;
 * `Authorization`'s scheme kept), cookies by their names
 * only, and URL-valued headers (`Location`, `Content-Location`)
 * without what a URL may carry secretly — user and password, query (a signed
 * URL's `X-Amz-Signature=…`) and fragment — through `Unstable.redactUrl`.
 */
import * as Unstable from "@ociauth/core/Unstable"

const REDACTED = "<redacted>"
/** Headers whose value starts with a scheme worth keeping (`Bearer <redacted>`). */
const AUTHORIZATION = new Set(["authorization", "proxy-authorization"])
const COOKIES = new Set(["cookie", "set-cookie"])
/** The engine's one list of headers that carry a credential (`X-Registry-Auth`, `Private-Token`, …): shown redacted. */
const CREDENTIALS = new Set(Unstable.credentialHeaders)
const URLS = new Set(["location", "content-location"])
/** A cookie's name, as RFC 6265 allows one (a token). */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Every cookie by its name, every value redacted: `session=<redacted>`. A `Set-Cookie`'s attributes go too. */
const cookies = (name: string, value: string): string => {
  const pairs = name === "set-cookie" ? [value.split(";")[0]!] : value.split(";")
  return pairs
    .map((pair) => {
      const cookie = pair.slice(0, Math.max(0, pair.indexOf("="))).trim()
      return COOKIE_NAME.test(cookie) ? `${cookie}=${REDACTED}` : REDACTED
    })
    .join("; ")
}

/** A URL (absolute, or relative to `base`) without user, password, query or fragment; `?<redacted>` says a query was there. */
const url = (value: string, base?: string): string => {
  let parsed: URL
  try {
    parsed = new URL(value.trim(), base)
  } catch {
    return REDACTED
  }
  const shown = Unstable.redactUrl(parsed)
  return parsed.search === "" ? shown : `${shown}?${REDACTED}`
}

/**
 * The value of header `name` as it may be shown: credentials and cookies redacted, URLs without their
 * secrets (resolved against `base`, the request's URL, when relative).
 */
export const shown = (name: string, value: string, base?: string): string => {
  const lower = name.toLowerCase()
  if (AUTHORIZATION.has(lower)) {
    const space = value.indexOf(" ")
    return space === -1 ? REDACTED : `${value.slice(0, space)} ${REDACTED}`
  }
  if (COOKIES.has(lower)) return cookies(lower, value)
  if (CREDENTIALS.has(lower)) return REDACTED
  if (URLS.has(lower)) return url(value, base)
  return value
}
