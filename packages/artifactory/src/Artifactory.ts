/**
 * JFrog Artifactory (registry reference §14), by any of its access methods:
 * - repository path: `https://<host>/artifactory/api/docker/<repo-key>/v2/…`,
 *   an API prefix the adapter declares, so the runtime authenticates those
 *   paths and passes the rest of the host (the UI, the REST API) through;
 * - subdomain (`<repo-key>.<host>`) and port: plain `/v2/` on their own hosts —
 *   list them in `hosts`.
 * The realm (`…/api/docker/<repo-key>/v2/token`) depends on the repository key,
 * so it is discovered from the first 401 (a cold request costs 3 round trips,
 * then 1). Tokens come from `GET` with Basic credentials (a password, an API key
 * or an access token; an identity token is sent as Basic `<username>:<token>`)
 * and announce `expires_in` (3600 s).
 *
 * @since 0.2.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

const repositoryPath = /^\/artifactory\/api\/docker\/[^/]+$/

/**
 * Whether a path prefix before `/v2/` is an Artifactory API: none (subdomain and
 * port methods), or `/artifactory/api/docker/<repo-key>`.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isApiPrefix = (prefix: string): boolean => prefix === "" || repositoryPath.test(prefix)

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The instance's host and any subdomain- or port-method hosts. */
  readonly hosts: ReadonlyArray<string>
}

/**
 * An adapter for an Artifactory instance.
 *
 * @example
 * ```ts
 * import { Artifactory } from "@ociauth/artifactory"
 *
 * const art = Artifactory.make({ hosts: ["art.corp.example", "docker-local.art.corp.example"] })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "artifactory",
    hosts: options.hosts,
    defaultTokenLifetime: "3600 seconds",
    tokenRequest: { method: "get" },
    apiPrefix: isApiPrefix
  })

/**
 * Provides an adapter for these hosts to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Registries.Registries> => Registries.layer([make(options)], { priority: -1 })
