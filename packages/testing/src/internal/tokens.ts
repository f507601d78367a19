/**
 * A token server's access tokens: ES256 JWTs with an `x5c` chain (root CA and
 * signer generated here, never committed), or opaque tokens only this server
 * can read (GHCR's). `verify` and `inspect` take only this server's tokens for
 * its own `service`.
 */
import * as crypto from "node:crypto"
import * as Option from "effect/Option"
import { Scope } from "@ociauth/core"
import type { Grantee } from "../TokenServer.js"
import { makeChain } from "./x509.js"

export const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString("base64url")

interface Claims {
  readonly iss?: unknown
  readonly aud?: unknown
  readonly sub: string
  readonly exp: number
  readonly nbf: number
  readonly access?: ReadonlyArray<{ readonly type: string; readonly name: string; readonly actions?: ReadonlyArray<string> }>
}

export interface Tokens {
  /** PEM of the root CA that signs the token signer. */
  readonly rootCertificatePem: string
  /** A token for `audience`, living `lifetimeSeconds` (the server's lifetime by default) and dying at `diesAt` at the latest. */
  readonly issue: (
    subject: string,
    access: ReadonlyArray<Scope.ResourceScope>,
    lifetimeSeconds?: number,
    audience?: string,
    diesAt?: number
  ) => string
  readonly verify: (token: string) => Option.Option<Grantee>
  readonly inspect: (token: string) => "valid" | "expired" | "unknown"
}

export const make = (
  options: { readonly service: string; readonly issuer: string; readonly tokenFormat: "jwt" | "opaque" | undefined; readonly ttlSeconds: number },
  now: () => number
): Tokens => {
  const { issuer, service } = options
  const chain = makeChain("ociauth test", now())
  const x5c = [Buffer.from(chain.leaf.der).toString("base64"), Buffer.from(chain.root.der).toString("base64")]
  const opaque = new Map<string, { readonly grantee: Grantee; readonly audience: string }>()

  const issue: Tokens["issue"] = (subject, access, lifetimeSeconds, audience = service, diesAt = Infinity) => {
    const issuedAt = now()
    // A token issued on credentials that expire dies with them (GAR: the OAuth2 token behind it).
    const seconds = Math.min(lifetimeSeconds ?? options.ttlSeconds, Math.floor((diesAt - issuedAt) / 1000))
    // JWT times are whole seconds. Both are rounded up, so that a token lives at least the
    // `expires_in` it is issued with and `exp - iat` still says exactly that (flooring them made a
    // "1 second" token issued at x.999 s live 1 ms; distribution hides that with a 60 s leeway,
    // which the emulator does not have).
    const iat = Math.ceil(issuedAt / 1000)
    const exp = iat + seconds
    const expiresAt = Math.min(issuedAt + seconds * 1000, diesAt)
    if (options.tokenFormat === "opaque") {
      const token = `djE6${crypto.randomBytes(24).toString("base64url")}`
      opaque.set(token, { grantee: { subject, access, expiresAt }, audience })
      return token
    }
    const header = { typ: "JWT", alg: "ES256", x5c }
    const claims = {
      iss: issuer,
      sub: subject,
      aud: audience,
      exp,
      nbf: Math.min(iat, exp) - 1,
      iat,
      jti: crypto.randomBytes(12).toString("base64url"),
      access: access.map((s) => ({ type: s.type, name: s.name, actions: [...s.actions] }))
    }
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
    const signature = crypto.sign("sha256", Buffer.from(input), { key: chain.leaf.privateKey, dsaEncoding: "ieee-p1363" })
    return `${input}.${b64url(signature)}`
  }

  /** The claims of a JWT this server signed (whatever they say), or `undefined`. */
  const signedClaims = (token: string): Claims | undefined => {
    const parts = token.split(".")
    if (parts.length !== 3) return undefined
    const signed = crypto.verify(
      "sha256",
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: chain.leaf.publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(parts[2]!, "base64url")
    )
    if (!signed) return undefined
    try {
      const claims: Claims | null = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"))
      return typeof claims === "object" && claims !== null ? claims : undefined
    } catch {
      return undefined
    }
  }

  const verify = (token: string): Option.Option<Grantee> => {
    if (options.tokenFormat === "opaque") {
      const entry = opaque.get(token)
      return entry !== undefined && entry.audience === service && entry.grantee.expiresAt > now()
        ? Option.some(entry.grantee)
        : Option.none()
    }
    const claims = signedClaims(token)
    if (claims === undefined) return Option.none()
    const seconds = now() / 1000
    if (claims.iss !== issuer || claims.aud !== service || claims.exp <= seconds || claims.nbf > seconds + 1) return Option.none()
    try {
      const access = (claims.access ?? []).map((a) => Scope.resource(a.type, a.name, a.actions ?? []))
      return Option.some({ subject: claims.sub, access, expiresAt: claims.exp * 1000 })
    } catch {
      return Option.none()
    }
  }

  const inspect = (token: string): "valid" | "expired" | "unknown" => {
    if (Option.isSome(verify(token))) return "valid"
    if (options.tokenFormat === "opaque") {
      const entry = opaque.get(token)
      return entry !== undefined && entry.audience === service ? "expired" : "unknown"
    }
    const claims = signedClaims(token)
    return claims !== undefined && claims.iss === issuer && claims.aud === service && claims.exp <= now() / 1000 ? "expired" : "unknown"
  }

  return { rootCertificatePem: chain.root.pem, issue, verify, inspect }
}
