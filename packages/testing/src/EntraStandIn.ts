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
import { Duration, Effect } from "effect"

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
  readonly lifetime?: Duration.DurationInput
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

/**
 * A stand-in whose clock is `now` (epoch milliseconds).
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = (options: Options = {}, now: () => number = () => Date.now()): EntraStandIn => {
  const lifetime = Duration.toMillis(Duration.decode(options.lifetime ?? Duration.hours(1)))
  const tenantId = options.tenantId ?? randomUUID()
  const objectId = options.objectId ?? randomUUID()
  const calls: Array<ReadonlyArray<string>> = []
  const issued: Array<AccessToken> = []
  const valid = new Map<string, number>()
  let expiredPresented = 0
  const credential: TokenCredential = {
    getToken: async (scopes) => {
      const list = typeof scopes === "string" ? [scopes] : [...scopes]
      calls.push(list)
      if (options.fail !== undefined) throw options.fail
      const issuedAt = now()
      const expiresOnTimestamp = issuedAt + lifetime
      const audience = list[0]?.replace(/\/\.default$/, "") ?? ""
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
  }
  return {
    credential,
    tenantId,
    subject: `aad:${objectId}`,
    calls,
    issued,
    get expiredPresented() {
      return expiredPresented
    },
    verify: (token) => {
      const expiresAt = valid.get(token)
      if (expiresAt === undefined) return undefined
      if (expiresAt <= now()) {
        expiredPresented++
        return undefined
      }
      return `aad:${objectId}`
    }
  }
}

/**
 * A stand-in whose clock is the Effect `Clock` (so `TestClock` ages its tokens).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<EntraStandIn> =>
  Effect.map(Effect.clock, (clock) => start(options, () => clock.unsafeCurrentTimeMillis()))
