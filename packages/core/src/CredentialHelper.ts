/**
 * The docker credential-helper protocol: `docker-credential-<name> get` with
 * the server URL on standard input answers `{"ServerURL","Username","Secret"}`.
 * `Username: "<token>"` means the secret is an identity token. An answer of
 * "credentials not found" means anonymous; any other failure, a helper that is
 * not installed, or one that does not answer in time is a `CredentialError`.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/platform"
import type { CommandExecutor } from "@effect/platform"
import { Chunk, Duration, Effect, Either, Option, Schema, Stream } from "effect"
import * as Credential from "./Credential.js"
import { CredentialError } from "./RegistryError.js"

const Answer = Schema.parseJson(
  Schema.Struct({
    ServerURL: Schema.optional(Schema.String),
    Username: Schema.String,
    Secret: Schema.Redacted(Schema.String)
  })
)
const decodeAnswer = Schema.decodeUnknownEither(Answer)

const MAX_OUTPUT = 64 * 1024

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long the helper may take; default 10 s. */
  readonly timeout?: Duration.DurationInput
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
): Effect.Effect<Option.Option<Credential.Credential>, CredentialError, CommandExecutor.CommandExecutor> => {
  const source = `docker-credential-${helper}`
  const fail = (reason: string) => new CredentialError({ source, registry: serverUrl, reason })
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) return Effect.fail(fail("not a valid helper name"))
  const timeout = Duration.decode(options.timeout ?? Duration.seconds(10))
  return Effect.scoped(
    Effect.gen(function* () {
      const process = yield* Command.start(Command.make(source, "get").pipe(Command.feed(serverUrl)))
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
    Effect.catchTag("BadArgument", () => Effect.fail(fail("could not run the helper"))),
    Effect.flatMap(({ exitCode, stderr, stdout }) => {
      if (exitCode !== 0) {
        const message = (stdout.trim() || stderr.trim()).split("\n")[0]!.slice(0, 200)
        return /credentials not found/i.test(message)
          ? Effect.succeed(Option.none())
          : Effect.fail(fail(`exited with ${exitCode}${message ? `: ${message}` : ""}`))
      }
      return Either.match(decodeAnswer(stdout), {
        onLeft: () => Effect.fail(fail("the answer is not {ServerURL, Username, Secret} JSON")),
        onRight: (answer) =>
          Effect.succeed(
            Option.some(
              answer.Username === "<token>"
                ? Credential.IdentityToken({ token: answer.Secret })
                : Credential.Basic({ username: answer.Username, password: answer.Secret })
            )
          )
      })
    })
  )
}
