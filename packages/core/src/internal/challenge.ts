import { Either, Option } from "effect"
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
  constructor(readonly position: number, readonly reason: string) {}
}

interface LineResult {
  readonly challenges: ReadonlyArray<Challenge.Challenge>
  readonly failure?: Failure
}

const describe = (s: string, i: number): string =>
  i >= s.length ? "end of header" : `${JSON.stringify(s[i])} (0x${s.charCodeAt(i).toString(16).padStart(2, "0")})`

const setParam = (params: Record<string, string>, key: string, value: string): void => {
  // defineProperty keeps a key such as "__proto__" an ordinary own property.
  Object.defineProperty(params, key, { value, enumerable: true, writable: false, configurable: false })
}

const parseLine = (s: string): LineResult => {
  const n = s.length
  const challenges: Array<Challenge.Challenge> = []
  let i = 0
  const skipWs = () => {
    while (i < n && isWs(s.charCodeAt(i))) i++
  }
  const readWhile = (pred: (c: number) => boolean): string => {
    const start = i
    while (i < n && pred(s.charCodeAt(i))) i++
    return s.slice(start, i)
  }
  const fail = (reason: string, at = i): LineResult => ({ challenges, failure: new Failure(at, reason) })

  /**
   * At a list element after a comma: does a new challenge start here (a token
   * not followed by BWS "=")? Does not move `i`.
   */
  const startsChallenge = (): boolean => {
    let j = i
    while (j < n && isTchar(s.charCodeAt(j))) j++
    if (j === i) return false
    while (j < n && isWs(s.charCodeAt(j))) j++
    return j >= n || s.charCodeAt(j) !== 0x3d
  }

  const readQuoted = (): string | Failure => {
    const open = i
    i++ // opening quote
    let out = ""
    let chunk = i
    while (true) {
      if (i >= n) return new Failure(open, "unterminated quoted string")
      const c = s.charCodeAt(i)
      if (c === 0x22) {
        out += s.slice(chunk, i)
        i++
        return out
      }
      if (c === 0x5c) {
        out += s.slice(chunk, i)
        if (i + 1 >= n) return new Failure(i, "dangling backslash in quoted string")
        if (!isQuotable(s.charCodeAt(i + 1))) return new Failure(i + 1, `cannot escape ${describe(s, i + 1)}`)
        out += s[i + 1]
        i += 2
        chunk = i
        continue
      }
      if (!isQdtext(c)) return new Failure(i, `control character ${describe(s, i)} in quoted string`)
      i++
    }
  }

  skipWs()
  outer: while (i < n) {
    if (s.charCodeAt(i) === 0x2c) {
      // empty list element (RFC 9110 §5.6.1)
      i++
      skipWs()
      continue
    }
    const scheme = readWhile(isTchar)
    if (scheme === "") return fail(`expected an auth-scheme, found ${describe(s, i)}`)
    const params: Record<string, string> = {}
    const afterScheme = i
    skipWs()
    if (i >= n || s.charCodeAt(i) === 0x2c) {
      challenges.push({ scheme: scheme.toLowerCase(), params })
      continue
    }
    if (i === afterScheme) return fail(`expected a space after auth-scheme ${JSON.stringify(scheme)}`)

    // token68: 1*token68char *"=" followed by the end or a comma.
    {
      let j = i
      while (j < n && isToken68(s.charCodeAt(j))) j++
      const runEnd = j
      while (j < n && s.charCodeAt(j) === 0x3d) j++
      let k = j
      while (k < n && isWs(s.charCodeAt(k))) k++
      if (runEnd > i && (k >= n || s.charCodeAt(k) === 0x2c)) {
        challenges.push({ scheme: scheme.toLowerCase(), params, token68: s.slice(i, j) })
        i = k
        continue outer
      }
    }

    // #auth-param
    while (true) {
      const keyAt = i
      const key = readWhile(isTchar).toLowerCase()
      if (key === "") return fail(`expected a parameter name, found ${describe(s, i)}`)
      skipWs()
      if (i >= n || s.charCodeAt(i) !== 0x3d) return fail(`expected "=" after parameter ${JSON.stringify(key)}`)
      i++
      skipWs()
      let value: string
      if (i < n && s.charCodeAt(i) === 0x22) {
        const quoted = readQuoted()
        if (quoted instanceof Failure) return { challenges, failure: quoted }
        value = quoted
      } else {
        value = readWhile(isBareValue)
        if (value === "") return fail(`expected a value for parameter ${JSON.stringify(key)}, found ${describe(s, i)}`)
      }
      if (Object.prototype.hasOwnProperty.call(params, key)) {
        return fail(`duplicate parameter ${JSON.stringify(key)} in challenge ${JSON.stringify(scheme)}`, keyAt)
      }
      setParam(params, key, value)
      skipWs()
      if (i >= n) {
        challenges.push({ scheme: scheme.toLowerCase(), params })
        break outer
      }
      if (s.charCodeAt(i) !== 0x2c) return fail(`expected "," after parameter ${JSON.stringify(key)}, found ${describe(s, i)}`)
      while (i < n && (s.charCodeAt(i) === 0x2c || isWs(s.charCodeAt(i)))) i++
      if (i >= n || startsChallenge()) {
        challenges.push({ scheme: scheme.toLowerCase(), params })
        continue outer
      }
    }
  }
  return { challenges }
}

export interface ParseResult {
  readonly challenges: ReadonlyArray<Challenge.Challenge>
  readonly error?: ChallengeParseError
}

export const parseAll = (header: string | ReadonlyArray<string>, lenient: boolean): ParseResult => {
  const lines = typeof header === "string" ? [header] : header
  const challenges: Array<Challenge.Challenge> = []
  let error: ChallengeParseError | undefined
  for (let line = 0; line < lines.length; line++) {
    const result = parseLine(lines[line]!)
    challenges.push(...result.challenges)
    if (result.failure !== undefined) {
      error ??= new ChallengeParseError({ line, position: result.failure.position, reason: result.failure.reason })
      if (!lenient) break
    }
  }
  return error === undefined ? { challenges } : { challenges, error }
}

export const parse = (
  header: string | ReadonlyArray<string>,
  options?: { readonly lenient?: boolean }
): Either.Either<ReadonlyArray<Challenge.Challenge>, ChallengeParseError> => {
  const lenient = options?.lenient === true
  const result = parseAll(header, lenient)
  return result.error !== undefined && !lenient ? Either.left(result.error) : Either.right(result.challenges)
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
    if (Either.isRight(parsed)) out.push(parsed.right)
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
  const params: Record<string, string> = {}
  setParam(params, "realm", challenge.realm)
  if (challenge.service !== undefined) setParam(params, "service", challenge.service)
  if (challenge.scopes.length > 0) setParam(params, "scope", challenge.scopes.map(scope.format).join(" "))
  if (challenge.error !== undefined) setParam(params, "error", challenge.error)
  if (challenge.errorDescription !== undefined) setParam(params, "error_description", challenge.errorDescription)
  return format({ scheme: "bearer", params })
}
