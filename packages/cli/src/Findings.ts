/**
 * What `probe` found out, as data (`--json` prints it): the answers of the
 * seed documents' investigation for one registry, and the quirks among them —
 * where the registry departs from the distribution and OCI specs in a way a
 * client must know about.
 *
 * @since 0.2.0
 */

/**
 * A challenge as a registry sent it.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChallengeSeen {
  readonly status: number | null
  /** `bearer`, `basic`, or `null` when the answer had no `WWW-Authenticate`. */
  readonly scheme: string | null
  readonly realm: string | null
  readonly service: string | null
  /** The `scope` of the challenge, space-joined; `null` when absent. */
  readonly scope: string | null
}

/**
 * A token request and what came of it.
 *
 * @since 0.2.0
 * @category models
 */
export interface TokenAttempt {
  readonly method: "GET" | "POST"
  readonly scopes: ReadonlyArray<string>
  readonly identity: "anonymous" | "credentials"
  readonly status: number | null
  /** The OCI error code or `details` of a refusal. */
  readonly error: string | null
  /** The JWT `access` claim, formatted; `null` for opaque tokens or refusals. */
  readonly granted: ReadonlyArray<string> | null
  /**
   * What the SDK makes of a refusal (`TokenRequestError`'s reason): `Unauthorized` (401), `Denied` (403, or
   * Quay's 405 `UNSUPPORTED` for a push the account may not do), `InvalidName` (400 `NAME_INVALID`),
   * `RateLimited` (429), `BadResponse`; `null` for a token or no answer.
   *
   * @since 1.0.0
   */
  readonly refusal: TokenRefusal | null
  /**
   * The server's reason for a refusal, whatever the body's shape (OCI `errors`, Hub's `{"details": …}`, OAuth2
   * `error_description`, a plain-text line), as the SDK's `TokenRequestError.detail` words it; no secret.
   *
   * @since 1.0.0
   */
  readonly detail: string | null
}

/**
 * A token refusal, as `TokenRequestError.reason` names it.
 *
 * @since 1.0.0
 * @category models
 */
export type TokenRefusal = "Unauthorized" | "Denied" | "RateLimited" | "InvalidName" | "BadResponse"

/**
 * A `429` the probe met, read as the SDK reads it (`Unstable.rateLimitedFrom`): which limit, when to
 * retry, how to raise it. One entry per kind and server; `count` says how many answers it was.
 *
 * @since 1.0.0
 * @category models
 */
export interface RateLimitSeen {
  /** `PullLimit` (a pull quota: Docker Hub's), `AbuseProtection` (Hub's `HAP429`), `Throttled` (a request rate: ECR's "Rate exceeded"). */
  readonly kind: "PullLimit" | "AbuseProtection" | "Throttled"
  /** The registry's API, or its token server. */
  readonly where: "registry" | "token server"
  /** The first request refused, reduced to origin and path. */
  readonly url: string
  readonly status: number
  /** The server's `Retry-After`, in seconds; `null` when it sent none. */
  readonly retryAfterSeconds: number | null
  /** Docker Hub's `ratelimit-limit` / `ratelimit-remaining` and their window (`w=`), in seconds. */
  readonly limit: number | null
  readonly remaining: number | null
  readonly windowSeconds: number | null
  /** The server's words (its OCI error, or its text), no secret. */
  readonly detail: string | null
  /** Whether the request carried the credentials given (a pull limit is then the account's). */
  readonly authenticated: boolean
  /** How to raise the limit (`RateLimited.howToRaise`). */
  readonly howToRaise: string
  /** How many answers of the probe it was. */
  readonly count: number
}

/**
 * The quirks `probe` can report: where a registry departs from the
 * distribution and OCI specs in a way a client must know about, and what each
 * means.
 *
 * @since 0.2.0
 * @category constants
 */
export const quirks = {
  "library-prefix": "one-component names live under library/ (Docker Hub)",
  "placeholder-scope": "the /v2/ or _catalog challenge names a repository that is not one: never request it (GHCR)",
  "empty-base-body": "/v2/ answers 200 with an empty body, not {} (GHCR)",
  "bare-v2-not-found": "/v2 without the slash is 404 with a token (GHCR)",
  "no-expires-in": "token responses do not say how long they last (GHCR)",
  "denied-not-narrowed": "asking for more than allowed is refused with DENIED, not narrowed (GHCR)",
  "catalog-unsupported": "the catalog is challenged for but cannot be had (Docker Hub)",
  "delete-unsupported": "DELETE answers 405 UNSUPPORTED (GHCR)",
  "token-get-only": "the token endpoint refuses the OAuth2 POST: GET only (Harbor, Quay)"
} as const

/**
 * @since 0.2.0
 * @category models
 */
export type Quirk = keyof typeof quirks

/**
 * @since 0.2.0
 * @category models
 */
export interface Findings {
  /** The registry as given, and the API origin probed (Docker Hub's hosts map to registry-1.docker.io). */
  readonly registry: string
  readonly origin: string
  /** The repository probed, as the registry names it (`library/python`); `null` without one. */
  readonly repository: string | null
  readonly identity: "anonymous" | "credentials"
  /** `GET /`: not specified; registries answer 404, a landing page, a redirect. */
  readonly root: { readonly status: number | null; readonly contentType: string | null; readonly location: string | null }
  /** `GET /v2/`: anonymously, then with a token. `body`: `json` (`{}`), `empty`, or `other`. */
  readonly base: {
    readonly status: number
    readonly apiVersion: string | null
    readonly body: "json" | "empty" | "other"
    readonly withToken: { readonly status: number | null; readonly body: "json" | "empty" | "other" } | null
  }
  /** `GET /v2` without the slash, anonymously (status, body, API version header, a redirect's `Location`) and with a token. */
  readonly bareV2: {
    readonly status: number | null
    readonly apiVersion: string | null
    readonly body: "json" | "empty" | "other"
    readonly location: string | null
    readonly withToken: number | null
  }
  /** The challenges of `/v2/`, `/v2/_catalog` and the repository. */
  readonly challenges: { readonly base: ChallengeSeen; readonly catalog: ChallengeSeen; readonly repository: ChallengeSeen | null }
  /** Realm and service: where the token server is, and which service it really wants. */
  readonly auth: {
    readonly scheme: "bearer" | "basic" | "none"
    readonly realm: string | null
    /** The realm is on another origin than the registry's (Docker Hub's auth.docker.io). */
    readonly realmElsewhere: boolean
    /**
     * Why the realm may not receive a credential under the engine's realm rule (`Realm.validate`: an internal
     * address, plain HTTP, a private-use name…), or `null`. A refused realm is never asked, with credentials or without.
     */
    readonly realmRefused: string | null
    readonly service: string | null
    /** A token asked for with the registry's own host as `service`, used on the repository: `accepted`, `refused`, or `null` (not tried: the service is the host, or no repository). */
    readonly hostAsService: "accepted" | "refused" | null
  }
  /** Whether a challenge's `scope` names a repository where none is concerned (`/v2/`, `_catalog`), and what asking for it gives. */
  readonly placeholder: { readonly scope: string; readonly anonymous: TokenAttempt; readonly credentials: TokenAttempt | null } | null
  /** One-component names: the bare name and `library/<name>` on the repository's tags. */
  readonly library: { readonly bare: number | null; readonly prefixed: number | null; readonly required: boolean } | null
  /** GET and OAuth2 POST on the token endpoint. */
  readonly tokenEndpoint: {
    readonly get: number | null
    readonly post: number | null
    /** The fields of a successful token response. */
    readonly fields: ReadonlyArray<string>
    readonly expiresIn: number | null
    readonly issuedAt: string | null
    readonly format: "jwt" | "opaque" | null
    /** The lifetime a client can know: `expires_in`, else a JWT's `exp − iat`; `null` when nothing says it. */
    readonly lifetimeSeconds: number | null
    readonly lifetimeSource: "expires_in" | "jwt" | null
  }
  /** Asking for `pull,push,delete` on the repository anonymously: `granted`, `narrowed` (silently, per the JWT), `denied`, or `unknown` (an opaque token). */
  readonly grants: (TokenAttempt & { readonly outcome: "granted" | "narrowed" | "denied" | "unknown" }) | null
  /** The catalog, anonymously and with the credentials given. */
  readonly catalog: {
    readonly anonymous: TokenAttempt & { readonly catalogStatus: number | null }
    readonly credentials: (TokenAttempt & { readonly catalogStatus: number | null }) | null
    readonly supported: "yes" | "credentials only" | "no" | "unknown"
  }
  /** `DELETE` of a manifest digest that does not exist: nothing is ever deleted. */
  readonly delete: { readonly digest: string; readonly status: number | null; readonly code: string | null; readonly supported: "yes" | "no" | "unknown" } | null
  /** Docker Hub's pull rate-limit headers, as seen on a manifest HEAD. */
  readonly rateLimit: { readonly limit: string | null; readonly remaining: string | null; readonly source: string | null } | null
  /**
   * Every rate limit met (`429`): its kind, when to retry, how to raise it. When a manifest HEAD is refused,
   * or says no pull remains, the probe GETs the manifest once for the server's words (a refused pull counts none).
   *
   * @since 1.0.0
   */
  readonly rateLimited: ReadonlyArray<RateLimitSeen>
  /**
   * The refusals of the token server, one per identity, reason and words (the credentials' first): why a
   * token was not issued (Hub's "incorrect username or password"), no secret.
   *
   * @since 1.0.0
   */
  readonly tokenRefusals: ReadonlyArray<TokenAttempt & { readonly refusal: TokenRefusal }>
  /**
   * The registry refused the credentials given (`Unauthorized`: its token server, or the registry for Basic):
   * the checks that needed them saw the refusal, not the registry, and no quirk comes from them. `ociauth
   * probe` then exits 3, as `token` and `request` do.
   *
   * @since 1.0.0
   */
  readonly credentialsRefused: boolean
  readonly quirks: ReadonlyArray<Quirk>
}
