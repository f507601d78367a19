/**
 * `docker-credential-ociauth`: docker's credential-helper protocol, answered
 * from what the SDK knows, for every registry.
 *
 * - `get` (the server URL on standard input) → `{"ServerURL","Username","Secret"}`:
 *   a login handed to `store`, the environment (`OCIAUTH_*`), docker's and
 *   podman's files and their helpers (never this one), else the registry's
 *   cloud identity through its adapter (ECR `AWS` + password, ACR's refresh
 *   token under the zero GUID, GAR `oauth2accesstoken` + access token), cached
 *   in the file token store across invocations until its expiry less a margin.
 *   A host with nothing: `credentials not found in native keychain`, exit 1.
 * - `store` (`{"ServerURL","Username","Secret"}`): keeps a login (sealed);
 *   refused where the registry's credentials come from a cloud identity and
 *   the login is not a registry credential worth keeping (`sources.storeRefusal`:
 *   ECR's passwords, GAR's access tokens; ACR's admin user and tokens are kept).
 * - `erase` (the server URL): forgets the login and any cached cloud answer.
 * - `list`: `{"<server>": "<username>"}` of the logins kept.
 * - `version`: the package's version; `--help` (`-h`, `help`): what the helper does, exit 0.
 *
 * Failures: one line without a secret, on standard output (where docker's
 * client reads it) and standard error; exit 1. An unknown verb: `unknown
 * command "<verb>"` and the usage on standard error, exit 1 (docker's helpers
 * exit 1 for an unknown action too).
 */
import type { CredentialProvider, RegistryAdapter } from "@ociauth/core"
import { Credential, TokenStore } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { FileTokenStore } from "@ociauth/store"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as answers from "./answers.js"
import { versionLine } from "./executable.js"
import * as Seal from "./seal.js"
import * as sources from "./sources.js"
import * as Sanitize from "../internal/sanitize.js"
import { help, usage } from "./help.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A failure the helper reports: one line, no secret. */
export class HelperError extends Schema.TaggedError<HelperError>("@ociauth/cli/HelperError")("HelperError", { reason: Schema.String }) {}

const NotFound = { _tag: "NotFound" } as const

const success = (stdout: string): Outcome => ({ code: 0, stdout, stderr: "" })
const notFound: Outcome = { code: 1, stdout: `${sources.notFoundMessage}\n`, stderr: "" }
const failure = (reason: string): Outcome => {
  const line = reason.replace(/[\r\n]+/g, " ").slice(0, 500)
  return { code: 1, stdout: `${line}\n`, stderr: `${sources.executable}: ${line}\n` }
}

export { help, readsInput, usage } from "./help.js"

/** The version `version` prints: the CLI package's, from its one place (`ociauth --version` prints it too). */
export { version } from "../internal/version.js"

/** An unknown verb, named (shown, never interpreted: controls escaped, at most 100 characters) before the usage. */
const unknownVerb = (verb: string): string => `${sources.executable}: unknown command "${Sanitize.field(verb.slice(0, 100))}"\n`

const StoreInput = Schema.fromJsonString(
  Schema.Struct({ ServerURL: Schema.String, Username: Schema.String, Secret: Schema.RedactedFromValue(Schema.String) })
)
const decodeStoreInput = Schema.decodeUnknownResult(StoreInput)

const answer = (serverUrl: string, credential: answers.Answerable): string =>
  `${
    JSON.stringify({
      ServerURL: serverUrl,
      Username: credential._tag === "Basic" ? credential.username : credential.username ?? Unstable.identityTokenUsername,
      Secret: Redacted.value(credential._tag === "Basic" ? credential.password : credential.token)
    })
  }\n`

const fromInput = (username: string, secret: Redacted.Redacted<string>): answers.Answerable =>
  username === Unstable.identityTokenUsername
    ? Credential.IdentityToken({ token: secret })
    : Credential.Basic({ username, password: secret })

type Services = FileSystem.FileSystem | Path.Path | ChildProcessSpawner | TokenStore.TokenStore | FileTokenStore.FileTokenStore

interface Context {
  readonly insecure: ReadonlyArray<string>
  readonly resolve: (host: string) => RegistryAdapter.RegistryAdapter
  readonly logins: answers.Logins
  readonly cache: answers.AnswerCache
  readonly machine: CredentialProvider.Service
  readonly principal: string
}

const context: Effect.Effect<Context, HelperError, Services> = Effect.gen(function* () {
  const hosts = yield* sources.registries.pipe(Effect.mapError((e) => new HelperError({ reason: e.message })))
  const sealer = yield* Seal.make.pipe(Effect.mapError((e) => new HelperError({ reason: e.reason })))
  const logins = (yield* answers.makeLogins)(sealer)
  const stored: CredentialProvider.Service = {
    get: (host) => Effect.map(logins.get(host), Option.getOrElse((): Credential.Credential => Credential.anonymous))
  }
  const machine = yield* sources.machineCredentials(stored)
  const tokens = yield* TokenStore.TokenStore
  const fileStore = yield* FileTokenStore.FileTokenStore
  const cache = answers.makeAnswerCache(tokens, fileStore, FileTokenStore.withRegistry, sealer)
  const values = yield* Effect.forEach(answers.principalVariables, (name) =>
    Config.option(Config.String(name)).pipe(Effect.orElseSucceed(() => Option.none<string>()), Effect.map((v) => `${name}=${Option.getOrElse(v, () => "")}`)))
  return { insecure: hosts.insecure, resolve: hosts.registries.resolve, logins, cache, machine, principal: values.join("\u0000") }
})

const serverOf = (input: string): Result.Result<{ readonly serverUrl: string; readonly host: string }, HelperError> => {
  const serverUrl = input.trim()
  const host = Unstable.normalizeHost(serverUrl)
  return serverUrl === "" || host === "" ? Result.fail(new HelperError({ reason: "no server URL on standard input" })) : Result.succeed({ serverUrl, host })
}

/**
 * The adapter's source as `get` asks it: an answer cached by an earlier
 * invocation, else the source, retried (`sources.retried`), its answer cached.
 */
const cachedSource = (ctx: Context, host: string, key: string) =>
(source: Unstable.SourceAnswer) =>
  Effect.flatMap(ctx.cache.get(key), (cached) =>
    Option.isSome(cached)
      ? Effect.succeed(Option.some<Credential.Credential>(cached.value))
      : Effect.tap(sources.retried(source), (fetched) =>
        Option.isSome(fetched) && answers.answerable(fetched.value) ? ctx.cache.set(key, host, fetched.value) : Effect.void))

/** Past `sources.lookupTimeout`, whatever `get` waits on: one line naming the host. */
const tooLong = (host: string) =>
  new HelperError({ reason: `${host}: no answer within ${Duration.format(sources.lookupTimeout)} (a credential source or cloud API did not answer in time)` })

const get = (input: string) =>
  Effect.flatMap(Effect.fromResult(serverOf(input)), ({ host, serverUrl }) =>
    lookup(host, serverUrl).pipe(
      Effect.timeoutOrElse({ duration: sources.lookupTimeout, orElse: () => Effect.fail(tooLong(host)) })
    ))

const lookup = (host: string, serverUrl: string) =>
  Effect.gen(function* () {
    const ctx = yield* context
    const adapter = ctx.resolve(host)
    const key = answers.answerKey(adapter.name, adapter.credentialHost(host), ctx.principal)
    const credential = yield* Unstable.obtainCredential(
      ctx.machine,
      adapter,
      host,
      sources.contextFor(adapter, host, ctx.insecure),
      cachedSource(ctx, host, key)
    )
    if (credential._tag === "Anonymous") return NotFound
    if (!answers.answerable(credential)) {
      return yield* new HelperError({ reason: `${host}: the credential found is a registry token, which docker's credential protocol cannot carry` })
    }
    return success(answer(serverUrl, credential))
  })

const store = (input: string) =>
  Effect.gen(function* () {
    const parsed = decodeStoreInput(input)
    if (Result.isFailure(parsed)) return yield* new HelperError({ reason: "standard input is not {\"ServerURL\",\"Username\",\"Secret\"} JSON" })
    const { host } = yield* Effect.fromResult(serverOf(parsed.success.ServerURL))
    const ctx = yield* context
    const adapter = ctx.resolve(host)
    if (parsed.success.Username === "" || Redacted.value(parsed.success.Secret) === "") {
      return yield* new HelperError({ reason: "missing username or secret" })
    }
    const refusal = sources.storeRefusal(adapter, host, parsed.success.Username)
    if (refusal !== undefined) return yield* new HelperError({ reason: refusal })
    yield* ctx.logins.store(adapter.credentialHost(host), fromInput(parsed.success.Username, parsed.success.Secret)).pipe(
      Effect.mapError((e) => new HelperError({ reason: e.reason }))
    )
    return success("")
  })

const erase = (input: string) =>
  Effect.gen(function* () {
    const { host } = yield* Effect.fromResult(serverOf(input))
    const ctx = yield* context
    const adapter = ctx.resolve(host)
    const login = yield* ctx.logins.erase(adapter.credentialHost(host)).pipe(Effect.mapError((e) => new HelperError({ reason: e.reason })))
    const forgotten = yield* ctx.cache.forget(host)
    return login || forgotten > 0 || sources.cloudIdentity(adapter) ? success("") : NotFound
  })

const list = Effect.gen(function* () {
  const ctx = yield* context
  return success(`${JSON.stringify(yield* ctx.logins.list)}\n`)
})

/**
 * Runs one verb on its standard input; never fails: every failure is an
 * `Outcome` with exit code 1 and one line without a secret.
 *
 * @since 1.0.0
 * @category running
 */
export const run = (verb: string | undefined, input: string): Effect.Effect<Outcome, never, Services> => {
  const program: Effect.Effect<Outcome | typeof NotFound, unknown, Services> = verb === "get"
    ? get(input)
    : verb === "store"
    ? store(input)
    : verb === "erase"
    ? erase(input)
    : verb === "list"
    ? list
    : verb === "version"
    ? Effect.succeed(success(versionLine))
    : verb === "--help" || verb === "-h" || verb === "help"
    ? Effect.succeed(success(help))
    : Effect.succeed({ code: 1, stdout: "", stderr: `${verb === undefined ? "" : unknownVerb(verb)}${usage}\n` })
  return program.pipe(
    Effect.map((outcome) => ("_tag" in outcome ? notFound : outcome)),
    Effect.catch((error) =>
      Effect.succeed(
        failure(
          error instanceof HelperError
            ? error.reason
            : typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
            ? error.message
            : "the lookup failed"
        )
      )
    ),
    Effect.catchDefect(() => Effect.succeed(failure("the helper failed unexpectedly")))
  )
}
