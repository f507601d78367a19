/**
 * Registry tokens: the token endpoint's response, the lifetime rule and the
 * grant carried in a JWT's `access` claim.
 *
 * Lifetime: the first one stated of `expires_in`, a JWT's `exp − iat` and the
 * adapter's known default; 60 s (the spec's default) only when none is. A short
 * lifetime is honoured as stated: a server issuing 1 s tokens gets 1 s tokens
 * (the spec's "at least 60 s" binds servers, not clients). Zero, negative and
 * NaN lifetimes count as not stated; any lifetime, Infinity included, is capped
 * at 24 h (`maximumLifetime`), so `expiresAt` is always a valid date and a
 * revoked grant is noticed within a day. It counts from `issued_at` when that is
 * sane (parseable, not in the future, not already past the lifetime), else from
 * local now.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type { DateTime, Duration, Redacted } from "effect"
import * as scope from "./internal/scope.js"
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
  /** The registry's known token lifetime, used when neither `expires_in` nor a JWT's `exp − iat` is given. */
  readonly defaultLifetime?: Duration.Input
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
 * const now = DateTime.makeUnsafe(0)
 * const token = Token.fromResponse(response, { now, defaultLifetime: Duration.seconds(300) })
 * // token.expiresAt is 300 s after now; token.granted is None (not a JWT)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse: (response: Response, options: FromResponseOptions) => Token = internal.fromResponse

/**
 * The lifetime the spec gives a token when neither its response nor the
 * adapter states one: 60 s.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultLifetime: Duration.Duration = internal.DEFAULT_LIFETIME

/**
 * The longest any token is trusted for, whatever the server says: 24 h.
 *
 * @since 0.1.0
 * @category constants
 */
export const maximumLifetime: Duration.Duration = internal.MAXIMUM_LIFETIME

/**
 * The scopes a JWT grants, read from its `access` claim without verifying the
 * signature (a client cannot). `None` for opaque tokens and JWTs without the claim.
 *
 * @since 0.1.0
 * @category getters
 */
export const grantedScopes = (value: string): Option.Option<ReadonlyArray<Scope>> =>
  Option.flatMap(internal.jwtClaims(value), internal.grantedScopes)

/**
 * A scope as its string form (`repository:library/alpine:pull`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ScopeFromString: Schema.Codec<Scope, string> = Schema.String.pipe(
  Schema.decodeTo(
    Schema.declare((u: unknown): u is Scope => typeof u === "object" && u !== null && "_tag" in u),
    {
      decode: SchemaGetter.transformEffect((text: string, options) =>
        Result.match(scope.parseEither(text), {
          onFailure: (e) => Effect.fail(new SchemaIssue.InvalidValue({ message: e.message }, text, options)),
          onSuccess: Effect.succeed
        })
      ),
      encode: SchemaGetter.transform(scope.format)
    }
  )
)

/** `Option` as the tagged JSON `{ _tag: "None" } | { _tag: "Some", value }` (the Effect 3 encoding, kept for stores). */
const taggedOption = <A>() =>
  SchemaTransformation.transform<Option.Option<A>, OptionEncoded<A>>({
    decode: (e) => (e._tag === "None" ? Option.none() : Option.some(e.value)),
    encode: (o) => (Option.isSome(o) ? { _tag: "Some", value: o.value } : { _tag: "None" })
  })

const None = Schema.Struct({ _tag: Schema.Literal("None") })

const GrantedOption = Schema.Union([None, Schema.Struct({ _tag: Schema.Literal("Some"), value: Schema.Array(ScopeFromString) })]).pipe(
  Schema.decodeTo(Schema.Option(Schema.toType(Schema.Array(ScopeFromString))), taggedOption<ReadonlyArray<Scope>>())
)

const RefreshTokenOption = Schema.Union([None, Schema.Struct({ _tag: Schema.Literal("Some"), value: Schema.RedactedFromValue(Schema.String) })]).pipe(
  Schema.decodeTo(Schema.Option(Schema.toType(Schema.RedactedFromValue(Schema.String))), taggedOption<Redacted.Redacted<string>>())
)

/**
 * A token as data a store can keep: `Schema.encode` gives JSON-safe values (the
 * token in clear: a store that leaves the process must protect it), `decode`
 * gives the `Token` back with its secrets `Redacted`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TokenSchema: Schema.Codec<Token, TokenEncoded> = Schema.Struct({
  value: Schema.RedactedFromValue(Schema.String),
  issuedAt: Schema.DateTimeUtcFromString,
  expiresAt: Schema.DateTimeUtcFromString,
  granted: GrantedOption,
  refreshToken: RefreshTokenOption,
  scopes: Schema.Array(ScopeFromString)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface TokenEncoded {
  readonly value: string
  readonly issuedAt: string
  readonly expiresAt: string
  readonly granted: OptionEncoded<ReadonlyArray<string>>
  readonly refreshToken: OptionEncoded<string>
  readonly scopes: ReadonlyArray<string>
}

/**
 * An `Option` as `TokenSchema` encodes it.
 *
 * @since 0.2.0
 * @category models
 */
export type OptionEncoded<A> = { readonly _tag: "None" } | { readonly _tag: "Some"; readonly value: A }
