/**
 * GitHub Container Registry, as the seed transcripts show it:
 * - one host, `ghcr.io`, serving both the API and the token endpoint
 *   (`https://ghcr.io/token`, service `ghcr.io`), known in advance;
 * - the `scope` of the `/v2/` and `_catalog` challenges,
 *   `repository:user/image:pull`, is a placeholder that must never be
 *   requested: the adapter does not trust challenge scopes;
 * - tokens are opaque and come without `expires_in`: they are held for the
 *   spec's 60 s and renewed ahead of that;
 * - anonymous requests beyond a grant are DENIED (403), not narrowed;
 * - DELETE answers `405 UNSUPPORTED`: `Unsupported`, without a request
 *   (deletion goes through the GitHub Packages REST API);
 * - `/v2/` may answer 200 with an empty body; the catalog is listed for any
 *   authenticated token and there is no `registry:catalog:*` grant, so only the
 *   caller's scope hints are requested for it (`RegistryClient.withScopes`).
 *
 * @since 0.1.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

/**
 * @since 0.1.0
 * @category constants
 */
export const host = "ghcr.io"

/**
 * @since 0.1.0
 * @category constants
 */
export const realm = "https://ghcr.io/token"

/**
 * @since 0.1.0
 * @category constants
 */
export const service = "ghcr.io"

/**
 * The adapter for ghcr.io.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = RegistryAdapter.make({
  name: "ghcr",
  hosts: [host],
  credentialHost: host,
  challenge: { scheme: "bearer", realm, service, scopes: [] },
  defaultTokenLifetime: "60 seconds",
  trustChallengeScope: false,
  catalogScope: null,
  capabilities: { catalog: true, delete: false }
})

/**
 * GHCR's quirks aimed at another address (the emulator, say); with no target,
 * the adapter itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target?: RegistryAdapter.Target): RegistryAdapter.RegistryAdapter =>
  target === undefined ? adapter : RegistryAdapter.retarget(adapter, target)

/**
 * Provides the adapter to `Registries`, ahead of any provided underneath.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter], { priority: -1 })
