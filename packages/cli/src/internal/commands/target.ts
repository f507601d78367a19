/**
 * What `probe` was given as its target: a registry (a host, or an origin URL),
 * with the repository as a second argument or after the registry
 * (`registry/repository`, as an image reference names them).
 */
import { Reference } from "@ociauth/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../../ExitCode.js"

export interface Target {
  readonly registry: string
  readonly repository: Option.Option<string>
}

const HINT = "Give a registry (ociauth probe ghcr.io owner/app) or a registry and repository (ociauth probe ghcr.io/owner/app)."

/**
 * The repository after the registry (its tag or digest not used), checked as an image reference's. The
 * registry is what came before the first `/` whatever it looks like: the argument names the registry, so a
 * single-label host (`corp-registry/team/app`) is never read as a Docker Hub namespace, as `Reference.parse`
 * alone would read it. `localhost` stands in for it while the rest is parsed: always a registry, never
 * normalised.
 */
const repositoryOf = (registry: string, rest: string): Effect.Effect<string, UsageError> =>
  Reference.parse(`localhost/${rest}`).pipe(
    Effect.map((reference) => reference.repository),
    Effect.mapError((error) => new UsageError({ reason: `Invalid image reference ${JSON.stringify(`${registry}/${rest}`.slice(0, 512))}: ${error.reason}`, hint: HINT }))
  )

/**
 * The registry and repository of what the user typed: `host` (and the repository argument, if any), or
 * `host/repository` when no repository argument is given — the part before the first `/` is the registry, as
 * `probe host repository` takes it. Both is a usage error. A URL is a registry.
 */
export const targetOf = (registry: string, repository: Option.Option<string>): Effect.Effect<Target, UsageError> => {
  const given = registry.includes("://") ? registry : registry.replace(/\/+$/, "")
  if (given.includes("://") || !given.includes("/")) return Effect.succeed({ registry: given, repository })
  const host = given.slice(0, given.indexOf("/"))
  if (Option.isSome(repository)) {
    return Effect.fail(
      new UsageError({
        reason: `"${registry}" names a repository, and so does "${repository.value}": give it once`,
        hint: `ociauth probe ${host} ${repository.value}, or ociauth probe ${given}`
      })
    )
  }
  return Effect.map(repositoryOf(host, given.slice(host.length + 1)), (name) => ({ registry: host, repository: Option.some(name) }))
}
