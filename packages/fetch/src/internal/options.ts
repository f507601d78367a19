/**
 * The façade's options, checked as it is made: a caller without a type checker
 * gets an error that names the option and what it takes, at once, instead of a
 * `TypeError` from inside the first request or an option silently ignored
 * (`credential:` for `credentials:` would send every request anonymously).
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"

/**
 * An option of `makeRegistryFetch` that is not what it takes.
 *
 * @since 1.0.0
 * @category errors
 */
export class RegistryFetchOptionsError extends Data.TaggedError("RegistryFetchOptionsError")<{
  /** The option, as a path: `credentials["ghcr.io"]`, `deadline`. */
  readonly option: string
  /** What it takes. */
  readonly reason: string
}> {
  override get message(): string {
    return `makeRegistryFetch: options.${this.option} ${this.reason}`
  }
}

const KNOWN = [
  "adapters", "credentials", "credentialProvider", "fetch", "onEvent", "authenticator",
  "insecure", "retry", "maxRedirects", "deadline", "responseTimeout", "access", "tracePropagation"
] as const

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === "string")

/** A duration as Effect reads one (`"30 seconds"`, milliseconds, a `Duration`), above zero. */
const isPositiveDuration = (value: unknown): boolean =>
  (typeof value === "string" || typeof value === "number" || Duration.isDuration(value)) &&
  Option.match(Duration.fromInput(value as Duration.Input), { onNone: () => false, onSome: (d) => Duration.toMillis(d) > 0 })

/** What a value is, for a message that must not repeat it (it may be a secret). */
const kind = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "string" ? `a string of ${value.length} characters` : `${/^[aeiou]/.test(typeof value) ? "an" : "a"} ${typeof value}`

/** Names from the caller (option or field names) as a message shows them: quoted, short, a few. */
const names = (keys: ReadonlyArray<string>): string =>
  keys.slice(0, 5).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)).join(", ") + (keys.length > 5 ? ", …" : "")

const CREDENTIAL = "must be { username, password }, { identityToken, username? } or { registryToken }, with string values"

const text = (input: Readonly<Record<string, unknown>>, key: string, optional = false): boolean =>
  (optional && input[key] === undefined) || (typeof input[key] === "string" && input[key] !== "")

/** A `Credential` made by `Credential.Basic`, `IdentityToken` or `RegistryToken`: its secret `Redacted`. */
const madeProblem = (input: Readonly<Record<string, unknown>>): string | undefined => {
  const made =
    input._tag === "Basic" ? text(input, "username") && Redacted.isRedacted(input.password)
    : input._tag === "IdentityToken" ? Redacted.isRedacted(input.token) && text(input, "username", true)
    : input._tag === "RegistryToken" ? Redacted.isRedacted(input.token)
    : false
  return made ? undefined : "must be a Credential made by Credential.Basic, IdentityToken or RegistryToken (its secret Redacted), or plain input: " + CREDENTIAL
}

/** What is wrong with a credential's plain input, if anything; never its values. */
const credentialProblem = (input: unknown): string | undefined => {
  if (!isRecord(input)) return `${CREDENTIAL}, not ${kind(input)}`
  if (Object.hasOwn(input, "_tag")) return madeProblem(input)
  const forms = [Object.hasOwn(input, "username") || Object.hasOwn(input, "password"), Object.hasOwn(input, "identityToken"), Object.hasOwn(input, "registryToken")]
  const keys = Object.keys(input)
  if (forms.filter(Boolean).length === 0) return `${CREDENTIAL} (it has ${keys.length === 0 ? "no field" : names(keys)})`
  if (Object.hasOwn(input, "registryToken")) return keys.length === 1 && text(input, "registryToken") ? undefined : `${CREDENTIAL}: one form, not a mix (${names(keys)})`
  if (Object.hasOwn(input, "identityToken")) {
    if (Object.hasOwn(input, "password")) return `${CREDENTIAL}: one form, not a mix (${names(keys)})`
    return text(input, "identityToken") && text(input, "username", true) ? undefined : CREDENTIAL
  }
  if (!text(input, "username")) return `${CREDENTIAL} (username is missing or empty)`
  if (typeof input.password !== "string") return `${CREDENTIAL} (password is missing)`
  return undefined
}

const isFunction = (value: unknown): boolean => typeof value === "function"

/** An adapter as `RegistryAdapter.make` makes one: what the engine calls is there. */
const isAdapter = (value: unknown): boolean =>
  isRecord(value) && typeof value.name === "string" && isFunction(value.matches) && isFunction(value.origin) &&
  isFunction(value.credentialHost) && isFunction(value.normalizeRepository) && Option.isOption(value.challenge)

/** Each option's check: `undefined` when it is fine, else what it takes (never the value: it may be a secret). */
const checks: { readonly [K in (typeof KNOWN)[number]]: (value: unknown) => string | undefined } = {
  adapters: (v) => (Array.isArray(v) && v.every(isAdapter) ? undefined : "must be an array of adapters made by RegistryAdapter.make"),
  credentials: (v) => (isRecord(v) ? undefined : `must be an object of host → credential ({ "ghcr.io": { username, password } }), not ${kind(v)}`),
  credentialProvider: (v) => (Layer.isLayer(v) ? undefined : "must be a Layer of CredentialProvider"),
  fetch: (v) => (isFunction(v) ? undefined : "must be a fetch function"),
  onEvent: (v) => (isFunction(v) ? undefined : "must be a function of an AuthEvent"),
  authenticator: (v) => (isRecord(v) ? undefined : "must be an object of Authenticator.Options"),
  insecure: (v) => (isStringArray(v) ? undefined : "must be an array of hosts (host[:port])"),
  retry: (v) =>
    isRecord(v) && Schedule.isSchedule(v.schedule) && Duration.isDuration(v.maxRetryAfter)
      ? undefined
      : "must be a Retry.Policy (Retry.defaultPolicy, Retry.make(…))",
  maxRedirects: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : "must be a whole number ≥ 0"),
  deadline: (v) => (isPositiveDuration(v) ? undefined : `must be a duration above zero ("30 seconds", 30000, Duration.seconds(30)), not ${kind(v)}`),
  responseTimeout: (v) => (isPositiveDuration(v) ? undefined : `must be a duration above zero ("10 seconds", 10000, Duration.seconds(10)), not ${kind(v)}`),
  access: (v) =>
    Array.isArray(v) && v.every((a) => isRecord(a) && typeof a.registry === "string" && typeof a.repository === "string" && (a.actions === undefined || isStringArray(a.actions)))
      ? undefined
      : "must be an array of { registry, repository, actions? }",
  tracePropagation: (v) => (typeof v === "boolean" || isStringArray(v) ? undefined : "must be true, false or an array of hosts")
}

/**
 * Checks the façade's options; throws `RegistryFetchOptionsError` for the
 * first that is not what it takes, or that the façade does not know.
 */
export const validate = (options: unknown): void => {
  if (options === undefined) return
  if (!isRecord(options)) throw new RegistryFetchOptionsError({ option: "", reason: `must be an object of options, not ${kind(options)}` })
  for (const key of Object.keys(options)) {
    const value = options[key]
    if (value === undefined) continue
    if (!Object.hasOwn(checks, key)) throw new RegistryFetchOptionsError({ option: names([key]).slice(1, -1), reason: `is not an option (options: ${KNOWN.join(", ")})` })
    const problem = checks[key as (typeof KNOWN)[number]](value)
    if (problem !== undefined) throw new RegistryFetchOptionsError({ option: key, reason: problem })
  }
  if (isRecord(options.credentials)) {
    for (const host of Object.keys(options.credentials)) {
      const problem = credentialProblem(options.credentials[host])
      if (problem !== undefined) throw new RegistryFetchOptionsError({ option: `credentials[${names([host])}]`, reason: problem })
    }
  }
}
