/**
 * Azure Container Registry (registry reference §8).
 *
 * - Hosts: `<name>.azurecr.io` and the sovereign clouds (`azurecr.cn`, `.us`,
 *   `.de`), geo-replicas and data endpoints (`AcrHost`); credentials are kept
 *   under the login server, whichever host a request names.
 * - The realm is the registry's own `https://<host>/oauth2/token`, service the
 *   login server: discovered from the first 401 of each host.
 * - Credentials, each kept until shortly before it expires:
 *   1. Microsoft Entra ID, when nothing is configured for the registry: a
 *      `TokenCredential` (`DefaultAzureCredential` from `@azure/identity`, an
 *      optional peer loaded on first use; or one you give) → an Entra token for
 *      `https://containerregistry.azure.net/.default` → `POST /oauth2/exchange`
 *      → an ACR refresh token → the OAuth2 POST (`grant_type=refresh_token`) →
 *      access tokens per scope set;
 *   2. a refresh token as an identity token (username
 *      `00000000-0000-0000-0000-000000000000`, as `az acr login --expose-token`
 *      and docker configs hold it) → the same OAuth2 POST;
 *   3. Basic (admin user, service principal, repository-scoped tokens) →
 *      `GET /oauth2/token`.
 * - Access tokens carry no `expires_in`: their lifetime is the JWT's.
 * - `tags/list` needs `repository:<name>:metadata_read`, not `pull`; the
 *   catalog `registry:catalog:*`.
 * - Blobs redirect (307) to `*.blob.core.windows.net`, which must not get the
 *   `Authorization` header: the runtime drops it on any change of origin.
 *
 * @since 0.1.0
 */
import type { RegistryAdapter as Adapter } from "@ociauth/core"
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AcrHost from "./AcrHost.js"
import type { TokenCredential } from "./Entra.js"
import { AzureCredential } from "./Entra.js"
import * as entra from "./internal/entra.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface EntraOptions {
  /** The credential; `DefaultAzureCredential` (loaded from `@azure/identity` on first use) when left out. */
  readonly credential?: TokenCredential
  /** The `tenant` sent to the exchange when the Entra token names none (`tid`). */
  readonly tenantId?: string
  /** The scope asked for; `https://containerregistry.azure.net/.default` by default. */
  readonly scope?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The Entra path, used when nothing is configured for the registry: `false`
   * turns it off; left out, `DefaultAzureCredential` is tried (a registry it
   * cannot serve is asked anonymously).
   */
  readonly entra?: EntraOptions | false
}

const tagsRead = (method: string, route: { readonly _tag: string }) =>
  route._tag === "Tags" && (method.toUpperCase() === "GET" || method.toUpperCase() === "HEAD") ? ["metadata_read"] : undefined

/**
 * The ACR adapter with its Entra path configured.
 *
 * @example
 * ```ts
 * import { Acr } from "@ociauth/acr"
 *
 * // No Entra ID: docker config, environment or static credentials only.
 * const plain = Acr.make({ entra: false })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Adapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "acr",
    matches: AcrHost.isAcrHost,
    credentialHost: AcrHost.loginServer,
    defaultTokenLifetime: "4500 seconds",
    // One `scope` parameter per scope on the OAuth2 POST, as ACR documents it.
    tokenRequest: { postScopes: "repeated" },
    routeActions: tagsRead,
    ...(options.entra === false ? {} : { credentials: entra.makeSource(options.entra ?? {}) })
  })

/**
 * The adapter for every ACR host, with `DefaultAzureCredential` as its Entra path.
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
 * Provides the adapter to `Registries` with the `TokenCredential` of the
 * `AzureCredential` service as its Entra path.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAzureCredential: Layer.Layer<Registries.Registries, never, AzureCredential> = Layer.unwrap(
  Effect.map(AzureCredential, (credential) => Registries.layer([make({ entra: { credential } })], { priority: -1 }))
)
