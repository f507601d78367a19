import { Credential } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Flag } from "effect/cli"
import * as HttpClientError from "effect/http/HttpClientError"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { badPortHint, isBadPort } from "../badPort.js"
import * as Stdin from "../stdin.js"

/** A switch: off unless given. */
export const toggle = (name: string, description: string) => Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.withDefault(false))

export const insecure = toggle(
  "insecure",
  "Speak plain HTTP to a registry given without a scheme (a local or lab one), and allow credentials over plain HTTP to its host (loopback always may)."
)
export const verbose = toggle(
  "verbose",
  "Explain on standard error what happens: each request and response status and headers, the challenge, token requests, cache hits, retries, redirects."
).pipe(Flag.withAlias("v"))

/** `host[:port]` of what the user typed: a host, a URL, or an image reference's registry. */
export const hostOf = (registry: string): Effect.Effect<string, UsageError> => {
  try {
    const url = new URL(registry.includes("://") ? registry : `https://${registry}`)
    return Effect.succeed(url.host)
  } catch {
    return Effect.fail(new UsageError({ reason: `"${registry}" is not a registry host`, hint: "Give host[:port], e.g. ghcr.io or localhost:5000." }))
  }
}

/** A secret read from standard input: its first line, without the newline; more than 64 KiB is a usage error. */
export const readSecret = (what: string, example: string): Effect.Effect<string, UsageError, Io> =>
  Effect.gen(function* () {
    const io = yield* Io
    const input = yield* io.stdin
    if (Stdin.tooLong(input)) {
      return yield* new UsageError({ reason: `standard input holds more than ${Stdin.MAX_BYTES / 1024} KiB before its first newline: not a ${what}`, hint: example })
    }
    const secret = input.replace(/\r?\n[^]*$/, "")
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

/** How the user named the registry: the flags behind a request's scheme, for hints that are true for them. */
export interface Reach {
  /** `--insecure` was given. */
  readonly insecure: boolean
  /** The user typed the URL (its scheme is theirs); else a host or a reference (`--insecure` picks the scheme). */
  readonly url: boolean
}

/**
 * What to do about a request to `url` that failed with `code` (or, without one, `detail`: fetch's bad port),
 * given how the user named the registry.
 */
export const reachHint = (url: string, code: string | undefined, reach: Reach, detail?: string): string => {
  if (code === undefined && isBadPort(detail)) return badPortHint(url)
  let origin = url
  try {
    origin = new URL(url).origin
  } catch {
    // a URL the transport could not even parse: shown as it is
  }
  const https = origin.startsWith("https:")
  if (code !== undefined && Unstable.isTlsUntrusted(code)) {
    return `${origin} presents a certificate this machine does not trust: give its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`
  }
  if (https && code !== undefined && Unstable.isTlsPlain(code)) {
    return reach.url
      ? `${origin} serves plain HTTP: use an http:// URL${reach.insecure ? "" : " (with --insecure to send credentials to it)"}.`
      : `${origin} serves plain HTTP: add --insecure.`
  }
  const check = `Check that a registry listens at ${origin} and that the network reaches it`
  if (!https) return `${check}.`
  return reach.url
    ? `${check}; for a registry that serves plain HTTP, give an http:// URL.`
    : `${check}; for a registry that serves plain HTTP (a local or lab one), add --insecure.`
}

/**
 * The network failures of a command as `CommandFailed` (exit 4) with the
 * library's reason and a hint that is true for the flags given: no request
 * answered (refused, unknown host, TLS), the token server did not answer, or
 * the request ran out of time (`RegistryTimeout`).
 */
export const withNetworkHints =
  (reach: Reach) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CommandFailed, R> =>
    Effect.mapError(self, (error): E | CommandFailed => {
      const registry = RegistryClient.registryError(error)
      if (Option.isSome(registry)) {
        const failure = registry.value
        if (failure._tag === "RegistryTimeout") {
          return new CommandFailed({ code: ExitCode.network, reason: `${failure.message}.\n  The registry accepted no exchange in time: check the network, or try again later.` })
        }
        if (failure._tag === "TokenRequestError" && failure.reason === "Transport") {
          return new CommandFailed({ code: ExitCode.network, reason: `${failure.message}.\n  The registry's token server (${failure.realm}) did not answer: check the network.` })
        }
        return error
      }
      if (HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError") {
        const { code, detail } = Unstable.transportCause(error.reason.cause)
        const url = Unstable.redactUrl(error.request.url)
        const why = error.reason.description ?? detail
        return new CommandFailed({
          code: ExitCode.network,
          reason: `${error.request.method} ${url}: ${Unstable.transportText(code, why)}.\n  ${reachHint(error.request.url, code, reach, why)}`
        })
      }
      return error
    })
