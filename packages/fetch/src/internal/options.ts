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
  Option.match(Duration.fromInput(value as Duration.Input), { onNone: () => false, onSome: (d) => Duration.toMillis(d) > 0 })

const CREDENTIAL = "must be { username, password }, { identityToken, username? } or { registryToken }, with string values"

/** What is wrong with a credential's plain input, if anything. */
const credentialProblem = (input: unknown): string | undefined => {
  if (!isRecord(input)) return CREDENTIAL
  if ("_tag" in input) return undefined // a `Credential` already made (`Credential.Basic`, …)
  const text = (key: string, optional = false) => (optional && input[key] === undefined) || (typeof input[key] === "string" && input[key] !== "")
  if ("registryToken" in input) return text("registryToken") ? undefined : CREDENTIAL
  if ("identityToken" in input) return text("identityToken") && text("username", true) ? undefined : CREDENTIAL
  if ("username" in input || "password" in input) {
    if (!text("username")) return `${CREDENTIAL} (username is missing or empty)`
    if (typeof input.password !== "string") return `${CREDENTIAL} (password is missing)`
    return undefined
  }
  return `${CREDENTIAL} (it has ${Object.keys(input).map((k) => JSON.stringify(k)).join(", ") || "no field"})`
}

/** Each option's check: `undefined` when it is fine, else what it takes. */
const checks: { readonly [K in (typeof KNOWN)[number]]: (value: unknown) => string | undefined } = {
  adapters: (v) =>
    Array.isArray(v) && v.every((a) => isRecord(a) && typeof a.name === "string" && typeof a.matches === "function")
      ? undefined
      : "must be an array of adapters (RegistryAdapter.make)",
  credentials: (v) => (isRecord(v) ? undefined : "must be an object of host → credential ({ \"ghcr.io\": { username, password } })"),
  credentialProvider: (v) => (Layer.isLayer(v) ? undefined : "must be a Layer of CredentialProvider"),
  fetch: (v) => (typeof v === "function" ? undefined : "must be a fetch function"),
  onEvent: (v) => (typeof v === "function" ? undefined : "must be a function of an AuthEvent"),
  authenticator: (v) => (isRecord(v) ? undefined : "must be an object of Authenticator.Options"),
  insecure: (v) => (isStringArray(v) ? undefined : "must be an array of hosts (host[:port])"),
  retry: (v) => (isRecord(v) && "schedule" in v ? undefined : "must be a Retry.Policy (Retry.make, Retry.defaultPolicy)"),
  maxRedirects: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : "must be a whole number ≥ 0"),
  deadline: (v) => (isPositiveDuration(v) ? undefined : `must be a duration above zero ("30 seconds", 30000, Duration.seconds(30)), not ${JSON.stringify(v)}`),
  responseTimeout: (v) => (isPositiveDuration(v) ? undefined : `must be a duration above zero ("10 seconds", 10000, Duration.seconds(10)), not ${JSON.stringify(v)}`),
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
  if (!isRecord(options)) throw new RegistryFetchOptionsError({ option: "", reason: "must be an object of options" })
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    const check = (checks as Readonly<Record<string, (value: unknown) => string | undefined>>)[key]
    if (check === undefined) throw new RegistryFetchOptionsError({ option: key, reason: `is not an option (options: ${KNOWN.join(", ")})` })
    const problem = check(value)
    if (problem !== undefined) throw new RegistryFetchOptionsError({ option: key, reason: problem })
  }
  if (isRecord(options.credentials)) {
    for (const [host, input] of Object.entries(options.credentials)) {
      const problem = credentialProblem(input)
      if (problem !== undefined) throw new RegistryFetchOptionsError({ option: `credentials[${JSON.stringify(host)}]`, reason: problem })
    }
  }
}
