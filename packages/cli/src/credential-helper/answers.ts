/**
 * The helper's memory between invocations (a helper runs once per pull):
 *
 * - answers of the adapters' cloud sources, kept in the SDK's file token store
 *   (`FileTokenStore`, `~/.cache/ociauth`) under the registry they are for (so
 *   that `erase` — `FileTokenStore.forget` — drops them), sealed, until their
 *   expiry less a safety margin;
 * - logins handed to `store`, sealed, in the helper's state folder.
 */
import type { TokenStore } from "@ociauth/core"
import { Credential } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import type { FileTokenStore } from "@ociauth/store"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Sealer } from "./seal.js"
import { stateDirectory } from "./seal.js"

/** What a cached answer holds (sealed): the credential's kind, username and secret. */
const Sealed = Schema.fromJsonString(
  Schema.Struct({ kind: Schema.Literals(["basic", "identity"]), username: Schema.optionalKey(Schema.String), secret: Schema.String })
)
const decodeSealed = Schema.decodeUnknownOption(Sealed)

/** Credentials a helper can hand out: a username and password, or an identity token. */
export type Answerable = Extract<Credential.Credential, { readonly _tag: "Basic" | "IdentityToken" }>

export const answerable = (credential: Credential.Credential): credential is Answerable =>
  credential._tag === "Basic" || credential._tag === "IdentityToken"

const plain = (credential: Answerable) =>
  JSON.stringify(
    credential._tag === "Basic"
      ? { kind: "basic", username: credential.username, secret: Redacted.value(credential.password) }
      : { kind: "identity", ...(credential.username === undefined ? {} : { username: credential.username }), secret: Redacted.value(credential.token) }
  )

const revive = (text: string, expiresAt: DateTime.Utc | undefined): Option.Option<Answerable> =>
  Option.map(decodeSealed(text), (s): Answerable =>
    s.kind === "basic"
      ? Credential.Basic({ username: s.username ?? "", password: Redacted.make(s.secret), ...(expiresAt === undefined ? {} : { expiresAt }) })
      : Credential.IdentityToken({
        token: Redacted.make(s.secret),
        ...(s.username === undefined ? {} : { username: s.username }),
        ...(expiresAt === undefined ? {} : { expiresAt })
      }))

/** How long a cloud answer that states no expiry is kept: the engine's default credential lifetime. */
export const defaultLifetime = Duration.minutes(5)

/**
 * The margin before an answer's expiry after which it is no longer handed out:
 * a tenth of its lifetime, at least 5 minutes, at most half of it (ECR's 12 h
 * passwords: 72 min; a 1 h GAR token: 6 min).
 */
export const safetyMargin = (lifetime: Duration.Duration): Duration.Duration =>
  Duration.min(Duration.max(Duration.times(lifetime, 0.1), Duration.minutes(5)), Duration.times(lifetime, 0.5))

/** The key of a cloud answer: adapter, registry and the cloud principal's fingerprint (never stored in clear: the store names files by its digest). */
export const answerKey = (adapter: string, registry: string, principal: string) =>
  `docker-credential-ociauth\u0000answer\u0000${adapter}\u0000${registry}\u0000${principal}`

/**
 * The environment that chooses the cloud principal: an answer obtained as one
 * principal is never handed out as another (a changed `AWS_PROFILE`, another
 * service account file).
 */
export const principalVariables = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_ECR",
  "AWS_ENDPOINT_URL_ECR_PUBLIC",
  "AZURE_CLIENT_ID",
  "AZURE_TENANT_ID",
  "AZURE_AUTHORITY_HOST",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_TOKEN_CREDENTIALS",
  "IDENTITY_ENDPOINT",
  "MSI_ENDPOINT",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "CLOUDSDK_CONFIG"
] as const

export interface AnswerCache {
  readonly get: (key: string) => Effect.Effect<Option.Option<Answerable>>
  readonly set: (key: string, registry: string, credential: Answerable) => Effect.Effect<void>
  readonly forget: (registry: string) => Effect.Effect<number>
}

export const makeAnswerCache = (
  tokens: TokenStore.Service,
  file: FileTokenStore.Service,
  withRegistry: <A, E, R>(self: Effect.Effect<A, E, R>, host: string) => Effect.Effect<A, E, R>,
  sealer: Sealer
): AnswerCache => ({
  get: (key) =>
    Effect.gen(function* () {
      const token = yield* tokens.get(key)
      if (Option.isNone(token)) return Option.none()
      const now = yield* Clock.currentTimeMillis
      // The store keeps the entry until its stored expiry (the margin is already taken off); check again.
      if (DateTime.toEpochMillis(token.value.expiresAt) <= now) return Option.none()
      const text = yield* sealer.open(Redacted.value(token.value.value), key)
      return Option.flatMap(text, (t) => revive(t, undefined))
    }),
  set: (key, registry, credential) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expiresAt = credential.expiresAt === undefined ? now + Duration.toMillis(defaultLifetime) : DateTime.toEpochMillis(credential.expiresAt)
      const until = expiresAt - Duration.toMillis(safetyMargin(Duration.millis(Math.max(0, expiresAt - now))))
      if (until <= now) return
      const sealed = yield* sealer.seal(plain(credential), key)
      yield* withRegistry(
        tokens.set(key, {
          value: Redacted.make(sealed),
          issuedAt: DateTime.makeUnsafe(now),
          expiresAt: DateTime.makeUnsafe(until),
          granted: Option.none(),
          refreshToken: Option.none(),
          scopes: []
        }),
        registry
      )
    }),
  forget: (registry) => file.forget(registry)
})

// ---------------------------------------------------------------------------
// Logins handed to `store`
// ---------------------------------------------------------------------------

const LoginsFile = Schema.fromJsonString(
  Schema.Struct({ v: Schema.Literal(1), logins: Schema.Record(Schema.String, Schema.Struct({ username: Schema.String, sealed: Schema.String })) })
)
const decodeLogins = Schema.decodeUnknownOption(LoginsFile)
type LoginMap = Readonly<Record<string, { readonly username: string; readonly sealed: string }>>

export interface Logins {
  readonly get: (host: string) => Effect.Effect<Option.Option<Answerable>>
  readonly store: (host: string, credential: Answerable) => Effect.Effect<void, LoginsError>
  readonly erase: (host: string) => Effect.Effect<boolean, LoginsError>
  /** Server → username. */
  readonly list: Effect.Effect<Readonly<Record<string, string>>>
}

export class LoginsError extends Schema.TaggedError<LoginsError>("@ociauth/cli/LoginsError")("LoginsError", { reason: Schema.String }) {}

export const makeLogins = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = yield* stateDirectory
  const file = path.join(dir, "logins.json")
  const read = fs.readFileString(file).pipe(
    Effect.map((text): LoginMap => Option.getOrElse(Option.map(decodeLogins(text), (f): LoginMap => f.logins), (): LoginMap => ({}))),
    Effect.orElseSucceed((): LoginMap => ({}))
  )
  const write = (logins: Readonly<Record<string, { readonly username: string; readonly sealed: string }>>) =>
    Effect.gen(function* () {
      yield* fs.makeDirectory(dir, { recursive: true, mode: 0o700 })
      const temporary = path.join(dir, `.logins.${crypto.randomUUID()}.tmp`)
      yield* fs.writeFileString(temporary, JSON.stringify({ v: 1, logins }), { mode: 0o600 })
      yield* fs.rename(temporary, file)
    }).pipe(Effect.mapError((e) => new LoginsError({ reason: `cannot write ${file} (${e.reason._tag})` })))
  return (sealer: Sealer): Logins => ({
    get: (host) =>
      Effect.flatMap(read, (logins) => {
        const entry = logins[Unstable.normalizeHost(host)]
        if (entry === undefined) return Effect.succeedNone
        return Effect.map(sealer.open(entry.sealed, `login\u0000${Unstable.normalizeHost(host)}`), Option.flatMap((t) => revive(t, undefined)))
      }),
    store: (host, credential) =>
      Effect.gen(function* () {
        const key = Unstable.normalizeHost(host)
        const sealed = yield* sealer.seal(plain(credential), `login\u0000${key}`)
        const username = credential._tag === "Basic" ? credential.username : Unstable.identityTokenUsername
        yield* write({ ...(yield* read), [key]: { username, sealed } })
      }),
    erase: (host) =>
      Effect.gen(function* () {
        const key = Unstable.normalizeHost(host)
        const logins = yield* read
        if (!(key in logins)) return false
        const { [key]: _, ...rest } = logins
        yield* write(rest)
        return true
      }),
    list: Effect.map(read, (logins) => Object.fromEntries(Object.entries(logins).map(([host, entry]) => [host, entry.username])))
  })
})
