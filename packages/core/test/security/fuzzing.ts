/**
 * Fuzz targets for the parsers that read what servers and users send:
 * `Challenge.parse`, `Scope.parse`, `Reference.parse` and the token response
 * decoder (`Token.Response`, `Token.fromResponse`, `Token.grantedScopes`).
 *
 * Each target pairs a fast-check arbitrary (arbitrary text plus structured,
 * near-valid and hostile inputs) with `run`, which feeds one input to the
 * public API and returns a broken invariant, if any. A throw out of `run` is a
 * crash of the API under test. `fuzz.test.ts` runs them seeded and bounded in
 * CI; `pnpm fuzz` (scripts/fuzz.ts) runs ≥ 1,000,000 inputs and times each.
 */
import { Arbitrary, DateTime, Effect, Option, Redacted, Result, Schema } from "effect"
import * as fc from "../utils/arbitrary.js"
import { Challenge, Reference, Scope, Token } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"

export interface Target<A = unknown> {
  readonly name: string
  readonly arbitrary: fc.Arb<A>
  /** Feeds one input to the API; a description of the first broken invariant, or undefined. */
  readonly run: (input: A) => string | undefined
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

const pick = (chars: string) => fc.constantFrom(...chars.split(""))
const text = (unit: fc.Arb<string>, maxLength: number, minLength = 0) =>
  fc.array(unit, { minLength, maxLength }).pipe(Arbitrary.map((parts) => parts.join("")))

/** Keys that pollute a prototype when a parser assigns them naively. */
const hostileKeys = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "polluted"]

const anyText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom("", " ", "\u0000", "\uffff", "\ud800", "__proto__", "constructor", "null", "undefined")
)

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** A short, printable form of an input, for reports. */
export const describeValue = (value: unknown): string => {
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 200 ? `${json.slice(0, 200)}… (${json.length} chars)` : json
}

/** Whether `Object.prototype` (or `Array.prototype`) was polluted; undefined when clean. */
export const pollution: () => string | undefined = (() => {
  const objectKeys = Reflect.ownKeys(Object.prototype).length
  const arrayKeys = Reflect.ownKeys(Array.prototype).length
  return () => {
    const probe = {} as Record<string, unknown>
    if (probe.polluted !== undefined) return "({}).polluted is set"
    if (Object.getPrototypeOf(probe) !== Object.prototype) return "{} lost Object.prototype"
    if (Reflect.ownKeys(Object.prototype).length !== objectKeys) return "Object.prototype gained or lost a key"
    if (Reflect.ownKeys(Array.prototype).length !== arrayKeys) return "Array.prototype gained or lost a key"
    return Object.prototype.hasOwnProperty.call(Object.prototype, "polluted") ? "Object.prototype.polluted exists" : undefined
  }
})()

// ---------------------------------------------------------------------------
// Challenge.parse
// ---------------------------------------------------------------------------

const tchar = pick("abcXYZ019!#$%&'*+-.^_`|~")
const token = text(tchar, 10, 1)
const bws = fc.constantFrom("", " ", "\t", "  ")
const key = fc.oneof({ weight: 3, arbitrary: token }, {
  weight: 2,
  arbitrary: fc.constantFrom(...hostileKeys, "realm", "service", "scope", "error", "error_description", "REALM")
})
const quotedUnit = fc.oneof(
  { weight: 4, arbitrary: pick("abc XYZ:/?=,;@.-_") },
  { weight: 2, arbitrary: fc.constantFrom('\\"', "\\\\", "\\a", "\\", '"', "\t", "\u0000", "\u007f", "\u0080", "é", "中", "\ud83d\ude00", "\ud800") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 2 }) }
)
const value = fc.oneof(
  text(quotedUnit, 30).pipe(Arbitrary.map((s) => `"${s}"`)),
  text(quotedUnit, 30).pipe(Arbitrary.map((s) => `"${s}`)), // unterminated
  text(pick("abcXYZ019:/?.=-_~+!$&'()*;@[]"), 40), // bare (URLs, as Zot sends them)
  fc.constantFrom('""', '"\\"', "", '"a"b', "https://auth.example/token?x=1,2")
)
const param = fc.tuple(key, bws, fc.constantFrom("=", "=", "=", "", "=="), bws, value).pipe(Arbitrary.map((parts) => parts.join("")))
const separator = fc.constantFrom(",", ", ", " ,", ",,", " , ", ",\t", " ", "")
const token68 = fc.tuple(text(pick("abcXYZ019-._~+/"), 20, 1), fc.constantFrom("", "=", "==")).pipe(Arbitrary.map(([t, pad]) => t + pad))
const scheme = fc.oneof(token, fc.constantFrom("Bearer", "Basic", "bearer", "BASIC", "Negotiate", "__proto__"))
const challenge = fc.oneof(
  { weight: 1, arbitrary: scheme },
  { weight: 1, arbitrary: fc.tuple(scheme, token68).pipe(Arbitrary.map(([s, t]) => `${s} ${t}`)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(scheme, fc.array(fc.tuple(param, separator), { minLength: 1, maxLength: 6 }))
      .pipe(Arbitrary.map(([s, params]) => `${s} ${params.map(([p, sep], k) => (k === 0 ? p : sep + p)).join("")}`))
  }
)
const nearValidHeader = fc
  .tuple(bws, fc.array(fc.tuple(challenge, separator), { maxLength: 5 }), fc.constantFrom("", " ", ",", " ,", "\u0000", "\r\n"))
  .pipe(Arbitrary.map(([lead, parts, tail]) => lead + parts.map(([c, sep], k) => (k === 0 ? c : sep + c)).join("") + tail))

/** Inputs that are large on purpose: counts and lengths around and far past the bounds. */
const hugeHeader = fc.oneof(
  fc.integer({ min: 1, max: 200_000 }).pipe(Arbitrary.map((n) => ",a".repeat(n))),
  fc.integer({ min: 60, max: 5_000 }).pipe(Arbitrary.map((n) => `Bearer ${Array.from({ length: n }, (_, k) => `p${k}=v`).join(",")}`)),
  fc.integer({ min: 60, max: 5_000 }).pipe(Arbitrary.map((n) => Array.from({ length: n }, (_, k) => `S${k}`).join(", "))),
  fc.integer({ min: 1, max: 100_000 }).pipe(Arbitrary.map((n) => `Bearer realm="${'\\"'.repeat(n)}"`)),
  fc.integer({ min: 1, max: 100_000 }).pipe(Arbitrary.map((n) => `Bearer realm="${"x".repeat(n)}`)),
  fc.integer({ min: 1, max: 200_000 }).pipe(Arbitrary.map((n) => `Bearer ${",".repeat(n)}`)),
  fc.integer({ min: 1, max: 200_000 }).pipe(Arbitrary.map((n) => `B ${"x".repeat(n)}=`)),
  fc.tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('Bearer realm="https://r/t",service="s"', 'Basic realm="x"', "a, "))
    .pipe(Arbitrary.map(([n, c]) => Array(n).fill(c).join(", ")))
)

export type Header = string | ReadonlyArray<string>

const header: fc.Arb<Header> = fc.oneof(
  { weight: 3, arbitrary: anyText },
  { weight: 2, arbitrary: text(pick(' \t,="\\abcXYZ019-._~+/:;!#*@\u0000\u007f\u00e9'), 120) },
  { weight: 8, arbitrary: nearValidHeader },
  { weight: 2, arbitrary: fc.array(nearValidHeader, { maxLength: 4 }) },
  { weight: 1, arbitrary: hugeHeader },
  { weight: 1, arbitrary: fc.array(hugeHeader, { minLength: 2, maxLength: 3 }) }
)

const lineOf = (input: Header, line: number): string | undefined => (typeof input === "string" ? input : input[line])

const checkChallenges = (challenges: ReadonlyArray<Challenge.Challenge>): string | undefined => {
  if (challenges.length > 64) return `${challenges.length} challenges`
  for (const c of challenges) {
    if (c.scheme === "" || c.scheme !== c.scheme.toLowerCase()) return `scheme ${JSON.stringify(c.scheme)}`
    if (Object.getPrototypeOf(c.params) !== null) return "params has a prototype"
    if (Object.keys(c.params).length > 64) return "more than 64 params"
    const again = Challenge.parse(Challenge.format(c)).pipe(Effect.result, Effect.runSync)
    if (Result.isFailure(again) || !sameJson(again.success, [c])) return `format/parse round trip broke for ${Challenge.format(c)}`
  }
  Challenge.preferred(challenges)
  Option.map(Challenge.bearer(challenges), (bearer) => Unstable.formatBearer(bearer))
  return undefined
}

export const challengeTarget: Target<Header> = {
  name: "Challenge.parse",
  arbitrary: header,
  run: (input) => {
    const strict = Effect.runSync(Effect.result(Challenge.parse(input)))
    const lenient = Effect.runSync(Effect.result(Challenge.parse(input, { lenient: true })))
    if (Result.isFailure(lenient)) return "lenient mode failed"
    if (Result.isSuccess(strict)) {
      if (!sameJson(strict.success, lenient.success)) return "strict and lenient disagree on a valid header"
    } else {
      const error = strict.failure
      const line = lineOf(input, error.line)
      if (error._tag !== "ChallengeParseError") return `error ${error._tag}`
      if (line === undefined) return `error on line ${error.line}, which does not exist`
      if (!Number.isInteger(error.position) || error.position < 0 || error.position > line.length) {
        return `error position ${error.position} outside the line (${line.length})`
      }
    }
    return checkChallenges(lenient.success)
  }
}

// ---------------------------------------------------------------------------
// Scope.parse (and the scope constructors)
// ---------------------------------------------------------------------------

const pathComponent = fc.oneof(
  text(pick("abc019"), 8, 1),
  fc.constantFrom("a_b", "a__b", "a-b", "a.b", "A", "-a", "a-", "", "__proto__", "a b", "a:b", "é")
)
const repositoryName = fc.oneof(
  fc.array(pathComponent, { minLength: 1, maxLength: 4 }).pipe(Arbitrary.map((parts) => parts.join("/"))),
  fc.tuple(fc.constantFrom("localhost:5000", "registry.example", "[::1]:5000", "Host", "h:99999", "-x.y"), fc.array(pathComponent, { minLength: 1, maxLength: 3 }))
    .pipe(Arbitrary.map(([host, parts]) => `${host}/${parts.join("/")}`)),
  anyText
)
const actions = fc
  .array(fc.constantFrom("pull", "push", "delete", "*", "", "PULL", "a b", "x-y", "__proto__"), { maxLength: 5 })
  .pipe(Arbitrary.map((list) => list.join(",")))
const scopeText = fc.oneof(
  { weight: 2, arbitrary: anyText },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom("repository", "registry", "Repository", "", "repository(plugin)", "repository(", "a)b", "__proto__"),
        repositoryName,
        actions
      )
      .pipe(Arbitrary.map(([type, name, acts]) => `${type}:${name}:${acts}`))
  },
  { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 20_000 }).pipe(Arbitrary.map((n) => `repository:${"a/".repeat(n / 2)}b:pull`)) }
)

export const scopeTarget: Target<string> = {
  name: "Scope.parse",
  arbitrary: scopeText,
  run: (input) => {
    const parsed = Effect.runSync(Effect.result(Scope.parse(input)))
    if (Result.isSuccess(parsed)) {
      const again = Effect.runSync(Effect.result(Scope.parse(Scope.format(parsed.success))))
      if (Result.isFailure(again) || !sameJson(again.success, parsed.success)) return "format/parse round trip broke"
      Scope.covers(Scope.merge([parsed.success, parsed.success]), [parsed.success])
    } else if (parsed.failure._tag !== "ScopeParseError") {
      return `error ${parsed.failure._tag}`
    }
    // The same text as a repository name: valid names give a scope that parses back.
    const made = Scope.makeRepository(input, ["pull"])
    if (Result.isSuccess(made)) {
      const back = Effect.runSync(Effect.result(Scope.parse(Scope.format(made.success))))
      if (Result.isFailure(back) || !sameJson(back.success, made.success)) return "makeRepository gave a scope that does not parse back"
    } else if (Scope.repository(input, ["pull"]).actions.length !== 0) {
      return "repository() of an invalid name asks for actions"
    }
    Scope.fromRequest("GET", `https://r.example/v2/${input}/manifests/latest`)
    return undefined
  }
}

// ---------------------------------------------------------------------------
// Reference.parse
// ---------------------------------------------------------------------------

const hex64 = fc.constantFrom("a".repeat(64), "0123456789abcdef".repeat(4), "F".repeat(64))
const referenceText = fc.oneof(
  { weight: 2, arbitrary: anyText },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom("", "docker.io/", "index.docker.io/", "ghcr.io/", "localhost:5000/", "[::1]:5000/", "Host/", "h:99999/", "https://", "oci://ghcr.io/", "user:pw@"),
        fc.array(pathComponent, { minLength: 1, maxLength: 4 }).pipe(Arbitrary.map((parts) => parts.join("/"))),
        fc.constantFrom("", ":latest", ":v1.0", ":", ":-x", `:${"t".repeat(129)}`),
        fc.oneof(fc.constant(""), hex64.pipe(Arbitrary.map((h) => `@sha256:${h}`)), fc.constantFrom("@sha256:abc", "@md5", "@", "@sha512:" + "b".repeat(128)))
      )
      .pipe(Arbitrary.map((parts) => parts.join("")))
  },
  { weight: 1, arbitrary: fc.oneof(hex64, hex64.pipe(Arbitrary.map((h) => `sha256:${h}`)), fc.integer({ min: 200, max: 5_000 }).pipe(Arbitrary.map((n) => "a/".repeat(n) + "b"))) }
)

export const referenceTarget: Target<string> = {
  name: "Reference.parse",
  arbitrary: referenceText,
  run: (input) => {
    const parsed = Effect.runSync(Effect.result(Reference.parse(input)))
    if (Result.isFailure(parsed)) return parsed.failure._tag === "ReferenceParseError" ? undefined : `error ${parsed.failure._tag}`
    const ref = parsed.success
    for (const form of [Reference.format(ref), Reference.familiar(ref)]) {
      const again = Effect.runSync(Effect.result(Reference.parse(form)))
      if (Result.isFailure(again) || !sameJson(again.success, ref)) return `${form} does not parse back to the same reference`
    }
    Reference.identifier(ref)
    return undefined
  }
}

// ---------------------------------------------------------------------------
// The token response decoder
// ---------------------------------------------------------------------------

const base64url = (s: string) => Buffer.from(s).toString("base64url")
const claimsValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.partialRecord(
    {
      access: fc.oneof(
        fc.array(
          fc.record({
            type: fc.oneof(fc.constantFrom("repository", "registry", "__proto__"), anyText),
            name: fc.oneof(repositoryName, fc.constantFrom("__proto__", "constructor", "")),
            actions: fc.oneof(fc.constant(null), fc.array(fc.constantFrom("pull", "push", "*", "", "__proto__"), { maxLength: 4 }))
          }),
          { maxLength: 6 }
        ),
        fc.constantFrom(null, "nope", 1)
      ),
      exp: fc.oneof(fc.double(), fc.constantFrom(9e15, -9e15, 1e308, 0)),
      iat: fc.oneof(fc.double(), fc.constantFrom(1_767_225_600, 0, -1))
    }
  )
)
/** Strings shaped like JWTs: three dot-separated parts, the middle one JSON (or not) in base64url. */
export const jwtLike = fc.oneof(
  fc.tuple(claimsValue, fc.constantFrom("", "sig", "c2ln")).pipe(Arbitrary.map(([claims, sig]) => `${base64url('{"alg":"ES256"}')}.${base64url(JSON.stringify(claims) ?? "")}.${sig}`)),
  fc.tuple(anyText, anyText, anyText).pipe(Arbitrary.map((parts) => parts.join("."))),
  fc.constantFrom("a.b.c", "a..c", "..", "x.!!!.y", `a.${"A".repeat(70_000)}.c`, `a.${base64url('{"__proto__":{"polluted":"yes"},"access":[]}')}.c`)
)
const lifetime = fc.oneof(
  fc.double(),
  fc.constantFrom(9e15, 1e308, -1, 0, 1, 0.001, 60, 86_401),
  fc.integer(),
  fc.constant(null),
  anyText
)
const issuedAt = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }).pipe(Arbitrary.map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString()))),
  fc.constantFrom("+275760-09-13T00:00:00Z", "-271821-04-20T00:00:00Z", "yesterday", "", "2026-01-01T00:00:00Z"),
  fc.constant(null),
  fc.integer()
)
const secret = fc.oneof({ weight: 2, arbitrary: jwtLike }, { weight: 1, arbitrary: anyText }, { weight: 1, arbitrary: fc.constantFrom(null, 1, {}, []) })
const tokenObject = fc.partialRecord(
  { token: secret, access_token: secret, expires_in: lifetime, issued_at: issuedAt, refresh_token: secret, scope: anyText }
)
const injections = ['"__proto__":{"polluted":"yes","token":"p"}', '"constructor":{"prototype":{"polluted":"yes"}}', '"__proto__":null']

/** JSON values as `JSON.parse` gives them: `__proto__` stays an own key. */
const tokenJson = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 4, arbitrary: tokenObject },
  {
    weight: 2,
    arbitrary: fc.tuple(tokenObject, fc.constantFrom(...injections)).pipe(Arbitrary.map(([object, injection]) => {
      const body = JSON.stringify(object).slice(1, -1)
      return JSON.parse(`{${injection}${body === "" ? "" : `,${body}`}}`) as unknown
    }))
  }
)

const decodeResponse = Schema.decodeUnknownResult(Token.Response)
const now = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
const DAY_MILLIS = 86_400_000

export const tokenTarget: Target<unknown> = {
  name: "Token.Response",
  arbitrary: tokenJson,
  run: (input) => {
    if (typeof input === "object" && input !== null) {
      for (const field of ["token", "access_token"]) {
        const candidate = (input as Record<string, unknown>)[field]
        if (typeof candidate === "string") Token.grantedScopes(candidate)
      }
    }
    const decoded = decodeResponse(input)
    if (Result.isFailure(decoded)) return undefined
    const token = Token.fromResponse(decoded.success, { now, scopes: [Scope.repository("team/app", ["pull"])] })
    const issued = DateTime.toEpochMillis(token.issuedAt)
    const expires = DateTime.toEpochMillis(token.expiresAt)
    if (!Number.isFinite(issued) || !Number.isFinite(expires)) return "expiresAt or issuedAt is not a valid date"
    if (expires < issued || expires - issued > DAY_MILLIS) return `lifetime ${expires - issued} ms`
    if (Redacted.value(token.value).length === 0) return "empty token"
    Option.map(token.granted, (scopes) => scopes.map(Scope.format))
    return undefined
  }
}

/** A string target of its own for `Token.grantedScopes` on JWT-looking strings. */
export const grantedScopesTarget: Target<string> = {
  name: "Token.grantedScopes",
  arbitrary: jwtLike,
  run: (input) => {
    const granted = Token.grantedScopes(input)
    if (Option.isSome(granted) && !granted.value.every((s) => s._tag === "Resource" || s._tag === "Opaque")) {
      return "a granted scope of unknown shape"
    }
    return undefined
  }
}

export const targets: ReadonlyArray<Target<any>> = [challengeTarget, scopeTarget, referenceTarget, tokenTarget, grantedScopesTarget]
