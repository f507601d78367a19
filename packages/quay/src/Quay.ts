/**
 * Quay: quay.io and self-hosted Quay (registry reference §10).
 * - the token endpoint is `/v2/auth` on the registry itself, service = the
 *   registry's host name, known in advance: a cold request costs 2 round trips;
 * - `GET` only, Basic or anonymous; special usernames work as they are:
 *   robots `<org>+<name>`, `$app` (application tokens), `$token`, `$oauthtoken`;
 * - responses carry no `expires_in` while the JWT lives 3600 s: the lifetime
 *   comes from the JWT (`exp − iat`), else 3600 s, not the spec's 60 s;
 * - grants are narrowed silently: the engine reads the JWT's `access` claim and
 *   fails with `InsufficientScope` before sending a request that must fail;
 * - only `repository:` scopes are valid (anything else is 400), so the catalog
 *   is asked for with no scope: it lists what the token's user may see;
 * - anonymous tokens need a scope: an anonymous `/v2/` is `TokenRequestError`
 *   (`Unauthorized`);
 * - manifests (by digest or tag) can be deleted, blobs cannot: `Unsupported`.
 *
 * @since 0.2.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

/**
 * @since 0.2.0
 * @category constants
 */
export const host = "quay.io"

/**
 * @since 0.2.0
 * @category constants
 */
export const realm = "https://quay.io/v2/auth"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The registry's host names; the first one is its `SERVER_HOSTNAME`. */
  readonly hosts: ReadonlyArray<string>
  /** The token service; the first host by default, as Quay's `SERVER_HOSTNAME`. */
  readonly service?: string
}

/**
 * Quay's quirks for a self-hosted registry.
 *
 * @example
 * ```ts
 * import { Quay } from "@ociauth/quay"
 *
 * const corp = Quay.make({ hosts: ["quay.corp.example"] })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter.RegistryAdapter => {
  const first = options.hosts[0]!.toLowerCase()
  return RegistryAdapter.make({
    name: "quay",
    hosts: options.hosts,
    challenge: { scheme: "bearer", realm: `https://${first}/v2/auth`, service: options.service ?? first, scopes: [] },
    defaultTokenLifetime: "3600 seconds",
    tokenRequest: { method: "get" },
    catalogScope: null,
    capabilities: { catalog: true, delete: true, deleteBlobs: false }
  })
}

/**
 * The adapter for quay.io.
 *
 * @since 0.2.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = make({ hosts: [host] })

/**
 * Provides the quay.io adapter to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter], { priority: -1 })
