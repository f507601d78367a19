import { DateTime, Duration, Either, Encoding, Option, Redacted, Schema } from "effect"
import type * as Scope from "../Scope.js"
import type * as Token from "../Token.js"
import * as scope from "./scope.js"

export const MINIMUM_LIFETIME = Duration.seconds(60)

const Optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

const NonEmptyRedacted = Schema.Redacted(Schema.String.pipe(Schema.minLength(1)))

export const Response = Schema.Struct({
  token: Optional(NonEmptyRedacted),
  access_token: Optional(NonEmptyRedacted),
  expires_in: Optional(Schema.Number),
  issued_at: Optional(Schema.String),
  refresh_token: Optional(NonEmptyRedacted),
  scope: Optional(Schema.String)
}).pipe(
  Schema.filter((r) => (r.token ?? r.access_token) != null || "neither token nor access_token is present", {
    identifier: "TokenResponse"
  })
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

const decodeClaimsJson = Schema.decodeUnknownEither(Schema.parseJson(Claims))

/** The payload of a JWT, without any signature check: a client cannot verify it. */
export const jwtClaims = (value: string): Option.Option<Claims> => {
  const parts = value.split(".")
  if (parts.length !== 3 || parts[1]!.length === 0 || parts[1]!.length > 65536) return Option.none()
  const payload = Encoding.decodeBase64UrlString(parts[1]!)
  if (Either.isLeft(payload)) return Option.none()
  return Option.getRight(decodeClaimsJson(payload.right))
}

export const grantedScopes = (claims: Claims): Option.Option<ReadonlyArray<Scope.Scope>> =>
  claims.access == null
    ? Option.none()
    : Option.some(scope.merge(claims.access.map((entry) => scope.resource(entry.type, entry.name, entry.actions ?? []))))

const positive = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n) && n > 0

export const lifetime = (
  response: Token.Response,
  claims: Option.Option<Claims>,
  defaultLifetime: Duration.DurationInput | undefined
): Duration.Duration => {
  if (positive(response.expires_in)) return Duration.max(Duration.seconds(response.expires_in), MINIMUM_LIFETIME)
  if (Option.isSome(claims)) {
    const { exp, iat } = claims.value
    if (positive(exp) && positive(iat) && exp > iat) return Duration.seconds(exp - iat)
  }
  return defaultLifetime === undefined ? MINIMUM_LIFETIME : Duration.max(Duration.decode(defaultLifetime), MINIMUM_LIFETIME)
}

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
  if (DateTime.greaterThan(at, now)) return now
  if (DateTime.lessThanOrEqualTo(DateTime.addDuration(at, life), now)) return now
  return at
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
    expiresAt: DateTime.addDuration(issued, life),
    granted: Option.flatMap(claims, grantedScopes),
    refreshToken: Option.fromNullable(response.refresh_token),
    scopes: scope.merge(options.scopes ?? [])
  }
}
