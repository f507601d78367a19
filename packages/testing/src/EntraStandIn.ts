/**
 * Microsoft Entra ID (Azure AD) played in-process: a `TokenCredential` with
 * the shape of `@azure/identity`'s (`getToken(scopes) → { token,
 * expiresOnTimestamp, refreshAfterTimestamp }`) that mints JWT-shaped access
 * tokens (`tid`, `oid`, `aud`, `exp`) on every call and counts the calls, and
 * a verifier the emulator's ACR exchange takes (`RegistryEmulator.start({
 * identity: entra.verify })`). No Azure package is needed: the credential is
 * structurally what `DefaultAzureCredential` is to the code that calls it.
 *
 * @since 0.2.0
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Scope as EffectScope } from "effect"
import { Faults } from "./Faults.js"
import { listen, readBody, scopedOnClock, sendJson } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"

/**
 * `@azure/core-auth`'s `AccessToken`, structurally.
 *
 * @since 0.2.0
 * @category models
 */
export interface AccessToken {
  readonly token: string
  readonly expiresOnTimestamp: number
  readonly refreshAfterTimestamp?: number
  readonly tokenType?: "Bearer"
}

/**
 * `@azure/core-auth`'s `TokenCredential`, structurally.
 *
 * @since 0.2.0
 * @category models
 */
export interface TokenCredential {
  getToken(scopes: string | Array<string>, options?: object): Promise<AccessToken | null>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Lifetime of each access token; 1 hour by default (Entra issues 60–90 min). */
  readonly lifetime?: Duration.Input
  /** Whether tokens carry `refreshAfterTimestamp` (half their lifetime, as MSAL sets for long-lived tokens); default false. */
  readonly refreshAfter?: boolean
  /** The tenant (`tid`); a random UUID by default. */
  readonly tenantId?: string
  /** The principal's object id (`oid`); a random UUID by default. */
  readonly objectId?: string
  /** A failure to answer every call with, as a credential that is not configured does. */
  readonly fail?: Error
}

/**
 * @since 0.2.0
 * @category models
 */
export interface EntraStandIn {
  readonly credential: TokenCredential
  readonly tenantId: string
  /** The account the emulator grants to: `aad:<oid>`. */
  readonly subject: string
  /** Every call of `getToken`, with the scopes asked for. */
  readonly calls: ReadonlyArray<ReadonlyArray<string>>
  /** Every token minted (secrets: for leak checks only). */
  readonly issued: ReadonlyArray<AccessToken>
  /** Tokens presented to `verify` after they expired. */
  readonly expiredPresented: number
  /** The subject of a token this stand-in minted and that is still valid, else `undefined`. */
  readonly verify: (token: string) => string | undefined
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** Entra's side shared by the in-process credential and the loopback endpoint: minting and checking tokens. */
const makeIssuer = (options: Options, now: () => number) => {
  const lifetime = Duration.toMillis(options.lifetime ?? Duration.hours(1))
  const tenantId = options.tenantId ?? randomUUID()
  const objectId = options.objectId ?? randomUUID()
  const issued: Array<AccessToken> = []
  const valid = new Map<string, number>()
  let expiredPresented = 0
  const mint = (scopes: ReadonlyArray<string>): AccessToken => {
    const issuedAt = now()
    const expiresOnTimestamp = issuedAt + lifetime
    const audience = scopes[0]?.replace(/\/\.default$/, "") ?? ""
    const claims = {
      aud: audience,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: Math.floor(issuedAt / 1000),
      nbf: Math.floor(issuedAt / 1000),
      exp: Math.floor(expiresOnTimestamp / 1000),
      oid: objectId,
      tid: tenantId,
      uti: randomBytes(8).toString("base64url")
    }
    const token = `${b64url({ typ: "JWT", alg: "RS256" })}.${b64url(claims)}.${randomBytes(32).toString("base64url")}`
    valid.set(token, expiresOnTimestamp)
    const answer: AccessToken = {
      token,
      expiresOnTimestamp,
      tokenType: "Bearer",
      ...(options.refreshAfter === true ? { refreshAfterTimestamp: issuedAt + lifetime / 2 } : {})
    }
    issued.push(answer)
    return answer
  }
  const verify = (token: string): string | undefined => {
    const expiresAt = valid.get(token)
    if (expiresAt === undefined) return undefined
    if (expiresAt <= now()) {
      expiredPresented++
      return undefined
    }
    return `aad:${objectId}`
  }
  return { lifetime, tenantId, subject: `aad:${objectId}`, issued, mint, verify, expiredPresented: () => expiredPresented }
}

/**
 * A stand-in whose clock is `now` (epoch milliseconds).
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = (options: Options = {}, now: () => number = () => Date.now()): EntraStandIn => {
  const issuer = makeIssuer(options, now)
  const calls: Array<ReadonlyArray<string>> = []
  const credential: TokenCredential = {
    getToken: async (scopes) => {
      const list = typeof scopes === "string" ? [scopes] : [...scopes]
      calls.push(list)
      if (options.fail !== undefined) throw options.fail
      return issuer.mint(list)
    }
  }
  return {
    credential,
    tenantId: issuer.tenantId,
    subject: issuer.subject,
    calls,
    issued: issuer.issued,
    get expiredPresented() {
      return issuer.expiredPresented()
    },
    verify: issuer.verify
  }
}

/**
 * A stand-in whose clock is the Effect `Clock` (so `TestClock` ages its tokens).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<EntraStandIn> =>
  Effect.clockWith((clock) => Effect.sync(() => start(options, () => clock.currentTimeMillisUnsafe())))

/**
 * @since 0.2.0
 * @category models
 */
export interface EntraEndpoint {
  /** The name to give `@azure/identity` as `authorityHost` (an https URL, as MSAL requires); route its host to `origin`. */
  readonly authorityHost: string
  /** Where the endpoint really listens: `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly tenantId: string
  readonly clientId: string
  /** The app registration's secret (for leak checks). */
  readonly clientSecret: string
  /** The account the emulator grants to: `aad:<oid>`. */
  readonly subject: string
  /** Every request (OpenID discovery, token). */
  readonly log: RequestLog
  /** Every token minted (secrets: for leak checks only). */
  readonly issued: ReadonlyArray<AccessToken>
  readonly expiredPresented: number
  readonly verify: (token: string) => string | undefined
  readonly close: () => Promise<void>
}

/**
 * Entra ID's token endpoint on loopback, for `@azure/identity`'s real
 * `ClientSecretCredential` (`authorityHost`, `disableInstanceDiscovery: true`,
 * and an `httpClient` that sends `authorityHost`'s requests to `origin`): OpenID
 * discovery at `/<tenant>/v2.0/.well-known/openid-configuration` and the
 * `client_credentials` grant at `/<tenant>/oauth2/v2.0/token`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const serve = async (options: Omit<Options, "fail"> = {}, now: () => number = () => Date.now()): Promise<EntraEndpoint> => {
  const issuer = makeIssuer(options, now)
  const authorityHost = "https://login.entra.stand-in"
  const clientId = randomUUID()
  const clientSecret = `${randomBytes(3).toString("hex")}~${randomBytes(24).toString("base64url")}`
  const log = new RequestLog()
  const tenant = issuer.tenantId
  const server = await listen({
    name: "entra",
    log,
    faults: new Faults(),
    handle: async ({ method, request, response, url }) => {
      if (method === "GET" && url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
        const base = `${authorityHost}/${tenant}`
        return sendJson(response, 200, {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          issuer: `${base}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_types_supported: ["code", "id_token", "token"],
          token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"]
        })
      }
      if (method === "POST" && url.pathname === `/${tenant}/oauth2/v2.0/token`) {
        const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
        if (form.get("grant_type") !== "client_credentials" || form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
          return sendJson(response, 401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." })
        }
        const token = issuer.mint((form.get("scope") ?? "").split(" ").filter(Boolean))
        const seconds = Math.round(issuer.lifetime / 1000)
        return sendJson(response, 200, { token_type: "Bearer", expires_in: seconds, ext_expires_in: seconds, access_token: token.token })
      }
      request.resume()
      sendJson(response, 404, { error: "not_found" })
    }
  })
  return {
    authorityHost,
    origin: server.origin,
    tenantId: tenant,
    clientId,
    clientSecret,
    subject: issuer.subject,
    log,
    issued: issuer.issued,
    get expiredPresented() {
      return issuer.expiredPresented()
    },
    verify: issuer.verify,
    close: server.close
  }
}

/**
 * The loopback endpoint as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeEndpoint = (options: Omit<Options, "fail"> = {}): Effect.Effect<EntraEndpoint, never, EffectScope.Scope> =>
  scopedOnClock(serve, options)
