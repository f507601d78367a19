/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 7235): the parser, typed
 * Bearer and Basic views, and a formatter for servers.
 *
 * The parser reads several challenges in one header value and over several
 * header lines, quoted strings with commas and `\` escapes, BWS around `=`,
 * empty quoted values, token68 credentials and unknown schemes. It runs in
 * linear time and never throws, whatever the input: malformed input is a
 * `ChallengeParseError` carrying the line and position of the first offending
 * character.
 *
 * Bounds, far above what registries send (one or two challenges of at most five
 * parameters) and matching Node's 16 KiB limit on a whole header block: at most
 * 16 KiB per header (all its lines together), 64 challenges, 64 parameters per
 * challenge. Going past one is a `ChallengeParseError`; lenient mode keeps the
 * challenges wholly before it, exactly as the full header would have given them.
 *
 * `params` is a record without a prototype: a parameter named `__proto__` or
 * `constructor` is data like any other, and a missing one reads `undefined`.
 *
 * Deliberate choices where the RFC or the reference clients leave room:
 * - unquoted values may hold any visible character but `,`, `"` and `\`, so an
 *   unquoted URL realm (`realm=https://host/token`) is read whole;
 * - a parameter given twice in one challenge is an error (two realms are an
 *   ambiguity an attacker could exploit);
 * - `key=` with nothing after it is an error, while `key=""` is an empty value;
 * - directly after the scheme, `word=` followed by the end or a comma is token68.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as internal from "./internal/challenge.js"
import type { ChallengeParseError } from "./RegistryError.js"
import type { Scope } from "./Scope.js"

/**
 * One challenge. `scheme` is lower-case; `params` has lower-case keys and
 * unescaped values (a null-prototype record when parsed); `token68` is set for
 * challenges of the `Scheme token68` form.
 *
 * @since 0.1.0
 * @category models
 */
export interface Challenge {
  readonly scheme: string
  readonly params: Readonly<Record<string, string>>
  readonly token68?: string
}

/**
 * The Bearer challenge of the distribution token spec.
 *
 * @since 0.1.0
 * @category models
 */
export interface BearerChallenge {
  readonly scheme: "bearer"
  readonly realm: string
  readonly service?: string
  /** The `scope` parameter, split on spaces; unparseable entries are dropped. */
  readonly scopes: ReadonlyArray<Scope>
  /** `invalid_token`, `insufficient_scope`, … */
  readonly error?: string
  readonly errorDescription?: string
}

/**
 * A Basic challenge (ECR, htpasswd registries).
 *
 * @since 0.1.0
 * @category models
 */
export interface BasicChallenge {
  readonly scheme: "basic"
  readonly realm?: string
}

/**
 * A challenge the auth engine can answer: Bearer (token server) or Basic.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthChallenge = BearerChallenge | BasicChallenge

/**
 * The challenge to answer from a parsed header: the first Bearer challenge with a
 * realm, else the first Basic challenge.
 *
 * @since 0.1.0
 * @category getters
 */
export const preferred = (challenges: ReadonlyArray<Challenge>): Option.Option<AuthChallenge> =>
  Option.orElse(bearer(challenges) as Option.Option<AuthChallenge>, () => basic(challenges))

/**
 * Parses a `WWW-Authenticate` header: one value, or every line of a repeated
 * header. Strict by default; with `{ lenient: true }` it keeps what parsed
 * before an error on each line instead of failing (a bound ends the whole
 * header). Never throws.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Challenge } from "@ociauth/core"
 *
 * const challenges = Effect.runSync(
 *   Challenge.parse('Basic realm="r", Bearer realm="https://auth.example/token",service="reg"')
 * )
 * // [{ scheme: "basic", params: { realm: "r" } },
 * //  { scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg" } }]
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  header: string | ReadonlyArray<string>,
  options?: { readonly lenient?: boolean }
): Effect.Effect<ReadonlyArray<Challenge>, ChallengeParseError> => Effect.fromResult(internal.parse(header, options))

/**
 * The first Bearer challenge that names a realm.
 *
 * @since 0.1.0
 * @category getters
 */
export const bearer: (challenges: ReadonlyArray<Challenge>) => Option.Option<BearerChallenge> = internal.bearer

/**
 * The first Basic challenge.
 *
 * @since 0.1.0
 * @category getters
 */
export const basic: (challenges: ReadonlyArray<Challenge>) => Option.Option<BasicChallenge> = internal.basic

/**
 * Formats a challenge for a `WWW-Authenticate` header, quoting and escaping every
 * value (`Bearer realm="…",service="…"`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (challenge: Challenge) => string = internal.format
