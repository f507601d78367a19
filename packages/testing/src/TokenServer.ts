/**
 * A token server that follows the distribution token spec: GET with repeated
 * `scope`, OAuth2 POST with the `password` and `refresh_token` grants,
 * `offline_token` / `access_type=offline` refresh tokens. It issues ES256 JWTs
 * with an `x5c` chain (root CA and signer generated at start; no key is ever
 * committed), or opaque tokens like GHCR's. Policies say who gets which actions
 * on which repositories; requests beyond them are narrowed silently (Docker Hub,
 * the spec) or denied (GHCR).
 *
 * The `service` of a request is the token's audience. On GET, as Docker Hub and
 * docker_auth do, a wrong `service` still gets a token — for that audience,
 * which the registry (expecting its own service) refuses with 401
 * `invalid_token`, and `verify` too; a GET without `service` gets this server's.
 * On POST, where the spec requires `service`, a wrong one is 400 `invalid_request`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { Scope as EffectScope } from "effect"
import type { Scope } from "@ociauth/core"
import { Faults } from "./Faults.js"
import { RefreshTokens } from "./internal/refreshTokens.js"
import { goJson, grantedActions, listen, scopedOnClock } from "./internal/server.js"
import type { Exchange } from "./internal/server.js"
import * as TokenAnswer from "./internal/tokenAnswer.js"
import * as TokenGrants from "./internal/tokenGrants.js"
import * as TokenRequest from "./internal/tokenRequest.js"
import * as Tokens from "./internal/tokens.js"
import { RequestLog } from "./RequestLog.js"

/**
 * Actions granted to an account (or to everyone) on matching resources.
 *
 * @since 0.1.0
 * @category models
 */
export interface Grant {
  /** The account; left out, the grant applies to everyone, anonymous included. */
  readonly account?: string
  /** `repository` by default; `registry` for `registry:catalog:*`. */
  readonly type?: string
  /** An exact name, a prefix ending in `/*`, or `*` for every name. */
  readonly name: string
  readonly actions: ReadonlyArray<string>
}

/**
 * Short-lived passwords issued by another service (ECR's `GetAuthorizationToken`,
 * see `AwsEcrApi`), accepted besides `users`. The verdict is taken at the
 * server's clock.
 *
 * @since 0.2.0
 * @category models
 */
export interface IssuedPasswords {
  readonly check: (username: string, password: string) => "valid" | "expired" | "unknown"
}

/**
 * How a server refuses an expired issued password: ECR's 403 `DENIED` "Your
 * authorization token has expired. Reauthenticate and try again."
 *
 * @since 0.2.0
 * @category models
 */
export interface ExpiredAnswer {
  readonly status: number
  readonly code: string
  readonly message: string
}

/**
 * How a token server words a refusal of credentials (a wrong password, PAT or
 * API key): the OCI `errors` body (the spec; Quay's `InvalidLogin`), Docker
 * Hub's `{"details": …}` (auth.docker.io: 401 `{"details":"incorrect username
 * or password"}`), or a plain-text body (NGC "sets it to text", NERSC/shifter#238).
 *
 * @since 1.0.0
 * @category models
 */
export type Refusal =
  | { readonly shape: "oci"; readonly code: string; readonly message: string; readonly detail?: unknown }
  | { readonly shape: "details"; readonly details: string }
  | { readonly shape: "text"; readonly text: string }

/**
 * The spec's refusal: 401 `UNAUTHORIZED` "authentication required".
 *
 * @since 1.0.0
 * @category constants
 */
export const ociRefusal: Refusal = TokenAnswer.ociRefusal

/**
 * An error a token server answers instead of a token: status, OCI code and message (and `detail`).
 *
 * @since 1.0.0
 * @category models
 */
export interface ErrorAnswer {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly detail?: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The `service` (JWT audience) tokens are issued for. */
  readonly service: string
  readonly issuer?: string
  /** The server's name in the request log; `token` by default. @since 1.0.0 */
  readonly name?: string
  /** The token endpoint path; `/token` by default. */
  readonly path?: string
  /** Accounts: username → password. */
  readonly users?: Readonly<Record<string, string>>
  /**
   * Who gets what. Default: every account gets `*` on every repository and the
   * catalog; anonymous gets `pull` on every repository.
   */
  readonly grants?: ReadonlyArray<Grant>
  /** Token lifetime; 300 s by default. */
  readonly ttl?: Duration.Input
  /** Leave `expires_in` out of responses, as GHCR does. */
  readonly omitExpiresIn?: boolean
  /**
   * `silent` (default): grant the intersection, as the spec and Docker Hub do;
   * `deny`: 403 DENIED, as GHCR does; `denyAnonymous`: DENIED for anonymous
   * requests, silent for accounts, as GitLab does.
   */
  readonly narrowing?: "silent" | "deny" | "denyAnonymous"
  /** Grant at most this many scopes per token (the first ones asked for), silently, as registries that cap multi-scope tokens do. */
  readonly maxScopes?: number
  /**
   * Refuse anonymous requests without any scope: `true` with 401 (Quay's
   * `Unauthorized`), `"denied"` with 403 `DENIED` (GHCR, seed 000).
   */
  readonly anonymousNeedsScope?: boolean | "denied"
  /** The body of a refusal of credentials (401); the OCI `errors` shape by default. @since 1.0.0 */
  readonly refusal?: Refusal
  /** The fields of a GET answer: `token` and `access_token` (Docker Hub, the spec's both), or `token` alone (GHCR, Quay). @since 1.0.0 */
  readonly tokenFields?: "both" | "token"
  /** Whether the OAuth2 POST needs `client_id` (the spec); ACR's documented POST has none. Default true. @since 1.0.0 */
  readonly postNeedsClientId?: boolean
  /**
   * A repository name the server refuses before looking it up (GHCR answers 400
   * to `repository:toddysm:pull` and `repository:*:pull`, seed 000): the answer, or `undefined`.
   * @since 1.0.0
   */
  readonly invalidName?: (name: string) => ErrorAnswer | undefined
  /**
   * The status of an anonymous request for a repository it may not pull at all
   * (private or absent), where narrowing is `deny`: 403 `DENIED` by default,
   * 401 `UNAUTHORIZED` as GHCR (openai/tunnel-client#75). Called with the name.
   * @since 1.0.0
   */
  readonly anonymousRefusal?: (name: string) => 401 | 403
  /**
   * An authenticated request for `push` that the policy does not grant: narrowed
   * (default) or refused with this answer for the name (Quay's `Unsupported`
   * "No permission to modify repository" / "Unknown namespace", 405).
   * @since 1.0.0
   */
  readonly pushRefusal?: (subject: string, name: string) => ErrorAnswer
  /**
   * When the Basic credentials a token was issued for expire (epoch ms), if they
   * do: the token dies with them, whatever its own lifetime (GAR's registry
   * tokens die with the OAuth2 access token behind them). @since 1.0.0
   */
  readonly credentialExpiry?: (username: string, password: string) => number | undefined
  /** Leave scopes granted no action out of the `access` claim, as Docker Hub (`"access":[]`, seed 002). @since 1.0.0 */
  readonly omitEmptyAccess?: boolean
  /** End JSON bodies with a newline, as Go servers do (Docker Hub, GHCR). @since 1.0.0 */
  readonly jsonNewline?: boolean
  /** `jwt` (default) or `opaque` tokens that only this server can read, as GHCR's. */
  readonly tokenFormat?: "jwt" | "opaque"
  /** Answer `registry:*` scopes with 400 "unknown resource type", as Docker Hub does. */
  readonly rejectRegistryScopes?: boolean
  /** Answer requests without credentials with 401 instead of an anonymous token. */
  readonly requireCredentials?: boolean
  /** Serve OAuth2 POST; when false, POST answers 405 (to exercise the GET fallback). Default true. */
  readonly oauth?: boolean
  /** The status POST answers when `oauth` is false: 405 by default, 404 as Google's `/v2/token`. */
  readonly postRefusal?: number
  /**
   * Basic credentials checked by a function, besides `users`: the account
   * (subject) they stand for, or `undefined`. A cloud's identity side: GAR's
   * `oauth2accesstoken` with a live OAuth2 access token.
   */
  readonly authenticate?: (username: string, password: string) => string | undefined
  /**
   * The Basic username that presents a refresh token (one of `issueRefreshToken`'s,
   * live) as its password, standing for the token's subject: ACR's zero GUID. @since 1.0.0
   */
  readonly refreshTokenUsername?: string
  /**
   * A policy computed per request, in place of `grants`: the actions `subject`
   * (empty for anonymous) may have on the resource.
   */
  readonly authorize?: (subject: string, type: string, name: string) => ReadonlyArray<string>
  /** Record requests in this log (e.g. one shared with a registry); a new one by default. */
  readonly log?: RequestLog
  /** Passwords issued elsewhere (ECR Public's login), accepted besides `users`. @since 0.2.0 */
  readonly issuedPasswords?: IssuedPasswords
  /** The answer to an expired issued password; 401 `UNAUTHORIZED` by default. @since 0.2.0 */
  readonly expiredCredential?: ExpiredAnswer
  /** Opaque scopes (ECR Public's `aws`) accepted, granting nothing by themselves. @since 0.2.0 */
  readonly opaqueScopes?: ReadonlyArray<string>
}

/**
 * What a valid token grants.
 *
 * @since 0.1.0
 * @category models
 */
export interface Grantee {
  /** The account, empty for anonymous. */
  readonly subject: string
  readonly access: ReadonlyArray<Scope.ResourceScope>
  readonly expiresAt: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TokenServer {
  readonly origin: string
  /** The realm to put in challenges: origin + path. */
  readonly realm: string
  readonly service: string
  readonly issuer: string
  /** PEM of the root CA that signs the token signer; the registry's `rootcertbundle`. */
  readonly rootCertificatePem: string
  readonly log: RequestLog
  readonly faults: Faults
  /** Checks a token this server issued: signature (or opaque lookup), issuer, audience, time. */
  readonly verify: (token: string) => Option.Option<Grantee>
  /** Whether a token is one of this server's that is valid, one that has expired, or unknown (forged, another audience). @since 1.0.0 */
  readonly inspect: (token: string) => "valid" | "expired" | "unknown"
  /**
   * Issues a token directly, without a request (for tests of expiry and
   * narrowing). `lifetimeSeconds` may be negative: an already expired token;
   * `audience` (default: this server's service) another service's token.
   */
  readonly issue: (
    subject: string,
    access: ReadonlyArray<Scope.ResourceScope>,
    lifetimeSeconds?: number,
    audience?: string
  ) => string
  /**
   * Issues a refresh token for `subject` that the OAuth2 POST
   * (`grant_type=refresh_token`) takes until it expires: a JWT whose `exp` a
   * client can read (ACR's exchange answers with one).
   */
  readonly issueRefreshToken: (subject: string, lifetimeSeconds: number) => string
  readonly close: () => Promise<void>
}

/**
 * The token endpoint without a server of its own, to mount on another server
 * (GHCR serves `/token` on the registry's origin).
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  readonly path: string
  readonly issuer: string
  readonly service: string
  readonly rootCertificatePem: string
  readonly log: RequestLog
  readonly handle: (exchange: Exchange) => Promise<void>
  readonly verify: TokenServer["verify"]
  readonly inspect: TokenServer["inspect"]
  readonly issue: TokenServer["issue"]
  readonly issueRefreshToken: TokenServer["issueRefreshToken"]
}

/**
 * Builds the token endpoint (keys, policy, handler) without listening.
 *
 * @since 0.1.0
 * @category constructors
 */
export const endpoint = (options: Options, now: () => number = () => Date.now()): Endpoint => {
  const path = options.path ?? "/token"
  const issuer = options.issuer ?? "ociauth-test-issuer"
  const ttlSeconds = Math.max(1, Math.round(Duration.toSeconds(options.ttl ?? Duration.seconds(300))))
  const tokens = Tokens.make({ service: options.service, issuer, tokenFormat: options.tokenFormat, ttlSeconds }, now)
  const refreshTokens = new RefreshTokens(issuer, options.service, now)
  const credentials = new TokenRequest.Credentials(options, refreshTokens)
  const grants = options.grants ?? TokenGrants.defaultGrants(options.users ?? {})
  const allowed = options.authorize ?? ((subject: string, type: string, name: string) => grantedActions(grants, subject, type, name))

  const respond = (request: TokenRequest.TokenRequest): TokenAnswer.Answer => {
    const granted = TokenGrants.grant(options, allowed, request)
    if (TokenAnswer.isAnswer(granted)) return granted
    const token = tokens.issue(granted.subject, granted.access, undefined, request.audience, request.diesAt)
    return TokenAnswer.token(request.oauth, token, granted.access, {
      tokenFields: options.tokenFields,
      expiry: options.omitExpiresIn === true ? undefined : { seconds: ttlSeconds, issuedAt: now() },
      refreshToken: request.offline && granted.subject !== "" ? refreshTokens.offline(granted.subject) : undefined
    })
  }

  const handle = async (exchange: Exchange): Promise<void> => {
    if (options.jsonNewline === true) goJson(exchange.response)
    const request = await TokenRequest.read(exchange, path, options, credentials, refreshTokens)
    TokenAnswer.send(exchange.response, TokenAnswer.isAnswer(request) ? request : respond(request))
  }

  return {
    path,
    issuer,
    service: options.service,
    rootCertificatePem: tokens.rootCertificatePem,
    log: options.log ?? new RequestLog(),
    handle,
    verify: tokens.verify,
    inspect: tokens.inspect,
    issue: tokens.issue,
    issueRefreshToken: (subject, lifetimeSeconds) => refreshTokens.issue(subject, lifetimeSeconds)
  }
}

/**
 * Starts a token server on a free loopback port. `now` gives the time tokens
 * are issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options, now: () => number = () => Date.now()): Promise<TokenServer> => {
  const service = endpoint(options, now)
  const faults = new Faults()
  const server = await listen({ name: options.name ?? "token", log: service.log, faults, handle: service.handle })
  return {
    origin: server.origin,
    realm: `${server.origin}${service.path}`,
    service: service.service,
    issuer: service.issuer,
    rootCertificatePem: service.rootCertificatePem,
    log: service.log,
    faults,
    verify: service.verify,
    inspect: service.inspect,
    issue: service.issue,
    issueRefreshToken: service.issueRefreshToken,
    close: server.close
  }
}

/**
 * A token server as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<TokenServer, never, EffectScope.Scope> =>
  scopedOnClock(start, options)

/**
 * @since 0.1.0
 * @category tags
 */
export class Server extends Context.Service<Server, TokenServer>()("@ociauth/testing/Server") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Server> => Layer.effect(Server, make(options))
