/**
 * Google Artifact Registry and gcr.io (registry reference §9).
 *
 * - Hosts: `<location>-docker.pkg.dev`, `docker.<region>.rep.pkg.dev`, `gcr.io`,
 *   `us.`/`eu.`/`asia.gcr.io`, `marketplace.gcr.io` (`GarHost`).
 * - The realm is the registry's `https://<host>/v2/token`, discovered from the
 *   first 401 (`/v2/`'s challenge names no `service`, a repository's names the
 *   host); tokens are
 *   asked for with `GET` only (a POST is 404).
 * - Credentials, when nothing is configured for the host: an OAuth2 access
 *   token from `google-auth-library` (an optional peer, loaded on first use:
 *   Application Default Credentials; or a client you give) sent as Basic
 *   `oauth2accesstoken:<token>`, kept until shortly before the token expires
 *   (~1 h). Registry tokens are opaque and die with that access token: each is
 *   held until the access token's own expiry (5 min with Workload Identity
 *   Federation), never past 1 h. `_json_key` / `_json_key_base64` service-account keys from docker
 *   configs are Basic credentials like any other.
 * - `tags/list` answers carry Google's extra `manifests` and `child`: `TagList`
 *   decodes them.
 *
 * @since 0.1.0
 */
import type { RegistryAdapter as Adapter } from "@ociauth/core"
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as GarHost from "./GarHost.js"
import type { AuthClient } from "./Google.js"
import { GoogleAuthClient } from "./Google.js"
import * as google from "./internal/google.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Where OAuth2 access tokens come from when nothing is configured for the
   * host: `false` turns it off; left out, Application Default Credentials from
   * `google-auth-library` are tried (a host they cannot serve is asked anonymously).
   */
  readonly google?: { readonly client?: AuthClient } | false
}

/**
 * The adapter with its token source configured.
 *
 * @example
 * ```ts
 * import { Gar } from "@ociauth/gar"
 *
 * // No Application Default Credentials: docker config, environment or static credentials only.
 * const plain = Gar.make({ google: false })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Adapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "gar",
    matches: GarHost.isGarHost,
    tokenRequest: { method: "get" },
    // Registry tokens are opaque (no `expires_in`) and die with the OAuth2 access token behind them, at most 1 h:
    // the engine holds one until that credential's expiry (5 min with Workload Identity Federation), never past 1 h.
    defaultTokenLifetime: "1 hour",
    ...(options.google === false ? {} : { credentials: google.makeSource(options.google?.client) })
  })

/**
 * The adapter for every Artifact Registry and gcr.io host, with Application Default Credentials.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: Adapter.RegistryAdapter = make()

/**
 * Provides `adapter` to `Registries`, behind the user's own.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter], { priority: -1 })

/**
 * Provides the adapter to `Registries` with the `AuthClient` of the
 * `GoogleAuthClient` service as its token source.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuthClient: Layer.Layer<Registries.Registries, never, GoogleAuthClient> = Layer.unwrap(
  Effect.map(GoogleAuthClient, (client) => Registries.layer([make({ google: { client } })], { priority: -1 }))
)

/**
 * One manifest in Google's `tags/list` extension.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ManifestEntry = Schema.Struct({
  imageSizeBytes: Schema.optional(Schema.String),
  layerId: Schema.optional(Schema.String),
  mediaType: Schema.optional(Schema.String),
  tag: Schema.optional(Schema.Array(Schema.String)),
  timeCreatedMs: Schema.optional(Schema.String),
  timeUploadedMs: Schema.optional(Schema.String)
})

/**
 * A `tags/list` answer with Google's extra fields: `manifests` (by digest) and `child` (nested repositories).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TagList = Schema.Struct({
  name: Schema.String,
  tags: Schema.NullishOr(Schema.Array(Schema.String)),
  manifests: Schema.optional(Schema.Record(Schema.String, ManifestEntry)),
  child: Schema.optional(Schema.Array(Schema.String))
})
