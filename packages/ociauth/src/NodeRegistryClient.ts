/**
 * The runtime for Effect programs on Node, batteries included: an
 * `HttpClient` over `fetch` that authenticates every registry request, with
 * every built-in adapter and the machine's credentials.
 *
 * ```ts
 * import { HttpClient } from "effect/http"
 * import { NodeRegistryClient } from "ociauth"
 * import { Effect } from "effect"
 *
 * const tags = Effect.gen(function* () {
 *   const client = yield* HttpClient.HttpClient
 *   const response = yield* client.get("https://ghcr.io/v2/owner/app/tags/list")
 *   return yield* response.json
 * }).pipe(Effect.provide(NodeRegistryClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { HttpClient } from "effect/http"
import { Artifactory } from "@ociauth/artifactory"
import type { CredentialProvider } from "@ociauth/core"
import { Authenticator, Registries, RegistryAdapter } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import { RegistryClient } from "@ociauth/fetch"
import { Harbor } from "@ociauth/harbor"
import { Zot } from "@ociauth/zot"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Builtins from "./Builtins.js"
import * as NodeCredentials from "./NodeCredentials.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends RegistryClient.Options {
  /** Adapters of your own; they take precedence over the built-in ones. */
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  /** In place of the machine's credentials (`NodeCredentials.layer`). */
  readonly credentialProvider?: Layer.Layer<CredentialProvider.CredentialProvider>
  /** Options of the token engine (refresh margins, token request timeout, …). */
  readonly authenticator?: Authenticator.Options
}

/**
 * Adapters a host configuration may name beyond the built-in ones: templates
 * of the self-hosted kinds (`harbor`, `artifactory`, `zot`) that match no host
 * of their own, so that only the configured hosts reach them. The SDK, the
 * `ociauth` CLI and `docker-credential-ociauth` offer the same names.
 *
 * @since 1.0.0
 * @category adapters
 */
export const hostConfigTemplates: ReadonlyArray<RegistryAdapter.RegistryAdapter> = [
  RegistryAdapter.extend(Harbor.make({ hosts: ["harbor.invalid"] }), { matches: () => false }),
  RegistryAdapter.extend(Artifactory.make({ hosts: ["artifactory.invalid"] }), { matches: () => false }),
  RegistryAdapter.extend(Zot.make({ hosts: ["zot.invalid"] }), { matches: () => false })
]

/**
 * The user's host configuration (`HostConfig`, read once): the configured
 * hosts' adapters, from `available` and `hostConfigTemplates`, and the hosts it
 * declares insecure.
 *
 * @since 1.0.0
 * @category constructors
 */
export const readHostConfig = (
  available: ReadonlyArray<RegistryAdapter.RegistryAdapter>
): Effect.Effect<
  { readonly adapters: ReadonlyArray<RegistryAdapter.RegistryAdapter>; readonly insecure: ReadonlyArray<string> },
  HostConfig.HostConfigError
> =>
  Effect.gen(function* () {
    const file = yield* HostConfig.path()
    const config = yield* HostConfig.load({ path: file })
    const adapters = yield* Effect.fromResult(HostConfig.adapters(config, [...available, ...hostConfigTemplates], file))
    return { adapters, insecure: HostConfig.insecureHosts(config) }
  }).pipe(Effect.provide(NodeCredentials.layerPlatform))

/**
 * `layer` with options. The user's host configuration (`HostConfig`: which adapter serves which
 * host, and which hosts are insecure) is read when the layer is built; one that cannot be read
 * fails it with `HostConfigError`. Its insecure hosts join `options.insecure`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<HttpClient.HttpClient, HostConfig.HostConfigError> =>
  Layer.unwrap(
    Effect.map(readHostConfig(Builtins.withBuiltins(options.adapters)), (configured) => {
      const insecure = [...(options.insecure ?? []), ...configured.insecure]
      return RegistryClient.layerWith({ ...options, insecure }).pipe(
        Layer.provide(Authenticator.layer({ ...options.authenticator, insecure })),
        Layer.provide(
          Layer.mergeAll(
            RegistryClient.layerFetchTransport,
            Registries.layer(Builtins.withBuiltins(options.adapters)),
            Registries.layer(configured.adapters, { priority: HostConfig.priority }),
            options.credentialProvider ?? NodeCredentials.layer
          )
        )
      )
    })
  )

/**
 * Every built-in adapter, the machine's credentials, `fetch` as the transport.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient, HostConfig.HostConfigError> = layerWith({})
