import { Credential, CredentialProvider, CredentialStore, Registries } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { FileTokenStore } from "@ociauth/store"
import { NodeCredentials } from "ociauth"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Argument, Command, Flag } from "effect/cli"
import * as HttpClient from "effect/http/HttpClient"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { engine } from "../engine.js"
import { checkRegistry } from "./given.js"
import { hostOf, insecure, readSecret, toggle, withNetworkHints } from "./shared.js"
import type { Seams } from "./token.js"

export interface StoreSeam {
  /** Where credentials are written; docker's config and its helpers by default. */
  readonly store?: Layer.Layer<CredentialStore.CredentialStore>
}

const where = (location: CredentialStore.Location) =>
  Option.match(location.helper, { onNone: () => `in ${location.file}`, onSome: (helper) => `by docker-credential-${helper} (${location.file})` })

/** The registry refused the credentials given: nothing stored, and what to check (not "log in again": this is the login). */
const refused = (host: string, username: string, answer: string) =>
  Effect.fail(
    new CommandFailed({
      code: ExitCode.auth,
      reason: `${host} refused the credentials of ${username} (${answer}): nothing was stored.\n  Check the username and the password or token (for a token, its scopes).`
    })
  )

export const login = (seams: Seams & StoreSeam = {}) =>
  Command.make(
    "login",
    {
      registry: Argument.String("registry").pipe(
        Argument.withMetavar("host[:port]"),
        Argument.withDescription("The registry to log in to, as docker names it: ghcr.io, docker.io, localhost:5000.")
      ),
      username: Flag.String("username").pipe(
        Flag.withAlias("u"),
        Flag.withMetavar("name"),
        Flag.withDescription("The account to store. Required, with --password-stdin."),
        Flag.optional
      ),
      passwordStdin: toggle(
        "password-stdin",
        "Read the password (or access token) from standard input, up to a final newline. Required: a password is never taken from the command line."
      ),
      skipVerify: toggle("skip-verify", "Store the credentials without first checking them against the registry's /v2/ (as docker login does)."),
      insecure
    },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        yield* checkRegistry(args.registry, { origin: false })
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
            if (response.status === 401 || response.status === 403) return yield* refused(host, credential.username, `${response.status}`)
          }).pipe(
            // The token server's refusal of these credentials is the answer to login: they were not stored.
            Effect.catch((error) => {
              const failure = RegistryClient.registryError(error)
              return Option.isSome(failure) && failure.value._tag === "TokenRequestError" && (failure.value.reason === "Unauthorized" || failure.value.reason === "Denied")
                ? refused(host, credential.username, `its token server answered ${failure.value.status ?? failure.value.reason}`)
                : Effect.fail(error)
            }),
            withNetworkHints({ insecure: args.insecure, url: false }),
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
  ).pipe(
    Command.withDescription(
      "Check credentials against a registry and store them as docker login does, where docker and every tool that reads its config find them: through the configured credential helper (credsStore, credHelpers), or in the config's auths."
    ),
    Command.withShortDescription("Store credentials for a registry, as docker login does."),
    Command.withExamples([
      { command: "echo \"$GITHUB_TOKEN\" | ociauth login ghcr.io --username \"$GITHUB_ACTOR\" --password-stdin", description: "GitHub's registry, with a token" },
      { command: "ociauth login docker.io -u \"$DOCKER_USER\" --password-stdin < ~/.docker-hub-token", description: "Docker Hub, the token read from a file" },
      { command: "echo \"$PASSWORD\" | ociauth login localhost:5000 -u admin --password-stdin --insecure", description: "A plain-HTTP lab registry" }
    ])
  )

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
    {
      registry: Argument.String("registry").pipe(
        Argument.withMetavar("host[:port]"),
        Argument.withDescription("The registry to forget, as it was logged in to: ghcr.io, docker.io, localhost:5000.")
      )
    },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        yield* checkRegistry(args.registry, { origin: false })
        const host = yield* hostOf(args.registry)
        const store = yield* CredentialStore.CredentialStore
        const erased = yield* store.erase(host)
        const tokens = yield* forgetTokens(host, seams.tokenStore)
        yield* io.stdout(erased.found ? `Removed the credentials for ${host} ${where(erased)}\n` : `Not logged in to ${host}\n`)
        if (tokens > 0) yield* io.stdout(`Removed ${tokens} cached token${tokens === 1 ? "" : "s"} of ${host}\n`)
      }).pipe(Effect.provide(seams.store ?? NodeCredentials.layerStore()))
  ).pipe(
    Command.withDescription("Forget a registry's credentials as docker logout does (from its credential helper or the config's auths), and the tokens ociauth cached for it."),
    Command.withShortDescription("Forget a registry's credentials and cached tokens, as docker logout does."),
    Command.withExamples([
      { command: "ociauth logout ghcr.io", description: "Forget GitHub's registry" },
      { command: "ociauth logout localhost:5000", description: "A lab registry" }
    ])
  )
