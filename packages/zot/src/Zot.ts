/**
 * Zot (registry reference §13), always self-hosted. Zot validates tokens from
 * an issuer it is configured with (`http.auth.bearer.realm`, `service`) or
 * takes Basic credentials (htpasswd, LDAP, API keys `zak_…`).
 * - its challenges are `bearer realm=https://…` — lower-case scheme, the realm
 *   unquoted — which the runtime's lenient challenge parser reads whole;
 * - `/v2/` answers 200 without a token, with an empty body: the realm is learnt
 *   from the first 401 of a repository request, unless given here;
 * - the catalog lists what the token's user may see, with no `registry:catalog:*`
 *   grant: only the caller's scope hints are asked for it.
 *
 * @since 0.2.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly hosts: ReadonlyArray<string>
  /** The configured `http.auth.bearer.realm`, to save the discovery round trip. */
  readonly realm?: string
  /** The configured `http.auth.bearer.service` (with `realm`). */
  readonly service?: string
}

/**
 * An adapter for a Zot instance.
 *
 * @example
 * ```ts
 * import { Zot } from "@ociauth/zot"
 *
 * const zot = Zot.make({ hosts: ["zot.corp.example"], realm: "https://auth.corp.example/token", service: "zot" })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "zot",
    hosts: options.hosts,
    catalogScope: null,
    ...(options.realm === undefined
      ? {}
      : { challenge: { scheme: "bearer", realm: options.realm, ...(options.service === undefined ? {} : { service: options.service }), scopes: [] } })
  })

/**
 * Provides an adapter for these hosts to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Registries.Registries> => Registries.layer([make(options)], { priority: -1 })
