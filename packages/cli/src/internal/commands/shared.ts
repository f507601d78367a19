import { Credential } from "@ociauth/core"
import { Effect, Option, Redacted } from "effect"
import { Flag } from "effect/cli"
import { UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"

/** A switch: off unless given. */
export const toggle = (name: string, description: string) => Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.withDefault(false))

export const insecure = toggle(
  "insecure",
  "Plain HTTP for a registry given without a scheme (a loopback or lab registry). Credentials go over plain HTTP only to such hosts."
)
export const verbose = toggle("verbose", "Explain the auth flow on standard error.").pipe(Flag.withAlias("v"))

/** `host[:port]` of what the user typed: a host, a URL, or an image reference's registry. */
export const hostOf = (registry: string): Effect.Effect<string, UsageError> => {
  try {
    const url = new URL(registry.includes("://") ? registry : `https://${registry}`)
    return Effect.succeed(url.host)
  } catch {
    return Effect.fail(new UsageError({ reason: `"${registry}" is not a registry host`, hint: "Give host[:port], e.g. ghcr.io or localhost:5000." }))
  }
}

/** A secret read whole from standard input, without its final newline. */
export const readSecret = (what: string, example: string): Effect.Effect<string, UsageError, Io> =>
  Effect.gen(function* () {
    const io = yield* Io
    const secret = (yield* io.stdin).replace(/\r?\n$/, "")
    if (secret === "") return yield* new UsageError({ reason: `no ${what} on standard input`, hint: example })
    return secret
  })

/** The credential of `--user U --password-stdin` or `--identity-token-stdin`, if any. */
export const stdinCredential = (options: {
  readonly user: Option.Option<string>
  readonly passwordStdin: boolean
  readonly identityTokenStdin: boolean
  readonly command: string
}): Effect.Effect<Option.Option<Credential.Credential>, UsageError, Io> =>
  Effect.gen(function* () {
    if (options.passwordStdin && options.identityTokenStdin) {
      return yield* new UsageError({ reason: "--password-stdin and --identity-token-stdin exclude each other" })
    }
    if (options.passwordStdin) {
      if (Option.isNone(options.user)) {
        return yield* new UsageError({ reason: "--password-stdin needs --user", hint: `echo "$PASSWORD" | ociauth ${options.command} --user me --password-stdin` })
      }
      const password = yield* readSecret("password", `echo "$PASSWORD" | ociauth ${options.command} --user me --password-stdin`)
      return Option.some(Credential.Basic({ username: options.user.value, password: Redacted.make(password) }))
    }
    if (options.identityTokenStdin) {
      const token = yield* readSecret("identity token", `echo "$TOKEN" | ociauth ${options.command} --identity-token-stdin`)
      return Option.some(
        Option.isSome(options.user)
          ? Credential.IdentityToken({ token: Redacted.make(token), username: options.user.value })
          : Credential.IdentityToken({ token: Redacted.make(token) })
      )
    }
    if (Option.isSome(options.user)) {
      return yield* new UsageError({ reason: "--user needs --password-stdin: passwords are read from standard input, never from the command line" })
    }
    return Option.none()
  })
