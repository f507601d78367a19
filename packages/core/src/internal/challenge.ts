import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Challenge from "../Challenge.js"
import { ChallengeParseError } from "../RegistryError.js"
import type * as Scope from "../Scope.js"
import * as scope from "./scope.js"

// RFC 9110 §5.6.2 tchar
const isTchar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || // DIGIT
  (c >= 0x41 && c <= 0x5a) || // A-Z
  (c >= 0x61 && c <= 0x7a) || // a-z
  c === 0x21 || // !
  (c >= 0x23 && c <= 0x27) || // # $ % & '
  c === 0x2a || // *
  c === 0x2b || // +
  c === 0x2d || // -
  c === 0x2e || // .
  c === 0x5e || // ^
  c === 0x5f || // _
  c === 0x60 || // `
  c === 0x7c || // |
  c === 0x7e // ~

// RFC 9110 §11.2 token68 (without its trailing "=")
const isToken68 = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x2d ||
  c === 0x2e ||
  c === 0x5f ||
  c === 0x7e ||
  c === 0x2b ||
  c === 0x2f

// An unquoted parameter value. RFC 9110 allows only a token, but registries send
// unquoted URLs (`realm=https://host/token`, seen from Zot); truncating them at ":"
// as the Go parsers do silently breaks auth. Any visible character except the
// list separator, the quote and the backslash is accepted.
const isBareValue = (c: number): boolean => c > 0x20 && c < 0x7f && c !== 0x2c && c !== 0x22 && c !== 0x5c

const isWs = (c: number): boolean => c === 0x20 || c === 0x09

// quoted-string content: HTAB, SP, VCHAR except " and \, obs-text
const isQdtext = (c: number): boolean => c === 0x09 || (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x7f)

// quoted-pair: "\" ( HTAB / SP / VCHAR / obs-text )
const isQuotable = (c: number): boolean => c === 0x09 || (c >= 0x20 && c !== 0x7f)

class Failure {
  constructor(readonly position: number, readonly reason: string, readonly fatal = false) {}
}

/**
 * Bounds on one header (all its lines together). A registry sends one or two
 * challenges with at most five parameters (realm, service, scope, error,
 * error_description), and Node's HTTP parser (so `fetch` too) refuses a whole
 * header block over 16 KiB by default, so no genuine `WWW-Authenticate` comes
 * near these. They bound what a hostile or broken server costs us: the work is
 * linear in at most 16 KiB and the result holds at most 64 × 64 entries.
 */
export const MAX_HEADER_LENGTH = 16 * 1024
export const MAX_CHALLENGES = 64
export const MAX_PARAMS = 64

const describe = (s: string, i: number): string =>
  i >= s.length ? "end of header" : `${JSON.stringify(s[i])} (0x${s.charCodeAt(i).toString(16).padStart(2, "0")})`

const setParam = (params: Record<string, string>, key: string, value: string): void => {
  // On a null-prototype record, defineProperty keeps any key ("__proto__",
  // "constructor") an ordinary own property: data, never a prototype change.
  Object.defineProperty(params, key, { value, enumerable: true, writable: false, configurable: false })
}

/** A record without a prototype: `params.constructor` is a parameter or nothing. */
const emptyParams = (): Record<string, string> => Object.create(null)

/**
 * Parses one header line, appending to `out`. It reads at most `limit`
 * characters of `line`; when the line is longer, every decision that needed a
 * character past the limit is abandoned (a challenge might have gone on), so
 * what is kept is exactly what the whole line would have given.
 */
const parseLine = (s: string, limit: number, out: Array<Challenge.Challenge>): Failure | undefined => {
  const cut = s.length > limit
  const n = cut ? limit : s.length
  let i = 0
  // Set when the parser has looked at the end of what it may read.
  let sawEnd = false
  /** The character code at `k`, or -1 at the end (every predicate is false on -1). */
  const at = (k: number): number => {
    if (k < n) return s.charCodeAt(k)
    sawEnd = true
    return -1
  }
  const tooLong = () => new Failure(n, `longer than ${MAX_HEADER_LENGTH} characters`, true)
  const fail = (reason: string, position = i): Failure => (cut && sawEnd ? tooLong() : new Failure(position, reason))
  const skipWs = () => {
    while (isWs(at(i))) i++
  }
  const readWhile = (pred: (c: number) => boolean): string => {
    const start = i
    while (pred(at(i))) i++
    return s.slice(start, i)
  }
  const push = (start: number, challenge: Challenge.Challenge): Failure | undefined => {
    if (cut && sawEnd) return tooLong()
    if (out.length >= MAX_CHALLENGES) return new Failure(start, `more than ${MAX_CHALLENGES} challenges`, true)
    out.push(challenge)
    return undefined
  }

  /**
   * At a list element after a comma: does a new challenge start here (a token
   * not followed by BWS "=")? Does not move `i`.
   */
  const startsChallenge = (): boolean => {
    let j = i
    while (isTchar(at(j))) j++
    if (j === i) return false
    while (isWs(at(j))) j++
    return at(j) !== 0x3d
  }

  const readQuoted = (): string | Failure => {
    const open = i
    i++ // opening quote
    let out = ""
    let chunk = i
    while (true) {
      const c = at(i)
      if (c === -1) return fail("unterminated quoted string", open)
      if (c === 0x22) {
        out += s.slice(chunk, i)
        i++
        return out
      }
      if (c === 0x5c) {
        out += s.slice(chunk, i)
        const next = at(i + 1)
        if (next === -1) return fail("dangling backslash in quoted string")
        if (!isQuotable(next)) return fail(`cannot escape ${describe(s, i + 1)}`, i + 1)
        out += s[i + 1]
        i += 2
        chunk = i
        continue
      }
      if (!isQdtext(c)) return fail(`control character ${describe(s, i)} in quoted string`)
      i++
    }
  }

  skipWs()
  while (at(i) !== -1) {
    if (at(i) === 0x2c) {
      // empty list element (RFC 9110 §5.6.1)
      i++
      skipWs()
      continue
    }
    const start = i
    const rawScheme = readWhile(isTchar)
    if (rawScheme === "") return fail(`expected an auth-scheme, found ${describe(s, i)}`)
    const scheme = rawScheme.toLowerCase()
    const params = emptyParams()
    const afterScheme = i
    skipWs()
    if (at(i) === -1 || at(i) === 0x2c) {
      const failure = push(start, { scheme, params })
      if (failure !== undefined) return failure
      continue
    }
    if (i === afterScheme) return fail(`expected a space after auth-scheme ${JSON.stringify(rawScheme)}`)

    // token68: 1*token68char *"=" followed by the end or a comma.
    let j = i
    while (isToken68(at(j))) j++
    const runEnd = j
    while (at(j) === 0x3d) j++
    let k = j
    while (isWs(at(k))) k++
    if (runEnd > i && (at(k) === -1 || at(k) === 0x2c)) {
      const failure = push(start, { scheme, params, token68: s.slice(i, j) })
      if (failure !== undefined) return failure
      i = k
      continue
    }

    // #auth-param, until the end or the start of the next challenge
    let count = 0
    while (true) {
      const keyAt = i
      const key = readWhile(isTchar).toLowerCase()
      if (key === "") return fail(`expected a parameter name, found ${describe(s, i)}`)
      skipWs()
      if (at(i) !== 0x3d) return fail(`expected "=" after parameter ${JSON.stringify(key)}`)
      i++
      skipWs()
      let value: string
      if (at(i) === 0x22) {
        const quoted = readQuoted()
        if (quoted instanceof Failure) return quoted
        value = quoted
      } else {
        value = readWhile(isBareValue)
        if (value === "") return fail(`expected a value for parameter ${JSON.stringify(key)}, found ${describe(s, i)}`)
      }
      if (Object.prototype.hasOwnProperty.call(params, key)) {
        return fail(`duplicate parameter ${JSON.stringify(key)} in challenge ${JSON.stringify(rawScheme)}`, keyAt)
      }
      if (++count > MAX_PARAMS) {
        return new Failure(keyAt, `more than ${MAX_PARAMS} parameters in challenge ${JSON.stringify(rawScheme)}`, true)
      }
      setParam(params, key, value)
      skipWs()
      if (at(i) === -1) return push(start, { scheme, params })
      if (at(i) !== 0x2c) return fail(`expected "," after parameter ${JSON.stringify(key)}, found ${describe(s, i)}`)
      while (at(i) === 0x2c || isWs(at(i))) i++
      if (at(i) === -1 || startsChallenge()) {
        const failure = push(start, { scheme, params })
        if (failure !== undefined) return failure
        break
      }
    }
  }
  return cut ? tooLong() : undefined
}

export interface ParseResult {
  readonly challenges: ReadonlyArray<Challenge.Challenge>
  readonly error?: ChallengeParseError
}

/**
 * Every line in turn, against one budget of `MAX_HEADER_LENGTH` characters
 * (each line after the first costs one more, as if joined by a comma). A
 * syntax error ends its line; a cap ends the header. Lenient mode keeps what
 * came before either.
 */
export const parseAll = (header: string | ReadonlyArray<string>, lenient: boolean): ParseResult => {
  const lines: ReadonlyArray<unknown> = typeof header === "string" ? [header] : Array.isArray(header) ? header : [header]
  const challenges: Array<Challenge.Challenge> = []
  let error: ChallengeParseError | undefined
  let budget = MAX_HEADER_LENGTH
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line]
    if (line > 0) budget--
    const failure = typeof text !== "string"
      ? new Failure(0, "not a string", false)
      : budget < 0
      ? new Failure(0, `longer than ${MAX_HEADER_LENGTH} characters`, true)
      : parseLine(text, budget, challenges)
    if (failure !== undefined) {
      error ??= new ChallengeParseError({ line, position: failure.position, reason: failure.reason })
      if (!lenient || failure.fatal) break
    }
    if (typeof text === "string") budget -= text.length
  }
  return error === undefined ? { challenges } : { challenges, error }
}

export const parse = (
  header: string | ReadonlyArray<string>,
  options?: { readonly lenient?: boolean }
): Result.Result<ReadonlyArray<Challenge.Challenge>, ChallengeParseError> => {
  const lenient = options?.lenient === true
  const result = parseAll(header, lenient)
  return result.error !== undefined && !lenient ? Result.fail(result.error) : Result.succeed(result.challenges)
}

// ---------------------------------------------------------------------------
// Typed views
// ---------------------------------------------------------------------------

export const parseScopes = (value: string | undefined): ReadonlyArray<Scope.Scope> => {
  if (value === undefined) return []
  const out: Array<Scope.Scope> = []
  for (const part of value.split(/[ \t]+/)) {
    if (part === "") continue
    const parsed = scope.parseEither(part)
    if (Result.isSuccess(parsed)) out.push(parsed.success)
  }
  return out
}

const param = (challenge: Challenge.Challenge, key: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(challenge.params, key) ? challenge.params[key] : undefined

export const toBearer = (challenge: Challenge.Challenge): Option.Option<Challenge.BearerChallenge> => {
  if (challenge.scheme !== "bearer") return Option.none()
  const realm = param(challenge, "realm")
  if (realm === undefined || realm === "") return Option.none()
  const service = param(challenge, "service")
  const error = param(challenge, "error")
  const errorDescription = param(challenge, "error_description")
  return Option.some({
    scheme: "bearer",
    realm,
    ...(service !== undefined && service !== "" ? { service } : {}),
    scopes: parseScopes(param(challenge, "scope")),
    ...(error !== undefined && error !== "" ? { error } : {}),
    ...(errorDescription !== undefined ? { errorDescription } : {})
  })
}

export const bearer = (
  challenges: ReadonlyArray<Challenge.Challenge>
): Option.Option<Challenge.BearerChallenge> => {
  for (const challenge of challenges) {
    const view = toBearer(challenge)
    if (Option.isSome(view)) return view
  }
  return Option.none()
}

export const basic = (challenges: ReadonlyArray<Challenge.Challenge>): Option.Option<Challenge.BasicChallenge> => {
  for (const challenge of challenges) {
    if (challenge.scheme !== "basic") continue
    const realm = param(challenge, "realm")
    return Option.some(realm === undefined ? { scheme: "basic" } : { scheme: "basic", realm })
  }
  return Option.none()
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const quote = (value: string): string => {
  let out = '"'
  for (const ch of value) {
    const c = ch.charCodeAt(0)
    if (ch === '"' || ch === "\\") out += "\\" + ch
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) out += " "
    else out += ch
  }
  return out + '"'
}

const displayScheme = (scheme: string): string => scheme.charAt(0).toUpperCase() + scheme.slice(1)

export const format = (challenge: Challenge.Challenge): string => {
  const scheme = displayScheme(challenge.scheme)
  if (challenge.token68 !== undefined) return `${scheme} ${challenge.token68}`
  const params = Object.entries(challenge.params)
    .filter(([key]) => key !== "" && [...key].every((ch) => isTchar(ch.charCodeAt(0))))
    .map(([key, value]) => `${key}=${quote(value)}`)
  return params.length === 0 ? scheme : `${scheme} ${params.join(",")}`
}

export const formatBearer = (challenge: Omit<Challenge.BearerChallenge, "scheme">): string => {
  const params = emptyParams()
  setParam(params, "realm", challenge.realm)
  if (challenge.service !== undefined) setParam(params, "service", challenge.service)
  if (challenge.scopes.length > 0) setParam(params, "scope", challenge.scopes.map(scope.format).join(" "))
  if (challenge.error !== undefined) setParam(params, "error", challenge.error)
  if (challenge.errorDescription !== undefined) setParam(params, "error_description", challenge.errorDescription)
  return format({ scheme: "bearer", params })
}
