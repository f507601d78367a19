/**
 * What a command accepts as a registry, a URL or a reference before anything
 * is sent: never a user or password in a URL — refused as a usage error
 * (exit 2) without echoing what was typed, which holds a password.
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../../ExitCode.js"

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/** A URL with credentials in it: refused, never echoed. */
const userinfo = (): UsageError =>
  new UsageError({
    reason: "a URL with a user or password: give credentials with --user/--password-stdin or docker login",
    hint: "Name the registry by its host (ghcr.io, localhost:5000) or a URL without credentials (https://registry.example.com)."
  })

/** What comes before the first `/` of a scheme-less input: `host[:port]`, or `user:password@host`. */
const authorityOf = (input: string): string => input.split("/", 1)[0]!

/**
 * A registry as `probe`, `login` and `logout` take it: `host[:port]` (a repository may follow: `host/team/app`)
 * or a URL. Never a user or a password.
 */
export const checkRegistry = (input: string): Effect.Effect<void, UsageError> => {
  if (!SCHEME.test(input)) return authorityOf(input).includes("@") ? Effect.fail(userinfo()) : Effect.void
  try {
    const url = new URL(input)
    if (url.username !== "" || url.password !== "") return Effect.fail(userinfo())
  } catch {
    // not a URL at all: the command says so
  }
  return Effect.void
}

/**
 * A target as `token` and `request` take it: an image reference, whose registry may not carry a user or a
 * password (`alice:pw@host/team/app`), or (`request`) a URL without them. A reference's digest
 * (`alpine@sha256:…`, `host/app@sha256:…`) is no user.
 */
export const checkTarget = (input: string): Effect.Effect<void, UsageError> => {
  if (SCHEME.test(input)) return checkRegistry(input)
  return input.includes("/") && authorityOf(input).includes("@") ? Effect.fail(userinfo()) : Effect.void
}
