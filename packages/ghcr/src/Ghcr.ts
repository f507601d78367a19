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
 * Where a GHCR adapter points; the defaults are ghcr.io itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly origin?: string
  /** The token realm known in advance; `null` to discover it from the first 401. */
  readonly realm?: string | null
  readonly service?: string
  readonly extraHosts?: ReadonlyArray<string>
}

/**
 * A GHCR adapter for a target.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target: Target = {}): RegistryAdapter.RegistryAdapter => {
  const origin = target.origin ?? `https://${host}`
  const knownRealm = target.realm === undefined ? realm : target.realm
  return RegistryAdapter.make({
    name: "ghcr",
    hosts: [host, ...(target.extraHosts ?? [])],
    origin: () => origin,
    credentialHost: host,
    ...(knownRealm === null ? {} : { challenge: { scheme: "bearer", realm: knownRealm, service: target.service ?? service, scopes: [] } }),
    defaultTokenLifetime: "60 seconds",
    trustChallengeScope: false,
    catalogScope: null,
    capabilities: { catalog: true, delete: false }
  })
}

/**
 * The adapter for ghcr.io.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = make()

/**
 * Provides the adapter to `Registries`, ahead of any provided underneath.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter])
