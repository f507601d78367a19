import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as Base64Url from "effect/encoding/Base64Url"
import type * as Scope from "../Scope.js"
import type * as Token from "../Token.js"
import * as scope from "./scope.js"

/** The spec's lifetime for a token whose response gives none. */
export const DEFAULT_LIFETIME = Duration.seconds(60)

/**
 * The longest a token is trusted for, whatever the server says. Registries
 * issue tokens for minutes (ECR's authorization token, the longest we know of,
 * lives 12 h); beyond a day a revoked or narrowed grant would go unnoticed
 * for too long, and a lifetime such as 9e15 s is not even a valid date.
 */
export const MAXIMUM_LIFETIME = Duration.hours(24)

const MAXIMUM_SECONDS = Duration.toSeconds(MAXIMUM_LIFETIME)

/** An optional field whose `null` decodes as absent (Effect 3's `optionalWith(schema, { nullable: true })`). */
const Optional = <S extends Schema.Top>(schema: S) =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.optional(Schema.toType(schema)), {
      decode: SchemaGetter.transformOptional(Option.filter(Predicate.isNotNull)),
      encode: SchemaGetter.passthrough()
    })
  )

const NonEmptyRedacted = Schema.RedactedFromValue(Schema.String.check(Schema.isMinLength(1)))

export const Response = Schema.Struct({
  token: Optional(NonEmptyRedacted),
  access_token: Optional(NonEmptyRedacted),
  expires_in: Optional(Schema.Number),
  issued_at: Optional(Schema.String),
  refresh_token: Optional(NonEmptyRedacted),
  scope: Optional(Schema.String)
}).pipe(
  Schema.check(
    Schema.makeFilter((r) => (r.token ?? r.access_token) != null || "neither token nor access_token is present", {
      identifier: "TokenResponse"
    })
  )
)

const AccessEntry = Schema.Struct({
  type: Schema.String,
  name: Schema.String,
  actions: Schema.NullishOr(Schema.Array(Schema.String))
})

const Claims = Schema.Struct({
  access: Schema.optional(Schema.NullOr(Schema.Array(AccessEntry))),
  exp: Schema.optional(Schema.Number),
  iat: Schema.optional(Schema.Number),
  nbf: Schema.optional(Schema.Number)
})

type Claims = typeof Claims.Type

const decodeClaimsJson = Schema.decodeUnknownOption(Schema.fromJsonString(Claims))

/** The payload of a JWT, without any signature check: a client cannot verify it. */
export const jwtClaims = (value: string): Option.Option<Claims> => {
  const parts = value.split(".")
  if (parts.length !== 3 || parts[1]!.length === 0 || parts[1]!.length > 65536) return Option.none()
  const payload = Base64Url.decodeString(parts[1]!)
  if (Result.isFailure(payload)) return Option.none()
  return decodeClaimsJson(payload.success)
}

export const grantedScopes = (claims: Claims): Option.Option<ReadonlyArray<Scope.Scope>> =>
  claims.access == null
    ? Option.none()
    : Option.some(scope.merge(claims.access.map((entry) => scope.resource(entry.type, entry.name, entry.actions ?? []))))

/**
 * A lifetime in seconds as a server states it: `None` when it states none
 * (absent, zero, negative, NaN), else capped at `MAXIMUM_LIFETIME` (which also
 * covers Infinity).
 */
const stated = (seconds: number | null | undefined): Option.Option<Duration.Duration> =>
  typeof seconds === "number" && seconds > 0
    ? Option.some(Duration.seconds(Math.min(seconds, MAXIMUM_SECONDS)))
    : Option.none()

/**
 * The first lifetime stated: `expires_in`, else a JWT's `exp − iat`, else the
 * adapter's default; 60 s only when none is. A short lifetime is honoured as it
 * is (a 1 s token lives 1 s); a long one is capped at `MAXIMUM_LIFETIME`.
 */
export const lifetime = (
  response: Token.Response,
  claims: Option.Option<Claims>,
  defaultLifetime: Duration.Input | undefined
): Duration.Duration =>
  stated(response.expires_in).pipe(
    Option.orElse(() =>
      Option.flatMap(claims, ({ exp, iat }) =>
        typeof exp === "number" && typeof iat === "number" && iat > 0 ? stated(exp - iat) : Option.none()
      )
    ),
    Option.orElse(() =>
      defaultLifetime === undefined ? Option.none() : stated(Duration.toSeconds(Duration.fromInputUnsafe(defaultLifetime)))
    ),
    Option.getOrElse(() => DEFAULT_LIFETIME)
  )

/** `issued_at` when it parses, is not in the future and does not make the token already expired; else `now`. */
export const issuedAt = (
  issued: string | null | undefined,
  now: DateTime.Utc,
  life: Duration.Duration
): DateTime.Utc => {
  if (issued == null) return now
  const parsed = DateTime.make(issued)
  if (Option.isNone(parsed)) return now
  const at = DateTime.toUtc(parsed.value)
  if (DateTime.isGreaterThan(at, now)) return now
  if (DateTime.isLessThanOrEqualTo(DateTime.addDuration(at, life), now)) return now
  return at
}

/**
 * A JWT's `exp` is what the registry enforces: when it comes before
 * `issued_at + expires_in` (whole seconds, truncated issue times), it wins. It
 * never moves the expiry before the issue time.
 */
const enforcedExpiry = (computed: DateTime.Utc, claims: Option.Option<Claims>, issued: DateTime.Utc): DateTime.Utc => {
  if (Option.isNone(claims)) return computed
  const exp = claims.value.exp
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp <= 0) return computed
  const enforced = exp * 1000
  return enforced < DateTime.toEpochMillis(computed) && enforced > DateTime.toEpochMillis(issued)
    ? DateTime.makeUnsafe(enforced)
    : computed
}

export const fromResponse = (
  response: Token.Response,
  options: Token.FromResponseOptions
): Token.Token => {
  const value = (response.access_token ?? response.token)!
  const claims = jwtClaims(Redacted.value(value))
  const life = lifetime(response, claims, options.defaultLifetime)
  const issued = issuedAt(response.issued_at, options.now, life)
  return {
    value,
    issuedAt: issued,
    expiresAt: enforcedExpiry(DateTime.addDuration(issued, life), claims, issued),
    granted: Option.flatMap(claims, grantedScopes),
    refreshToken: Option.fromNullishOr(response.refresh_token),
    scopes: scope.merge(options.scopes ?? [])
  }
}

/**
 * An opaque token (no `expires_in`, no JWT `exp`: its lifetime is the adapter's
 * guess) dies no later than the credential it was issued on, when that
 * credential's expiry is known: GAR's registry tokens die with the OAuth2
 * access token behind them (5 minutes with Workload Identity Federation).
 */
export const boundedByCredential = (
  token: Token.Token,
  response: Token.Response,
  credentialExpiresAt: DateTime.Utc | undefined
): Token.Token => {
  if (credentialExpiresAt === undefined || response.expires_in != null) return token
  const claims = jwtClaims(Redacted.value(token.value))
  if (Option.isSome(claims) && typeof claims.value.exp === "number") return token
  return DateTime.isLessThan(credentialExpiresAt, token.expiresAt) && DateTime.isGreaterThan(credentialExpiresAt, token.issuedAt)
    ? { ...token, expiresAt: credentialExpiresAt }
    : token
}
