import { Credential, CredentialProvider, CredentialStore, Registries } from "@ociauth/core"
import { FileTokenStore } from "@ociauth/store"
import { NodeCredentials } from "ociauth"
import { Effect, Layer, Option, Redacted } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as HttpClient from "effect/http/HttpClient"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { engine } from "../engine.js"
import { hostOf, insecure, readSecret, toggle } from "./shared.js"
import type { Seams } from "./token.js"

export interface StoreSeam {
  /** Where credentials are written; docker's config and its helpers by default. */
  readonly store?: Layer.Layer<CredentialStore.CredentialStore>
}

const where = (location: CredentialStore.Location) =>
  Option.match(location.helper, { onNone: () => `in ${location.file}`, onSome: (helper) => `by docker-credential-${helper} (${location.file})` })

export const login = (seams: Seams & StoreSeam = {}) =>
  Command.make(
    "login",
    {
      registry: Argument.String("registry").pipe(Argument.withDescription("host[:port], e.g. ghcr.io, docker.io, localhost:5000")),
      username: Flag.String("username").pipe(Flag.withAlias("u"), Flag.withDescription("the account to store (with --password-stdin)"), Flag.optional),
      passwordStdin: toggle("password-stdin", "read the password (or access token) from standard input: the only way"),
      skipVerify: toggle("skip-verify", "store without asking the registry whether the credentials work"),
      insecure
    },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        const host = yield* hostOf(args.registry)
        const example = `echo "$TOKEN" | ociauth login ${host} --username me --password-stdin`
        if (Option.isNone(args.username)) return yield* new UsageError({ reason: "login needs --username", hint: example })
        if (!args.passwordStdin) {
          return yield* new UsageError({ reason: "the password is read from standard input, never from the command line: add --password-stdin", hint: example })
        }
        const password = yield* readSecret("password", example)
        const credential = Credential.Basic({ username: args.username.value, password: Redacted.make(password) })
        if (!args.skipVerify) {
          // As docker login does: the registry must accept the credentials before they are stored.
          yield* Effect.gen(function* () {
            const registries = yield* Registries.Registries
            const origin = registries.resolve(host).origin(host)
            const client = yield* HttpClient.HttpClient
            const response = yield* client.get(`${args.insecure ? origin.replace(/^https:/, "http:") : origin}/v2/`)
            if (response.status === 401 || response.status === 403) {
              return yield* new CommandFailed({ code: ExitCode.auth, reason: `${host} refused the credentials of ${args.username.pipe(Option.getOrElse(() => ""))} (${response.status}): nothing was stored` })
            }
          }).pipe(
            Effect.provide(
              engine({
                insecure: args.insecure ? [host] : [],
                ...(seams.tokenStore ? { tokenStore: seams.tokenStore } : {}),
                ...(seams.transport ? { transport: seams.transport } : {}),
                credentials: CredentialProvider.layerStatic({ [host]: credential })
              })
            )
          )
        }
        const store = yield* CredentialStore.CredentialStore
        const location = yield* store.store(host, credential)
        yield* io.stdout(`Login Succeeded: ${host} stored ${where(location)}\n`)
      }).pipe(Effect.provide(seams.store ?? NodeCredentials.layerStore()))
  ).pipe(Command.withDescription("Store credentials for a registry exactly as docker login does: through the configured credential helper, or in auths."))

/** Removes the registry's tokens from the token store, when it is the file store (memory dies with the process); how many. */
const forgetTokens = (host: string, tokenStore: Seams["tokenStore"]) =>
  tokenStore === undefined
    ? Effect.succeed(0)
    : Effect.flatMap(Effect.serviceOption(FileTokenStore.FileTokenStore), (file) => Option.isSome(file) ? file.value.forget(host) : Effect.succeed(0)).pipe(
      Effect.provide(tokenStore),
      // a token store that cannot be opened has nothing to forget
      Effect.catchCause(() => Effect.succeed(0))
    )

export const logout = (seams: StoreSeam & Pick<Seams, "tokenStore"> = {}) =>
  Command.make(
    "logout",
    { registry: Argument.String("registry").pipe(Argument.withDescription("host[:port] of the registry to forget, e.g. ghcr.io, localhost:5000")) },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        const host = yield* hostOf(args.registry)
        const store = yield* CredentialStore.CredentialStore
        const erased = yield* store.erase(host)
        const tokens = yield* forgetTokens(host, seams.tokenStore)
        yield* io.stdout(erased.found ? `Removed the credentials for ${host} ${where(erased)}\n` : `Not logged in to ${host}\n`)
        if (tokens > 0) yield* io.stdout(`Removed ${tokens} cached token${tokens === 1 ? "" : "s"} of ${host}\n`)
      }).pipe(Effect.provide(seams.store ?? NodeCredentials.layerStore()))
  ).pipe(Command.withDescription("Forget a registry's credentials exactly as docker logout does, and the tokens cached for it."))
