import { AuthEvent, Authenticator, Registries, TokenStore } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import type { CredentialProvider } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { FileTokenStore } from "@ociauth/store"
import { Builtins, NodeCredentials, NodeRegistryClient } from "ociauth"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HttpClient } from "effect/http"

export interface EngineOptions {
  /** Hosts whose plain-HTTP API may receive credentials (loopback always may). */
  readonly insecure: ReadonlyArray<string>
  /** Where credentials come from; the machine's (docker config, helpers, environment, podman) by default. */
  readonly credentials?: Layer.Layer<CredentialProvider.CredentialProvider>
  /** Where tokens are kept; in memory by default. */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore>
  /** Receives the auth flow's events (`-v`). */
  readonly onEvent?: (event: AuthEvent.AuthEvent) => Effect.Effect<void>
  /** The transport; fetch without following redirects by default. */
  readonly transport?: Layer.Layer<HttpClient.HttpClient>
}

/**
 * Every token the engine stores while it authorises a request is filed under
 * that request's registry (`FileTokenStore.withRegistry`), so that `logout`
 * forgets the registry's tokens (`FileTokenStore.forget`). One place: every
 * command's requests pass here.
 */
const filedByRegistry = Layer.effect(
  Authenticator.Authenticator,
  Effect.map(Authenticator.Authenticator, (inner): Authenticator.Service => ({
    ...inner,
    authorize: (request) => FileTokenStore.withRegistry(inner.authorize(request), registryOf(request))
  }))
)

const registryOf = (request: Authenticator.AuthorizeRequest): string => {
  if (request.host !== undefined) return request.host
  try {
    return new URL(request.origin).host
  } catch {
    return request.origin
  }
}

/**
 * The runtime the commands share: one engine, the built-in adapters and the
 * hosts of the user's host configuration (`HostConfig`, as `NodeRegistryClient`
 * reads it: the same adapters for the same hosts as the SDK and
 * `docker-credential-ociauth`), the authenticated client. The configuration's
 * insecure hosts join `options.insecure`, for the runtime and the realm rule
 * alike. A configuration that cannot be read fails the layer with `HostConfigError`.
 */
export const engine = (
  options: EngineOptions
): Layer.Layer<HttpClient.HttpClient | Authenticator.Authenticator | Registries.Registries, HostConfig.HostConfigError> =>
  Layer.unwrap(
    Effect.map(NodeRegistryClient.readHostConfig(Builtins.adapters), (configured) => {
      const insecure = [...options.insecure, ...configured.insecure]
      const registries = Layer.merge(Builtins.layer, Registries.layer(configured.adapters, { priority: HostConfig.priority }))
      const base = Layer.mergeAll(options.transport ?? RegistryClient.layerFetchTransport, registries, options.credentials ?? NodeCredentials.layer)
      const authenticator = filedByRegistry.pipe(Layer.provide(Authenticator.layer({ insecure })), Layer.provide(base))
      const client = RegistryClient.layerWith({ insecure }).pipe(Layer.provide(authenticator), Layer.provide(base))
      return Layer.mergeAll(client, authenticator, registries).pipe(
        Layer.provide(options.tokenStore ?? TokenStore.layerMemory()),
        Layer.provide(AuthEvent.layer(options.onEvent ?? (() => Effect.void)))
      )
    })
  )
