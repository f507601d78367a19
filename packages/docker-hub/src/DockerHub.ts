/**
 * Docker Hub, as the seed transcripts show it:
 * - `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry
 *   whose API is `registry-1.docker.io`; credentials are kept under `docker.io`;
 * - the token endpoint is a separate origin known in advance
 *   (`https://auth.docker.io/token`, service `registry.docker.io`), so a cold
 *   request costs 2 round trips, not 3;
 * - one-component names are official images: `alpine` is `library/alpine`;
 * - tokens last 300 s;
 * - grants are narrowed silently (an empty `access` claim for `alpine`
 *   without `library/`): the engine reads the JWT and fails with
 *   `InsufficientScope` before sending a request that must fail;
 * - `_catalog` cannot be had by anyone: `Unsupported`, without a request;
 * - rate limits come as `ratelimit-limit` / `ratelimit-remaining` /
 *   `docker-ratelimit-source` headers (`RateLimit.fromHeaders` in @ociauth/fetch);
 * - blobs are redirected to a CDN, which never gets the token.
 *
 * @since 0.1.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

/**
 * The hosts that name Docker Hub.
 *
 * @since 0.1.0
 * @category constants
 */
export const hosts: ReadonlyArray<string> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

/**
 * @since 0.1.0
 * @category constants
 */
export const apiOrigin = "https://registry-1.docker.io"

/**
 * @since 0.1.0
 * @category constants
 */
export const realm = "https://auth.docker.io/token"

/**
 * @since 0.1.0
 * @category constants
 */
export const service = "registry.docker.io"

/**
 * `alpine` → `library/alpine`; names with a namespace are kept.
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizeRepository = (name: string): string => (name.includes("/") ? name : `library/${name}`)

/**
 * The adapter for Docker Hub.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = RegistryAdapter.make({
  name: "docker-hub",
  hosts,
  apiHost: new URL(apiOrigin).host,
  credentialHost: "docker.io",
  normalizeRepository,
  challenge: { scheme: "bearer", realm, service, scopes: [] },
  defaultTokenLifetime: "300 seconds",
  trustChallengeScope: true,
  capabilities: { catalog: false, delete: true }
})

/**
 * Docker Hub's quirks aimed at another address (a mirror, the emulator); with
 * no target, the adapter itself.
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
