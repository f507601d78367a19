/**
 * Docker's `config.json` (and podman's `auth.json`, which has the same shape):
 * `auths` (base64 `auth`, `username`/`password`, `identitytoken`,
 * `registrytoken`), `credHelpers` per registry and `credsStore` for the rest.
 *
 * Keys follow docker's rules: a URL key (`https://index.docker.io/v1/`,
 * `http://host:5000/v2/`) stands for its `host[:port]`; every Docker Hub name
 * stands for `docker.io`; keys are then matched exactly, never by prefix or
 * suffix. Lookup order, as docker's: `credHelpers[host]`, else `credsStore`,
 * else `auths`.
 *
 * `withEntry` and `withoutEntry` edit the file's JSON as `docker login` and
 * `docker logout` do, keeping every other field as it is.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Base64 from "effect/encoding/Base64"
import * as Credential from "./Credential.js"
import { CredentialError } from "./RegistryError.js"
import { normalizeHost } from "./internal/host.js"

const Entry = Schema.Struct({
  auth: Schema.optional(Schema.NullOr(Schema.RedactedFromValue(Schema.String))),
  username: Schema.optional(Schema.NullOr(Schema.String)),
  password: Schema.optional(Schema.NullOr(Schema.RedactedFromValue(Schema.String))),
  identitytoken: Schema.optional(Schema.NullOr(Schema.RedactedFromValue(Schema.String))),
  registrytoken: Schema.optional(Schema.NullOr(Schema.RedactedFromValue(Schema.String)))
})

/**
 * The parts of the file that concern credentials.
 *
 * @since 0.1.0
 * @category schemas
 */
export const File = Schema.Struct({
  auths: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, Entry))),
  credHelpers: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, Schema.String))),
  credsStore: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 * @category models
 */
export type File = typeof File.Type

/**
 * Where a host's credential is to be found.
 *
 * @since 0.1.0
 * @category models
 */
export type Source =
  | { readonly _tag: "Helper"; readonly helper: string; readonly serverUrl: string; readonly fallback: Option.Option<Credential.Credential> }
  | { readonly _tag: "Entry"; readonly credential: Credential.Credential }
  | { readonly _tag: "None" }

const DOCKER_HUB_SERVER = "https://index.docker.io/v1/"

/**
 * The server address docker stores a host under, and hands to credential
 * helpers: `https://index.docker.io/v1/` for Docker Hub, the host otherwise.
 *
 * @since 0.1.0
 * @category utils
 */
export const serverAddress = (host: string): string =>
  normalizeHost(host) === "docker.io" ? DOCKER_HUB_SERVER : normalizeHost(host)

const decodeJson = Schema.decodeUnknownResult(Schema.fromJsonString(File))

/**
 * Parses a config file's text. A malformed file is a `CredentialError` naming it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string, file: string): Result.Result<File, CredentialError> =>
  Result.mapError(
    decodeJson(text),
    () => new CredentialError({ source: file, registry: "*", reason: "not a valid docker config file (JSON with auths, credHelpers, credsStore)" })
  )

const entryCredential = (
  entry: typeof Entry.Type,
  key: string,
  file: string
): Result.Result<Option.Option<Credential.Credential>, CredentialError> => {
  const invalid = (reason: string) => Result.fail(new CredentialError({ source: file, registry: key, reason }))
  let username = entry.username ?? undefined
  let password = entry.password ?? undefined
  if (entry.auth != null && Redacted.value(entry.auth) !== "") {
    const decoded = Base64.decodeString(Redacted.value(entry.auth))
    if (Result.isFailure(decoded)) return invalid("`auth` is not base64")
    const colon = decoded.success.indexOf(":")
    if (colon <= 0) return invalid("`auth` is not base64 of username:password with a username")
    username = decoded.success.slice(0, colon)
    password = Redacted.make(decoded.success.slice(colon + 1))
  }
  if (entry.identitytoken != null && Redacted.value(entry.identitytoken) !== "") {
    return Result.succeed(Option.some(Credential.IdentityToken({ token: entry.identitytoken, ...(username ? { username } : {}) })))
  }
  if (entry.registrytoken != null && Redacted.value(entry.registrytoken) !== "") {
    return Result.succeed(Option.some(Credential.RegistryToken({ token: entry.registrytoken })))
  }
  if (username !== undefined && username !== "" && password !== undefined) {
    return Result.succeed(Option.some(Credential.Basic({ username, password })))
  }
  return Result.succeed(Option.none())
}

/**
 * The credential helper docker uses for `host`: `credHelpers[host]`, else
 * `credsStore`, else none (the credential lives in `auths`).
 *
 * @since 0.2.0
 * @category lookups
 */
export const helperFor = (config: File, host: string): Option.Option<string> => {
  const wanted = normalizeHost(host)
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => normalizeHost(key) === wanted)?.[1] ??
    (config.credsStore || undefined)
  return Option.fromNullishOr(helper)
}

/**
 * Where `host`'s credential is: a helper to run, an entry of `auths`, or none.
 *
 * @since 0.1.0
 * @category lookups
 */
export const lookup = (config: File, host: string, file: string): Result.Result<Source, CredentialError> => {
  const wanted = normalizeHost(host)
  let stored: Option.Option<Credential.Credential> = Option.none()
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (normalizeHost(key) !== wanted) continue
    const credential = entryCredential(entry, key, file)
    if (Result.isFailure(credential)) return Result.fail(credential.failure)
    stored = credential.success
    if (Option.isSome(stored)) break
  }
  const helper = helperFor(config, host)
  if (Option.isSome(helper)) return Result.succeed({ _tag: "Helper", helper: helper.value, serverUrl: serverAddress(host), fallback: stored })
  return Result.succeed(Option.match(stored, { onNone: () => ({ _tag: "None" }), onSome: (credential) => ({ _tag: "Entry", credential }) }))
}

/**
 * `parse` as an Effect.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseEffect = (text: string, file: string): Effect.Effect<File, CredentialError> => Effect.fromResult(parse(text, file))

/**
 * The `auths` entry docker writes for a credential: base64 `auth` of
 * `username:password`; for an identity token, `identitytoken` (and the
 * username, if any, in `auth`). Secrets leave their `Redacted` here: call it
 * only to write the file.
 *
 * @since 0.2.0
 * @category utils
 */
export const entryFor = (
  credential: Extract<Credential.Credential, { readonly _tag: "Basic" | "IdentityToken" }>
): Readonly<Record<string, string>> =>
  credential._tag === "Basic"
    ? { auth: Base64.encode(`${credential.username}:${Redacted.value(credential.password)}`) }
    : {
      ...(credential.username === undefined ? {} : { auth: Base64.encode(`${credential.username}:`) }),
      identitytoken: Redacted.value(credential.token)
    }

const authsOf = (config: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const auths = config.auths
  return typeof auths === "object" && auths !== null && !Array.isArray(auths) ? { ...(auths as Record<string, unknown>) } : {}
}

/**
 * The file's JSON with `host`'s `auths` entry set to `entry` under docker's key
 * (`serverAddress`), and any other key for the same host removed; every other
 * field kept. With a credential helper, docker writes an empty entry (`{}`).
 *
 * @since 0.2.0
 * @category mutations
 */
export const withEntry = (
  config: Readonly<Record<string, unknown>>,
  host: string,
  entry: Readonly<Record<string, string>>
): Record<string, unknown> => {
  const { auths } = withoutEntry(config, host)
  return { ...config, auths: { ...(auths as Record<string, unknown>), [serverAddress(host)]: entry } }
}

/**
 * The file's JSON without any `auths` entry for `host` (every key that names
 * it), every other field kept.
 *
 * @since 0.2.0
 * @category mutations
 */
export const withoutEntry = (config: Readonly<Record<string, unknown>>, host: string): Record<string, unknown> => {
  const wanted = normalizeHost(host)
  const auths = Object.fromEntries(Object.entries(authsOf(config)).filter(([key]) => normalizeHost(key) !== wanted))
  return { ...config, auths }
}

/**
 * Whether the file's JSON has an `auths` entry for `host`.
 *
 * @since 0.2.0
 * @category lookups
 */
export const hasEntry = (config: Readonly<Record<string, unknown>>, host: string): boolean => {
  const wanted = normalizeHost(host)
  return Object.keys(authsOf(config)).some((key) => normalizeHost(key) === wanted)
}
