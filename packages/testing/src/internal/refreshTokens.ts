/**
 * A token server's refresh tokens, taken by the OAuth2 POST
 * (`grant_type=refresh_token`) and by `refreshTokenUsername` as a Basic password.
 */
import * as crypto from "node:crypto"
import { b64url } from "./tokens.js"

export class RefreshTokens {
  private readonly live = new Map<string, { readonly subject: string; readonly expiresAt: number }>()

  constructor(
    private readonly issuer: string,
    private readonly service: string,
    private readonly now: () => number
  ) {}

  /** A JWT whose `exp` a client can read (ACR's exchange answers with one), taken until it expires. */
  issue(subject: string, lifetimeSeconds: number): string {
    const iat = Math.floor(this.now() / 1000)
    const claims = { iss: this.issuer, sub: subject, aud: this.service, iat, exp: iat + lifetimeSeconds, grant_type: "refresh_token", jti: crypto.randomBytes(12).toString("base64url") }
    const token = `${b64url(JSON.stringify({ typ: "JWT", alg: "none" }))}.${b64url(JSON.stringify(claims))}.${crypto.randomBytes(16).toString("base64url")}`
    this.live.set(token, { subject, expiresAt: (iat + lifetimeSeconds) * 1000 })
    return token
  }

  /** The answer to `offline_token` / `access_type=offline`: random, taken as long as the server runs. */
  offline(subject: string): string {
    const token = crypto.randomBytes(24).toString("base64url")
    this.live.set(token, { subject, expiresAt: Infinity })
    return token
  }

  /** The subject of a live refresh token; `undefined` for any other string. */
  subject(token: string): string | undefined {
    const refresh = this.live.get(token)
    return refresh !== undefined && refresh.expiresAt > this.now() ? refresh.subject : undefined
  }
}
