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
 * @since 0.1.0
 */
import { Effect, Either, Encoding, Option, Redacted, Schema } from "effect"
import * as Credential from "./Credential.js"
import { CredentialError } from "./RegistryError.js"

const Entry = Schema.Struct({
  auth: Schema.optional(Schema.NullOr(Schema.Redacted(Schema.String))),
  username: Schema.optional(Schema.NullOr(Schema.String)),
  password: Schema.optional(Schema.NullOr(Schema.Redacted(Schema.String))),
  identitytoken: Schema.optional(Schema.NullOr(Schema.Redacted(Schema.String))),
  registrytoken: Schema.optional(Schema.NullOr(Schema.Redacted(Schema.String)))
})

/**
 * The parts of the file that concern credentials.
 *
 * @since 0.1.0
 * @category schemas
 */
export const File = Schema.Struct({
  auths: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Entry }))),
  credHelpers: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String }))),
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
  Credential.normalizeHost(host) === "docker.io" ? DOCKER_HUB_SERVER : Credential.normalizeHost(host)

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson(File))

/**
 * Parses a config file's text. A malformed file is a `CredentialError` naming it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string, file: string): Either.Either<File, CredentialError> =>
  Either.mapLeft(
    decodeJson(text),
    () => new CredentialError({ source: file, registry: "*", reason: "not a valid docker config file (JSON with auths, credHelpers, credsStore)" })
  )

const entryCredential = (
  entry: typeof Entry.Type,
  key: string,
  file: string
): Either.Either<Option.Option<Credential.Credential>, CredentialError> => {
  const invalid = (reason: string) => Either.left(new CredentialError({ source: file, registry: key, reason }))
  let username = entry.username ?? undefined
  let password = entry.password ?? undefined
  if (entry.auth != null && Redacted.value(entry.auth) !== "") {
    const decoded = Encoding.decodeBase64String(Redacted.value(entry.auth))
    if (Either.isLeft(decoded)) return invalid("`auth` is not base64")
    const colon = decoded.right.indexOf(":")
    if (colon <= 0) return invalid("`auth` is not base64 of username:password with a username")
    username = decoded.right.slice(0, colon)
    password = Redacted.make(decoded.right.slice(colon + 1))
  }
  if (entry.identitytoken != null && Redacted.value(entry.identitytoken) !== "") {
    return Either.right(Option.some(Credential.IdentityToken({ token: entry.identitytoken, ...(username ? { username } : {}) })))
  }
  if (entry.registrytoken != null && Redacted.value(entry.registrytoken) !== "") {
    return Either.right(Option.some(Credential.RegistryToken({ token: entry.registrytoken })))
  }
  if (username !== undefined && username !== "" && password !== undefined) {
    return Either.right(Option.some(Credential.Basic({ username, password })))
  }
  return Either.right(Option.none())
}

/**
 * Where `host`'s credential is: a helper to run, an entry of `auths`, or none.
 *
 * @since 0.1.0
 * @category lookups
 */
export const lookup = (config: File, host: string, file: string): Either.Either<Source, CredentialError> => {
  const wanted = Credential.normalizeHost(host)
  let stored: Option.Option<Credential.Credential> = Option.none()
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (Credential.normalizeHost(key) !== wanted) continue
    const credential = entryCredential(entry, key, file)
    if (Either.isLeft(credential)) return Either.left(credential.left)
    stored = credential.right
    if (Option.isSome(stored)) break
  }
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => Credential.normalizeHost(key) === wanted)?.[1] ??
    (config.credsStore || undefined)
  if (helper !== undefined) return Either.right({ _tag: "Helper", helper, serverUrl: serverAddress(host), fallback: stored })
  return Either.right(Option.match(stored, { onNone: () => ({ _tag: "None" }), onSome: (credential) => ({ _tag: "Entry", credential }) }))
}

/**
 * `parse` as an Effect.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseEffect = (text: string, file: string): Effect.Effect<File, CredentialError> => parse(text, file)
