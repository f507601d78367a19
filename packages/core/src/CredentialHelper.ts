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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as ChildProcess from "effect/process/ChildProcess"
import type * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Credential from "./Credential.js"
import { CredentialError } from "./RegistryError.js"
import { identityTokenUsername } from "./internal/host.js"

const Answer = Schema.fromJsonString(
  Schema.Struct({
    ServerURL: Schema.optional(Schema.String),
    Username: Schema.String,
    Secret: Schema.RedactedFromValue(Schema.String)
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

/** A stream's bytes as UTF-8 text, read until `MAX_OUTPUT` bytes have arrived (the rest is not read); "" if it fails. */
const collect = <E>(stream: Stream.Stream<Uint8Array, E>): Effect.Effect<string> =>
  Effect.suspend(() => {
    let size = 0
    return stream.pipe(
      Stream.takeUntil((chunk: Uint8Array) => (size += chunk.length) >= MAX_OUTPUT),
      Stream.runCollect,
      Effect.map((chunks) => {
        const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
        let offset = 0
        for (const chunk of chunks) {
          all.set(chunk, offset)
          offset += chunk.length
        }
        return new TextDecoder().decode(all.subarray(0, MAX_OUTPUT))
      }),
      Effect.orElseSucceed(() => "")
    )
  })

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
): Effect.Effect<Outcome, CredentialError, ChildProcessSpawner.ChildProcessSpawner> => {
  const source = `docker-credential-${helper}`
  const fail = (reason: string) => new CredentialError({ source, registry: serverUrl, reason })
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) return Effect.fail(fail("not a valid helper name"))
  const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(10))
  return Effect.scoped(
    Effect.gen(function* () {
      const process = yield* ChildProcess.make(source, [verb], { stdin: Stream.make(new TextEncoder().encode(input)) })
      const [stdout, stderr, exitCode] = yield* Effect.all([collect(process.stdout), collect(process.stderr), process.exitCode], {
        concurrency: 3
      })
      return { stdout, stderr, exitCode: Number(exitCode) }
    })
  ).pipe(
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(fail(`no answer within ${Duration.format(timeout)}`)) }),
    Effect.catchTag("PlatformError", (e) =>
      Effect.fail(
        fail(
          e.reason._tag === "BadArgument"
            ? "could not run the helper"
            : e.reason._tag === "NotFound"
            ? "the helper is not installed"
            : `could not run the helper (${e.reason._tag})`
        )
      )
    )
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
): Effect.Effect<Option.Option<Credential.Credential>, CredentialError, ChildProcessSpawner.ChildProcessSpawner> =>
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
              answer.Username === identityTokenUsername
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
): Effect.Effect<void, CredentialError, ChildProcessSpawner.ChildProcessSpawner> => {
  const [username, secret] = credential._tag === "Basic"
    ? [credential.username, credential.password]
    : [identityTokenUsername, credential.token]
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
): Effect.Effect<boolean, CredentialError, ChildProcessSpawner.ChildProcessSpawner> =>
  run(helper, "erase", serverUrl, serverUrl, options).pipe(
    Effect.flatMap((outcome) => {
      if (outcome.exitCode === 0) return Effect.succeed(true)
      const message = firstLine(outcome)
      return notFound(message) ? Effect.succeed(false) : Effect.fail(exited(helper, serverUrl, outcome, message))
    })
  )
