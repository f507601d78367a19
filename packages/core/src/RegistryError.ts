/**
 * The typed errors of ociauth. Every error is a `Schema.TaggedError` with a
 * package-qualified identifier and a `message` getter. None of them ever holds a
 * secret: tokens, passwords and `Authorization` headers never reach an error, and
 * URLs are reduced to their origin and path before they are stored.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as errorBody from "./internal/errorBody.js"
import * as rateLimit from "./internal/rateLimit.js"
import { TypeId } from "./internal/typeId.js"


const base = { [TypeId]: TypeId } as const

/**
 * A `WWW-Authenticate` header that does not follow RFC 9110 §11.6.1.
 *
 * `line` is the index of the header line (when several were given) and
 * `position` the offset of the offending character in that line.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChallengeParseError extends Schema.TaggedError<ChallengeParseError>(
  "@ociauth/core/ChallengeParseError"
)("ChallengeParseError", {
  line: Schema.Number,
  position: Schema.Number,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Malformed WWW-Authenticate header (line ${this.line}, position ${this.position}): ${this.reason}`
  }
}

/**
 * A scope string that does not follow the distribution scope grammar.
 *
 * @since 0.1.0
 * @category errors
 */
export class ScopeParseError extends Schema.TaggedError<ScopeParseError>("@ociauth/core/ScopeParseError")(
  "ScopeParseError",
  {
    input: Schema.String,
    reason: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Invalid scope ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * An image reference that is not a valid docker reference.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReferenceParseError extends Schema.TaggedError<ReferenceParseError>(
  "@ociauth/core/ReferenceParseError"
)("ReferenceParseError", {
  input: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Invalid image reference ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * Which limit a `429` is:
 * - `PullLimit`: a registry's pull quota (Docker Hub: 100 pulls per 6 h per
 *   address anonymous, 200 per Personal account, none on paid plans);
 * - `AbuseProtection`: the registry's protection of its infrastructure (Docker
 *   Hub's `text/plain` "Too Many Requests (HAP429).", `Retry-After: 60`), which
 *   no account raises;
 * - `Throttled`: a service's request rate (ECR's `429 toomanyrequests: Rate
 *   exceeded`, a token server's 429).
 *
 * @since 1.0.0
 * @category models
 */
const RateLimitKind = Schema.Literals(["PullLimit", "AbuseProtection", "Throttled"])

/**
 * @since 1.0.0
 * @category models
 */
export type RateLimitKind = typeof RateLimitKind.Type

/**
 * A registry or token server answered `429`: which limit (`kind`), when to
 * retry (`retryAfterMillis` from `Retry-After`, else the limit's window), and how
 * to raise it (`howToRaise`, in the message).
 *
 * @since 1.0.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@ociauth/core/RateLimited")("RateLimited", {
  kind: RateLimitKind,
  /** The request URL, reduced to origin and path. */
  url: Schema.String,
  status: Schema.Number,
  /** The server's `Retry-After`, in milliseconds. */
  retryAfterMillis: Schema.optional(Schema.Number),
  /** `ratelimit-limit` and `ratelimit-remaining` (Docker Hub), and their window (`w=`), in seconds. */
  limit: Schema.optional(Schema.Number),
  remaining: Schema.optional(Schema.Number),
  windowSeconds: Schema.optional(Schema.Number),
  /** The server's words (its OCI error, or its text), scrubbed. */
  detail: Schema.optional(Schema.String),
  /** Whether the request carried a credential. */
  authenticated: Schema.optional(Schema.Boolean)
}) {
  /** @since 1.0.0 */
  readonly [TypeId] = base[TypeId]
  /** How to raise the limit. @since 1.0.0 */
  get howToRaise(): string {
    return rateLimit.howToRaise(this)
  }
  /** @since 1.0.0 */
  override get message(): string {
    const quota = this.limit === undefined ? "" : `, ${this.remaining ?? 0} of ${this.limit} left`
    const detail = this.detail === undefined ? "" : ` (${this.detail})`
    return `${this.url} is rate limited: ${this.kind}${quota}${detail}; ${rateLimit.whenToRetry(this)}; ${this.howToRaise}`
  }
}



/**
 * Why a token request failed.
 *
 * - `Unauthorized`: the token server rejected the credentials (401).
 * - `Denied`: the credentials are valid but access is refused (403).
 * - `RateLimited`: 429 after the retry schedule was exhausted.
 * - `InvalidName`: the token server refused a repository name of the scopes as malformed (400
 *   `NAME_INVALID`: GHCR for a name without an owner, or `*`).
 * - `BadResponse`: the body is not a token response, is too large, or the status is unexpected.
 * - `Transport`: the request could not be sent or the response not read (including timeouts).
 *
 * @since 0.1.0
 * @category models
 */
const TokenRequestErrorReason = Schema.Literals([
  "Unauthorized",
  "Denied",
  "RateLimited",
  "InvalidName",
  "BadResponse",
  "Transport"
])

/**
 * @since 0.1.0
 * @category models
 */
export type TokenRequestErrorReason = typeof TokenRequestErrorReason.Type

/**
 * The token endpoint did not hand out a token.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenRequestError extends Schema.TaggedError<TokenRequestError>("@ociauth/core/TokenRequestError")(
  "TokenRequestError",
  {
    reason: TokenRequestErrorReason,
    /** The realm, reduced to origin and path. */
    realm: Schema.String,
    status: Schema.optional(Schema.Number),
    detail: Schema.optional(Schema.String),
    /** The server's `Retry-After`, in milliseconds, when it sent one. */
    retryAfterMillis: Schema.optional(Schema.Number),
    /** For `RateLimited`: which limit, when to retry, how to raise it. @since 1.0.0 */
    rateLimit: Schema.optional(RateLimited)
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    const limit = this.rateLimit === undefined ? "" : ` (${this.rateLimit.kind}; ${rateLimit.whenToRetry(this.rateLimit)}; ${this.rateLimit.howToRaise})`
    return `Token request to ${this.realm} failed: ${this.reason}${status}${detail}${limit}`
  }
}

/**
 * The token server granted fewer actions than the request needs. Docker Hub and
 * other distribution token servers narrow silently (the spec says narrowing is not
 * an error), so the SDK reads the JWT `access` claim and fails before sending a
 * request that cannot succeed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientScope extends Schema.TaggedError<InsufficientScope>("@ociauth/core/InsufficientScope")(
  "InsufficientScope",
  {
    /** Formatted scopes that were needed. */
    requested: Schema.Array(Schema.String),
    /** Formatted scopes the token actually grants. */
    granted: Schema.Array(Schema.String),
    /** The needed scopes that the grant does not cover. */
    missing: Schema.Array(Schema.String),
    /**
     * Who asked, as events name it: `anonymous` (no credentials for the
     * registry), `basic (<username>)`, `identity token`, `registry token`.
     * @since 1.0.0
     */
    credential: Schema.optionalKey(Schema.String)
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    const granted = this.granted.length === 0 ? "nothing" : this.granted.join(" ")
    const asked = this.credential === undefined ? "" : this.credential === "anonymous" ? " (asked anonymously: no credentials for the registry)" : ` (asked as ${this.credential})`
    return `Insufficient scope: needed ${this.missing.join(" ")}, granted ${granted}${asked}`
  }
}

/**
 * The registry does not support the operation (Docker Hub's `_catalog`, GHCR's
 * DELETE, …). Raised by adapters before any request is sent, or from a
 * `405 UNSUPPORTED` answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unsupported extends Schema.TaggedError<Unsupported>("@ociauth/core/Unsupported")("Unsupported", {
  operation: Schema.String,
  registry: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.registry} does not support ${this.operation}`
  }
}

/**
 * The realm of a challenge was refused before any credential was sent to it
 * (not https, userinfo in the URL, a redirect to another origin, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class RealmRejected extends Schema.TaggedError<RealmRejected>("@ociauth/core/RealmRejected")(
  "RealmRejected",
  {
    /** The realm, reduced to origin and path (userinfo and query removed). */
    realm: Schema.String,
    reason: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Realm ${this.realm} rejected: ${this.reason}`
  }
}

/**
 * A redirect the runtime refused to follow: https to plain http, too many hops,
 * or a streamed body that cannot be sent again.
 *
 * @since 0.1.0
 * @category errors
 */
export class RedirectRejected extends Schema.TaggedError<RedirectRejected>("@ociauth/core/RedirectRejected")(
  "RedirectRejected",
  {
    /** Origin and path of the request that was redirected. */
    from: Schema.String,
    /** Origin and path of the target. */
    to: Schema.String,
    reason: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Redirect from ${this.from} to ${this.to} refused: ${this.reason}`
  }
}


/**
 * A registry answered with an error status; `errors` holds the OCI error codes of
 * its body when the body was an OCI error document.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryResponseError extends Schema.TaggedError<RegistryResponseError>(
  "@ociauth/core/RegistryResponseError"
)("RegistryResponseError", {
  status: Schema.Number,
  method: Schema.String,
  /** The request URL, reduced to origin and path. */
  url: Schema.String,
  errors: Schema.Array(errorBody.ErrorEntry)
}) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    const codes = this.errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join("; ")
    return `${this.method} ${this.url} answered ${this.status}${codes ? ` (${codes})` : ""}`
  }
}

/**
 * A credential source failed: a malformed config file, a credential helper that
 * crashed or timed out. "Not found" is not an error: it means anonymous.
 *
 * @since 0.1.0
 * @category errors
 */
export class CredentialError extends Schema.TaggedError<CredentialError>("@ociauth/core/CredentialError")(
  "CredentialError",
  {
    source: Schema.String,
    registry: Schema.String,
    reason: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId] = base[TypeId]
  /** @since 0.1.0 */
  override get message(): string {
    return `Credentials for ${this.registry} from ${this.source}: ${this.reason}`
  }
}

/**
 * One entry of an OCI error body: `{"errors":[{"code","message","detail"}]}`.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorEntry = errorBody.ErrorEntry

/**
 * Every error the SDK can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type RegistryError =
  | ChallengeParseError
  | ScopeParseError
  | ReferenceParseError
  | TokenRequestError
  | RateLimited
  | InsufficientScope
  | Unsupported
  | RealmRejected
  | RedirectRejected
  | RegistryResponseError
  | CredentialError

/**
 * @since 0.1.0
 * @category refinements
 */
export const isRegistryError = (u: unknown): u is RegistryError => Predicate.hasProperty(u, TypeId)

