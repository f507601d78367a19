/**
 * The docker credential-helper protocol: `docker-credential-<name> get` with
 * the server URL on standard input answers `{"ServerURL","Username","Secret"}`.
 * `Username: "<token>"` means the secret is an identity token. An answer of
 * "credentials not found" means anonymous; any other failure, a helper that is
 * not installed, or one that does not answer in time is a `CredentialError`.
 * `store` feeds the same JSON to `store`; `erase` feeds the server URL to
 * `erase` (what `docker login` and `docker logout` do).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/platform/Command"
import type { CommandExecutor } from "effect/http"
import { Chunk, Duration, Effect, Result, Option, Redacted, Schema, Stream } from "effect"
import * as Credential from "./Credential.js"
import { CredentialError } from "./RegistryError.js"

const Answer = Schema.fromJsonString(
  Schema.Struct({
    ServerURL: Schema.optional(Schema.String),
    Username: Schema.String,
    Secret: Schema.Redacted(Schema.String)
  })
)
const decodeAnswer = Schema.decodeUnknownResult(Answer)

const MAX_OUTPUT = 64 * 1024

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long the helper may take; default 10 s. */
  readonly timeout?: Duration.Input
}

const collect = <E>(stream: Stream.Stream<Uint8Array, E>): Effect.Effect<string> =>
  stream.pipe(
    Stream.runFoldWhile(
      Chunk.empty<Uint8Array>(),
      (chunks) => Chunk.reduce(chunks, 0, (n, c: Uint8Array) => n + c.length) < MAX_OUTPUT,
      (chunks, chunk: Uint8Array) => Chunk.append(chunks, chunk)
    ),
    Effect.map((chunks: Chunk.Chunk<Uint8Array>) => {
      const all = new Uint8Array(Chunk.reduce(chunks, 0, (n, c: Uint8Array) => n + c.length))
      let offset = 0
      for (const chunk of chunks) {
        all.set(chunk, offset)
        offset += chunk.length
      }
      return new TextDecoder().decode(all.subarray(0, MAX_OUTPUT))
    }),
    Effect.orElseSucceed(() => "")
  )

interface Outcome {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/** Runs `docker-credential-<helper> <verb>` with `input` on standard input. */
const run = (
  helper: string,
  verb: "get" | "store" | "erase",
  serverUrl: string,
  input: string,
  options: Options
): Effect.Effect<Outcome, CredentialError, CommandExecutor.CommandExecutor> => {
  const source = `docker-credential-${helper}`
  const fail = (reason: string) => new CredentialError({ source, registry: serverUrl, reason })
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) return Effect.fail(fail("not a valid helper name"))
  const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(10))
  return Effect.scoped(
    Effect.gen(function* () {
      const process = yield* Command.start(Command.make(source, verb).pipe(Command.feed(input)))
      const [stdout, stderr, exitCode] = yield* Effect.all([collect(process.stdout), collect(process.stderr), process.exitCode], {
        concurrency: 3
      })
      return { stdout, stderr, exitCode: Number(exitCode) }
    })
  ).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => fail(`no answer within ${Duration.format(timeout)}`) }),
    Effect.catchTag("SystemError", (e) =>
      Effect.fail(fail(e.reason === "NotFound" ? "the helper is not installed" : `could not run the helper (${e.reason})`))
    ),
    Effect.catchTag("BadArgument", () => Effect.fail(fail("could not run the helper")))
  )
}

const firstLine = (outcome: Outcome): string => (outcome.stdout.trim() || outcome.stderr.trim()).split("\n")[0]!.slice(0, 200)
const scrub = (text: string, secret: string): string => (secret === "" ? text : text.replaceAll(secret, "<redacted>"))
const notFound = (message: string): boolean => /credentials not found/i.test(message)
const exited = (helper: string, serverUrl: string, outcome: Outcome, message: string) =>
  new CredentialError({
    source: `docker-credential-${helper}`,
    registry: serverUrl,
    reason: `exited with ${outcome.exitCode}${message ? `: ${message}` : ""}`
  })

/**
 * Asks a helper for the credential of a server URL.
 *
 * @since 0.1.0
 * @category lookups
 */
export const get = (
  helper: string,
  serverUrl: string,
  options: Options = {}
): Effect.Effect<Option.Option<Credential.Credential>, CredentialError, CommandExecutor.CommandExecutor> =>
  run(helper, "get", serverUrl, serverUrl, options).pipe(
    Effect.flatMap((outcome) => {
      if (outcome.exitCode !== 0) {
        const message = firstLine(outcome)
        return notFound(message) ? Effect.succeed(Option.none()) : Effect.fail(exited(helper, serverUrl, outcome, message))
      }
      return Result.match(decodeAnswer(outcome.stdout), {
        onFailure: () =>
          Effect.fail(
            new CredentialError({
              source: `docker-credential-${helper}`,
              registry: serverUrl,
              reason: "the answer is not {ServerURL, Username, Secret} JSON"
            })
          ),
        onSuccess: (answer) =>
          Effect.succeed(
            Option.some(
              answer.Username === Credential.identityTokenUsername
                ? Credential.IdentityToken({ token: answer.Secret })
                : Credential.Basic({ username: answer.Username, password: answer.Secret })
            )
          )
      })
    })
  )

/**
 * A credential a helper can keep: a username and password, or an identity
 * token (stored as docker stores it, with `Username: "<token>"`).
 *
 * @since 0.2.0
 * @category models
 */
export type Storable = Extract<Credential.Credential, { readonly _tag: "Basic" | "IdentityToken" }>

/**
 * Hands a credential to a helper (`store`), as `docker login` does. The secret
 * leaves its `Redacted` only on the helper's standard input.
 *
 * @since 0.2.0
 * @category mutations
 */
export const store = (
  helper: string,
  serverUrl: string,
  credential: Storable,
  options: Options = {}
): Effect.Effect<void, CredentialError, CommandExecutor.CommandExecutor> => {
  const [username, secret] = credential._tag === "Basic"
    ? [credential.username, credential.password]
    : [Credential.identityTokenUsername, credential.token]
  const input = JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: Redacted.value(secret) })
  return run(helper, "store", serverUrl, input, options).pipe(
    Effect.flatMap((outcome) =>
      outcome.exitCode === 0
        ? Effect.void
        : // A helper may echo what it was fed: its message never carries the secret.
          Effect.fail(exited(helper, serverUrl, outcome, scrub(firstLine(outcome), Redacted.value(secret))))
    )
  )
}

/**
 * Asks a helper to forget a server URL (`erase`), as `docker logout` does.
 * Succeeds with `false` when the helper had nothing for it.
 *
 * @since 0.2.0
 * @category mutations
 */
export const erase = (
  helper: string,
  serverUrl: string,
  options: Options = {}
): Effect.Effect<boolean, CredentialError, CommandExecutor.CommandExecutor> =>
  run(helper, "erase", serverUrl, serverUrl, options).pipe(
    Effect.flatMap((outcome) => {
      if (outcome.exitCode === 0) return Effect.succeed(true)
      const message = firstLine(outcome)
      return notFound(message) ? Effect.succeed(false) : Effect.fail(exited(helper, serverUrl, outcome, message))
    })
  )
