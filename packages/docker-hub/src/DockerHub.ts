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
 * Where a Docker Hub adapter points. The defaults are Docker Hub itself; give
 * an `origin` (and no realm, to discover it) to aim the same quirks at a mirror
 * or an emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  /** The API origin every Docker Hub host maps to. */
  readonly origin?: string
  /** The token realm known in advance; `null` to discover it from the first 401. */
  readonly realm?: string | null
  readonly service?: string
  /** Extra hosts served, e.g. the emulator's `127.0.0.1:<port>`. */
  readonly extraHosts?: ReadonlyArray<string>
}

/**
 * A Docker Hub adapter for a target.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target: Target = {}): RegistryAdapter.RegistryAdapter => {
  const origin = target.origin ?? apiOrigin
  const knownRealm = target.realm === undefined ? realm : target.realm
  return RegistryAdapter.make({
    name: "docker-hub",
    hosts: [...hosts, ...(target.extraHosts ?? [])],
    origin: () => origin,
    credentialHost: "docker.io",
    normalizeRepository,
    ...(knownRealm === null ? {} : { challenge: { scheme: "bearer", realm: knownRealm, service: target.service ?? service, scopes: [] } }),
    defaultTokenLifetime: "300 seconds",
    trustChallengeScope: true,
    capabilities: { catalog: false, delete: true }
  })
}

/**
 * The adapter for Docker Hub.
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
