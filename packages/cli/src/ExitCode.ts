/**
 * What `ociauth` exits with, and the message that says what to do, for every
 * way a command can fail: 0 done; 1 a failure of the registry or the command;
 * 2 a usage error (also a repository name the token server refuses as
 * malformed: `InvalidName`); 3 authentication refused (credentials, grants,
 * helpers); 4 the network (no answer, a transport failure); 5 rate limited
 * (`429`: a pull limit, abuse protection or throttling — the message says
 * which, when to retry and how to raise it; a script may wait and try again).
 *
 * @since 0.2.0
 */
import { RegistryClient } from "@ociauth/fetch"
import * as Data from "effect/Data"
import * as Option from "effect/Option"
import { CliError } from "effect/cli"
import * as HttpClientError from "effect/http/HttpClientError"
import { RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * @since 0.2.0
 * @category constants
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  network: 4,
  /** A registry or token server answered `429` (`RateLimited`): try again later. @since 1.0.0 */
  rateLimited: 5
} as const

/**
 * @since 0.2.0
 * @category models
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * A command used the wrong way; `hint` says the right one.
 *
 * @since 0.2.0
 * @category errors
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string; readonly hint?: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return this.hint === undefined ? this.reason : `${this.reason}\n  ${this.hint}`
  }
}

/**
 * A command that ran but did not succeed (a registry answered an error status).
 *
 * @since 0.2.0
 * @category errors
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly code: ExitCode; readonly reason: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return this.reason
  }
}

const hostOf = (url: string): string => {
  try {
    const host = new URL(url).host
    // Docker Hub's API and token hosts: the user logs in to docker.io.
    return /(^|\.)docker\.io$/.test(host) ? "docker.io" : host
  } catch {
    return "<registry>"
  }
}

/** What to do about a rate limit, for the flags and state the error tells of. */
const rateLimitHint = (error: RegistryError.RateLimited): string => {
  const wait = error.retryAfterMillis !== undefined
    ? `in ${Math.max(1, Math.round(error.retryAfterMillis / 1000))} s`
    : error.windowSeconds !== undefined
      ? "once the window lets more"
      : "later"
  switch (error.kind) {
    case "PullLimit":
      return error.authenticated === true
        ? `Try again ${wait}; an account on a paid plan pulls without a limit.`
        : `Log in to pull on your account's limit (ociauth login ${hostOf(error.url)}), or try again ${wait}.`
    case "AbuseProtection":
      return `Try again ${wait}, with fewer requests at once: logging in does not lift it.`
    case "Throttled":
      return `Try again ${wait}, with fewer requests at once (share a token cache, retry with backoff), or ask the provider for a higher quota.`
  }
}

/**
 * What to do about a grant short of the request. A one-component repository (`alpine`) granted nothing is most
 * likely a name the registry keeps elsewhere: Docker Hub and its mirrors keep official images under `library/`
 * (the docker.io adapter adds it; a mirror or emulator on another host, served by the generic adapter, does not).
 */
const insufficientScopeHint = (error: RegistryError.InsufficientScope): string => {
  const oneComponent = error.missing
    .map((scope) => /^repository:([^/:]+):/.exec(scope)?.[1])
    .filter((name): name is string => name !== undefined)
  if (error.granted.length === 0 && oneComponent.length > 0 && oneComponent.length === error.missing.length) {
    const name = oneComponent[0]!
    return `The token server granted nothing for ${name}, a one-component name: a registry that keeps official images under library/ (Docker Hub and its mirrors) needs library/${name}. Otherwise the repository does not exist or these credentials may not read it: log in with an account that has the access.`
  }
  return "The token server granted less than needed: log in with an account that has the access."
}

const registryFailure = (error: RegistryError.RegistryError | RegistryClient.RegistryTimeout): { readonly code: ExitCode; readonly message: string } => {
  switch (error._tag) {
    case "CredentialError":
      return {
        code: ExitCode.auth,
        message: `credentials for ${error.registry} come from ${error.source}; ${error.reason.startsWith("exited") ? `it ${error.reason}` : error.reason}.\n  Fix it, or store credentials again with: ociauth login ${error.registry.replace(/^https?:\/\//, "").replace(/\/.*$/, "")}`
      }
    case "TokenRequestError":
      switch (error.reason) {
        case "Unauthorized":
          return { code: ExitCode.auth, message: `${error.message}.\n  The registry refused the credentials: check them, or log in again with ociauth login.` }
        case "Denied":
          return { code: ExitCode.auth, message: `${error.message}.\n  These credentials may not have that access: ask for less (--scope), or use an account that has it.` }
        case "Transport":
          return { code: ExitCode.network, message: `${error.message}.\n  The registry's token server (${error.realm}) did not answer: check the network.` }
        case "RateLimited":
          return {
            code: ExitCode.rateLimited,
            message: `${error.message}.\n  ${error.rateLimit === undefined ? "The token server refuses requests for now: try again later, with fewer at once." : rateLimitHint(error.rateLimit)}`
          }
        case "InvalidName":
          return {
            code: ExitCode.usage,
            message: `${error.message}.\n  Name the repository as the registry does: owner/name on GHCR (ghcr.io/owner/app), a project's path on GitLab and Harbor.`
          }
        default:
          return { code: ExitCode.failure, message: error.message }
      }
    case "InsufficientScope":
      return { code: ExitCode.auth, message: `${error.message}.\n  ${insufficientScopeHint(error)}` }
    case "RealmRejected":
    case "RedirectRejected":
      return { code: ExitCode.auth, message: error.message }
    case "RegistryTimeout":
      return { code: ExitCode.network, message: `${error.message}.\n  The registry accepted no exchange in time: check the network, or try again later.` }
    case "RateLimited":
      return { code: ExitCode.rateLimited, message: `${error.message}.\n  ${rateLimitHint(error)}` }
    case "RegistryResponseError":
      return {
        code: error.status === 401 || error.status === 403 ? ExitCode.auth : error.status === 429 ? ExitCode.rateLimited : ExitCode.failure,
        message: error.message
      }
    default:
      return { code: ExitCode.failure, message: error.message }
  }
}

/**
 * The exit code and message of a failure. Usage errors of `effect/cli` (an
 * unknown option, a missing argument) were already printed: their message is
 * empty; the help shown for `ociauth` alone is no failure (0).
 *
 * @since 0.2.0
 * @category utils
 */
export const classify = (error: unknown): { readonly code: ExitCode; readonly message: string } => {
  if (CliError.isCliError(error)) {
    // `ociauth` alone shows the help, as `--help` does; anything else was a usage error.
    return { code: error._tag === "ShowHelp" && error.errors.length === 0 ? ExitCode.ok : ExitCode.usage, message: "" }
  }
  const registry = RegistryClient.registryError(error)
  if (Option.isSome(registry)) return registryFailure(registry.value)
  if (error instanceof UsageError) return { code: ExitCode.usage, message: error.message }
  if (error instanceof CommandFailed) return { code: error.code, message: error.message }
  if (typeof error === "object" && error !== null && "_tag" in error) {
    if (error._tag === "ProbeError") {
      const probe = error as unknown as { readonly reason: string; readonly message: string }
      return { code: probe.reason === "Network" ? ExitCode.network : ExitCode.usage, message: probe.message }
    }
    if (HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError") {
      // The commands say what to do for the flags given (`withNetworkHints`); this is the fallback.
      return { code: ExitCode.network, message: `${error.request.method} ${Unstable.redactUrl(error.request.url)}: no answer (${error.reason.description ?? "transport failure"}). Check the registry's address and the network.` }
    }
  }
  return { code: ExitCode.failure, message: error instanceof Error ? error.message : String(error) }
}
