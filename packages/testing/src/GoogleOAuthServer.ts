/**
 * Google's OAuth2 token endpoint played on loopback, for the real
 * `google-auth-library` (an `OAuth2Client` / `UserRefreshClient` with
 * `endpoints.oauth2TokenUrl` set to `tokenUrl`, as an `authorized_user` ADC
 * file gives it) and for clients a test builds (`client()`). It mints
 * `ya29.`-style access tokens for the `refresh_token` grant and for service
 * accounts' `jwt-bearer` assertions (RS256, checked against the key it
 * generated), counts them, and checks what a registry receives as Basic:
 * `oauth2accesstoken` (any username, as Google does not check it) with a live
 * token, `_json_key` with the key's JSON, `_json_key_base64` with its base64.
 *
 * @since 0.2.0
 */
import * as crypto from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Scope as EffectScope } from "effect"
import { Faults } from "./Faults.js"
import { listen, readBody, scopedOnClock, sendJson } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"

/**
 * A service-account key file, as the Cloud console downloads it.
 *
 * @since 0.2.0
 * @category models
 */
export interface ServiceAccountKey {
  readonly type: "service_account"
  readonly project_id: string
  readonly private_key_id: string
  readonly private_key: string
  readonly client_email: string
  readonly client_id: string
  readonly token_uri: string
}

/**
 * An `authorized_user` ADC file, as `gcloud auth application-default login` writes it.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthorizedUser {
  readonly type: "authorized_user"
  readonly client_id: string
  readonly client_secret: string
  readonly refresh_token: string
}

/**
 * The shape of `google-auth-library`'s `AuthClient` the registry adapters use.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthClient {
  getAccessToken(): Promise<{ readonly token?: string | null | undefined }>
  readonly credentials: { readonly expiry_date?: number | null | undefined }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Access token lifetime; 1 hour (3599 s, as Google answers) by default. Workload Identity
   * Federation's tokens live 5 minutes (`workloadIdentityLifetime`; moby/buildkit#5852), GitLab's
   * `identity: google_cloud` ones 120 s.
   */
  readonly lifetime?: Duration.Input
}

/**
 * The lifetime of access tokens from Workload Identity Federation in CI: 5 minutes
 * (moby/buildkit#5852, #5859; google-github-actions/auth#474).
 *
 * @since 1.0.0
 * @category constants
 */
export const workloadIdentityLifetime: Duration.Duration = Duration.minutes(5)

/**
 * @since 0.2.0
 * @category models
 */
export interface GoogleOAuthServer {
  readonly origin: string
  /** The token endpoint: `oauth2TokenUrl` for `google-auth-library`, `token_uri` of the key. */
  readonly tokenUrl: string
  /** The account tokens and keys stand for (the service account's email). */
  readonly subject: string
  readonly serviceAccountKey: ServiceAccountKey
  readonly authorizedUser: AuthorizedUser
  /** Every request to the token endpoint. */
  readonly log: RequestLog
  /** Access tokens minted so far (secrets: for leak checks only). */
  readonly issued: ReadonlyArray<string>
  /** Access tokens presented (as Basic passwords) after they expired. */
  readonly expiredPresented: number
  /** The subject of a live access token this server minted, else `undefined`. */
  readonly verify: (token: string) => string | undefined
  /**
   * When the credential of Basic `username:password` expires (epoch ms): an access token's expiry
   * (`oauth2accesstoken`), `undefined` for a key. `RegistryEmulator`'s `credentialExpiry`: the `gar`
   * profile's registry tokens die with the access token behind them. @since 1.0.0
   */
  readonly expiresAt: (username: string, password: string) => number | undefined
  /** The lifetime of the access tokens minted from now on. @since 1.0.0 */
  readonly setLifetime: (lifetime: Duration.Input) => void
  /** What a registry makes of Basic credentials: the subject, or `undefined`. `RegistryEmulator`'s `authenticate`. */
  readonly authenticate: (username: string, password: string) => string | undefined
  /**
   * An `AuthClient` over the `refresh_token` grant that keeps its token until
   * 5 minutes before it expires, as `google-auth-library`'s do, on this server's
   * clock (so `TestClock` ages it).
   */
  readonly client: () => AuthClient
  readonly close: () => Promise<void>
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

/**
 * Starts the endpoint on a free loopback port; `now` is its clock.
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = async (options: Options = {}, now: () => number = () => Date.now()): Promise<GoogleOAuthServer> => {
  let lifetime = Duration.toMillis(Duration.fromInputUnsafe(options.lifetime ?? Duration.seconds(3599)))
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const subject = "ci-puller@ociauth-test.iam.gserviceaccount.com"
  const live = new Map<string, number>()
  const issued: Array<string> = []
  const log = new RequestLog()
  let expiredPresented = 0
  const refreshToken = `1//${crypto.randomBytes(24).toString("base64url")}`
  const clientSecret = `GOCSPX-${crypto.randomBytes(12).toString("base64url")}`
  const clientId = "764086051850-ociauth.apps.googleusercontent.com"

  const mint = (): { readonly access_token: string; readonly expires_in: number; readonly token_type: "Bearer" } => {
    const token = `ya29.${crypto.randomBytes(48).toString("base64url")}`
    live.set(token, now() + lifetime)
    issued.push(token)
    return { access_token: token, expires_in: Math.round(lifetime / 1000), token_type: "Bearer" }
  }

  const assertionValid = (assertion: string): boolean => {
    const [header, payload, signature] = assertion.split(".")
    if (header === undefined || payload === undefined || signature === undefined) return false
    if (!crypto.verify("sha256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))) return false
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
      return claims.iss === subject && typeof claims.exp === "number" && claims.exp * 1000 > now() - 60_000
    } catch {
      return false
    }
  }

  const server = await listen({
    name: "oauth",
    log,
    faults: new Faults(),
    handle: async ({ method, request, response, url }) => {
      if (method !== "POST" || url.pathname !== "/token") {
        request.resume()
        return sendJson(response, 404, { error: "not_found" })
      }
      const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
      const grant = form.get("grant_type")
      const ok = grant === "refresh_token"
        ? form.get("refresh_token") === refreshToken && form.get("client_id") === clientId && form.get("client_secret") === clientSecret
        : grant === JWT_BEARER && assertionValid(form.get("assertion") ?? "")
      if (!ok) return sendJson(response, 400, { error: "invalid_grant", error_description: "Bad Request" })
      sendJson(response, 200, mint())
    }
  })
  const tokenUrl = `${server.origin}/token`

  const serviceAccountKey: ServiceAccountKey = {
    type: "service_account",
    project_id: "ociauth-test",
    private_key_id: crypto.randomBytes(20).toString("hex"),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: subject,
    client_id: "104230981234567890123",
    token_uri: tokenUrl
  }

  const verify = (token: string): string | undefined => {
    const expiresAt = live.get(token)
    if (expiresAt === undefined) return undefined
    if (expiresAt <= now()) {
      expiredPresented++
      return undefined
    }
    return subject
  }

  const keyMatches = (text: string): boolean => {
    try {
      const key = JSON.parse(text)
      return key.client_email === subject && key.private_key === serviceAccountKey.private_key
    } catch {
      return false
    }
  }

  const authenticate = (username: string, password: string): string | undefined => {
    if (username === "_json_key") return keyMatches(password) ? subject : undefined
    if (username === "_json_key_base64") return keyMatches(Buffer.from(password, "base64").toString("utf8")) ? subject : undefined
    return verify(password)
  }

  const client = (): AuthClient => {
    const credentials: { access_token?: string; expiry_date?: number } = {}
    return {
      credentials,
      getAccessToken: async () => {
        if (credentials.access_token !== undefined && (credentials.expiry_date ?? 0) > now() + 5 * 60_000) {
          return { token: credentials.access_token }
        }
        const response = await fetch(tokenUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret })
        })
        if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`)
        const body = (await response.json()) as { access_token: string; expires_in: number }
        credentials.access_token = body.access_token
        credentials.expiry_date = now() + body.expires_in * 1000
        return { token: body.access_token }
      }
    }
  }

  return {
    origin: server.origin,
    tokenUrl,
    subject,
    serviceAccountKey,
    authorizedUser: { type: "authorized_user", client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken },
    log,
    issued,
    get expiredPresented() {
      return expiredPresented
    },
    verify,
    expiresAt: (username, password) => (username === "_json_key" || username === "_json_key_base64" ? undefined : live.get(password)),
    setLifetime: (input) => {
      lifetime = Duration.toMillis(Duration.fromInputUnsafe(input))
    },
    authenticate,
    client,
    close: server.close
  }
}

/**
 * The endpoint as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<GoogleOAuthServer, never, EffectScope.Scope> =>
  scopedOnClock(start, options)
