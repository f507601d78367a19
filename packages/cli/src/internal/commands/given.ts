/**
 * What a command accepts as a registry, a URL or a reference before anything
 * is sent: only `http://` and `https://` URLs (or a bare `host[:port]`), and
 * never a user or password in one — refused as a usage error (exit 2) without
 * echoing what was typed, which may hold a password.
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
 * or an `http(s)://` URL; `origin: true` (probe) refuses a URL with more than an origin (a path, a query),
 * since the repository is given apart. Never a user or a password.
 */
export const checkRegistry = (input: string, options: { readonly origin: boolean }): Effect.Effect<void, UsageError> => {
  const scheme = SCHEME.exec(input)
  if (scheme === null) return authorityOf(input).includes("@") ? Effect.fail(userinfo()) : Effect.void
  const name = scheme[1]!.toLowerCase()
  if (name !== "http" && name !== "https") {
    return Effect.fail(
      new UsageError({ reason: `a ${name}:// URL names no registry: only http:// and https:// do`, hint: "Give host[:port] (ghcr.io, localhost:5000) or an https:// URL." })
    )
  }
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return Effect.fail(new UsageError({ reason: `not a valid ${name}:// URL`, hint: "Give host[:port] (ghcr.io, localhost:5000) or an https:// URL." }))
  }
  if (url.username !== "" || url.password !== "") return Effect.fail(userinfo())
  if (options.origin && (url.pathname.replace(/\/+$/, "") !== "" || url.search !== "" || url.hash !== "")) {
    return Effect.fail(
      new UsageError({
        reason: `a URL names the registry's origin only (${url.origin}): give the repository apart`,
        hint: `ociauth probe ${url.origin} team/app`
      })
    )
  }
  return Effect.void
}

/**
 * A target as `token` and `request` take it: an image reference, whose registry may not carry a user or a
 * password (`alice:pw@host/team/app`), or (`request`) an `http(s)://` URL without them. A reference's
 * digest (`alpine@sha256:…`, `host/app@sha256:…`) is no user.
 */
export const checkTarget = (input: string): Effect.Effect<void, UsageError> => {
  if (SCHEME.test(input)) return checkRegistry(input, { origin: false })
  return input.includes("/") && authorityOf(input).includes("@") ? Effect.fail(userinfo()) : Effect.void
}
