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
import type { CredentialProvider, RegistryAdapter } from "@ociauth/core"
import { Authenticator, HostConfig, Registries } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Layer } from "effect"
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
 * `layer` with options. The user's host configuration (`HostConfig`: which adapter serves which
 * host) is read when the layer is built; one that cannot be read fails it with `HostConfigError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<HttpClient.HttpClient, HostConfig.HostConfigError> =>
  RegistryClient.layerWith(options).pipe(
    Layer.provide(Authenticator.layer({ ...options.authenticator, ...(options.insecure === undefined ? {} : { insecure: options.insecure }) })),
    Layer.provide(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer(Builtins.withBuiltins(options.adapters)),
        HostConfig.layer(Builtins.withBuiltins(options.adapters)).pipe(Layer.provide(NodeCredentials.layerPlatform)),
        options.credentialProvider ?? NodeCredentials.layer
      )
    )
  )

/**
 * Every built-in adapter, the machine's credentials, `fetch` as the transport.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient, HostConfig.HostConfigError> = layerWith({})
