/**
 * Registry tokens: the token endpoint's response, the lifetime rule and the
 * grant carried in a JWT's `access` claim.
 *
 * Lifetime: `expires_in` when present (raised to the spec's 60 s minimum);
 * otherwise `exp − iat` of a JWT; otherwise the adapter's known default;
 * otherwise 60 s. It counts from `issued_at` when that is sane (parseable, not in
 * the future, not already past the lifetime), else from local now.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import type { DateTime, Duration, Redacted } from "effect"
import * as internal from "./internal/token.js"
import type { Scope } from "./Scope.js"

/**
 * The JSON of a token endpoint (GET or OAuth2 POST). `token` or `access_token`
 * must be present; secrets decode to `Redacted`; `null` fields are treated as
 * absent.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Response = internal.Response

/**
 * @since 0.1.0
 * @category models
 */
export type Response = typeof Response.Type

/**
 * A bearer token and what is known about it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Token {
  readonly value: Redacted.Redacted<string>
  readonly issuedAt: DateTime.Utc
  readonly expiresAt: DateTime.Utc
  /** The scopes granted by the JWT `access` claim; `None` when the token is opaque. */
  readonly granted: Option.Option<ReadonlyArray<Scope>>
  readonly refreshToken: Option.Option<Redacted.Redacted<string>>
  /** The merged scopes the token was requested for. */
  readonly scopes: ReadonlyArray<Scope>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FromResponseOptions {
  /** The local time the exchange completed. */
  readonly now: DateTime.Utc
  /** The scopes that were requested. */
  readonly scopes?: Iterable<Scope>
  /** The registry's known token lifetime, used when the response has no `expires_in`. */
  readonly defaultLifetime?: Duration.DurationInput
}

/**
 * Builds a `Token` from a decoded response.
 *
 * @example
 * ```ts
 * import { DateTime, Duration, Schema } from "effect"
 * import { Token } from "@ociauth/core"
 *
 * const response = Schema.decodeUnknownSync(Token.Response)({ token: "opaque" })
 * const now = DateTime.unsafeMake(0)
 * const token = Token.fromResponse(response, { now, defaultLifetime: Duration.seconds(300) })
 * // token.expiresAt is 300 s after now; token.granted is None (not a JWT)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse: (response: Response, options: FromResponseOptions) => Token = internal.fromResponse

/**
 * The lifetime the spec gives a token without `expires_in`, and the least any
 * token is trusted for: 60 s.
 *
 * @since 0.1.0
 * @category constants
 */
export const minimumLifetime: Duration.Duration = internal.MINIMUM_LIFETIME

/**
 * The scopes a JWT grants, read from its `access` claim without verifying the
 * signature (a client cannot). `None` for opaque tokens and JWTs without the claim.
 *
 * @since 0.1.0
 * @category getters
 */
export const grantedScopes = (value: string): Option.Option<ReadonlyArray<Scope>> =>
  Option.flatMap(internal.jwtClaims(value), internal.grantedScopes)
