/**
 * Harbor, always self-hosted (registry reference §12).
 * - the token endpoint is `/service/token` on the registry, service
 *   `harbor-registry`, known in advance: a cold request costs 2 round trips;
 * - `GET` only (POST is 405); tokens announce `expires_in` (30 min by default);
 * - robot accounts are usernames like any other, `$` included: `robot$ci`,
 *   `robot$project+ci`; OIDC users log in with their CLI secret as password;
 * - grants are narrowed silently: `InsufficientScope` before sending;
 * - the catalog answers a `Basic realm="harbor"` challenge and is listed for
 *   system admins only: the engine answers it with the account's username and
 *   password, sent to the registry's own origin;
 * - proxy-cache projects are repositories like any other (`<project>/library/alpine`).
 *
 * @since 0.2.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Duration, Layer } from "effect"

/**
 * @since 0.2.0
 * @category constants
 */
export const service = "harbor-registry"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The registry's host names; the first serves the token endpoint. */
  readonly hosts: ReadonlyArray<string>
  /** Token lifetime when a response has no `expires_in`; Harbor's default `token_expiration` is 30 min. */
  readonly tokenLifetime?: Duration.Input
}

/**
 * An adapter for a Harbor instance.
 *
 * @example
 * ```ts
 * import { Harbor } from "@ociauth/harbor"
 * import { Registries } from "@ociauth/core"
 *
 * const layer = Registries.layer([Harbor.make({ hosts: ["harbor.corp.example"] })])
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "harbor",
    hosts: options.hosts,
    challenge: { scheme: "bearer", realm: `https://${options.hosts[0]!.toLowerCase()}/service/token`, service, scopes: [] },
    defaultTokenLifetime: options.tokenLifetime ?? "30 minutes",
    tokenRequest: { method: "get" }
  })

/**
 * Provides adapters for these Harbor instances to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Registries.Registries> => Registries.layer([make(options)], { priority: -1 })
