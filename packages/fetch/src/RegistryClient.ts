/**
 * The runtime: any `HttpClient`, wrapped with the registry auth flow.
 *
 * For each request: resolve the host's adapter (API origin, repository
 * normalisation such as Docker Hub's `library/`), fail fast on operations the
 * registry does not support, infer the scopes from method and path (plus caller
 * hints), authorize up front when the origin's challenge is known (from the
 * adapter or learned earlier) or discover it with one round trip (one discovery
 * per origin however many requests wait for it), send, renew the token once on
 * `invalid_token` / `insufficient_scope` / the adapter's re-auth statuses,
 * retry 408/429/5xx and transport failures on a bounded `Schedule` honouring
 * `Retry-After`, and follow redirects itself: `Authorization` never leaves its
 * origin, https → http is refused, hops are bounded. Bodies stream both ways; a
 * streamed request body is sent once, pre-authorized.
 *
 * @since 0.1.0
 */
import { FetchHttpClient, HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import type { HttpClientResponse } from "@effect/platform"
import { Registries, RegistryError } from "@ociauth/core"
import type { Authenticator, CredentialProvider, Retry, Scope } from "@ociauth/core"
import { Context, Effect, Layer, Option } from "effect"
import type { Scope as EffectScope } from "effect"
import * as internal from "./internal/registryClient.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Hosts (`host[:port]`) whose plain-HTTP API may receive credentials. Loopback hosts always may. */
  readonly insecure?: ReadonlyArray<string>
  /** Retries of registry requests; default `Retry.defaultPolicy`. */
  readonly retry?: Retry.Policy
  /** Most redirects followed for one request; default 5. */
  readonly maxRedirects?: number
  /** Options of the token engine (cache size, refresh margin, token request timeout, …). */
  readonly authenticator?: Authenticator.Options
}

/**
 * A registry-aware client whose failures keep their types.
 *
 * @since 0.1.0
 * @category models
 */
export interface Executor {
  readonly execute: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | RegistryError.RegistryError>
}

/**
 * The typed form of the runtime.
 *
 * @since 0.1.0
 * @category tags
 */
export class RegistryClient extends Context.Tag("@ociauth/fetch/RegistryClient")<RegistryClient, Executor>() {}

/**
 * Builds the runtime over the `HttpClient` in context. The transport should not
 * follow redirects itself (`layerFetch` sets `redirect: "manual"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Executor, never, HttpClient.HttpClient | Registries.Registries | CredentialProvider.CredentialProvider | EffectScope.Scope> =
  internal.make

/**
 * An `HttpClient` from the runtime. Registry failures travel as the `cause` of
 * a `RequestError` (read them back with `registryError`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const toHttpClient = (executor: Executor): HttpClient.HttpClient =>
  HttpClient.make((request) =>
    executor.execute(request).pipe(
      Effect.catchIf(RegistryError.isRegistryError, (error) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error, description: error.message }))
      )
    )
  )

/**
 * The registry error carried by an `HttpClient` failure of this runtime.
 *
 * @since 0.1.0
 * @category getters
 */
export const registryError = (error: unknown): Option.Option<RegistryError.RegistryError> => {
  if (RegistryError.isRegistryError(error)) return Option.some(error)
  if (error instanceof HttpClientError.RequestError && RegistryError.isRegistryError(error.cause)) return Option.some(error.cause)
  return Option.none()
}

/**
 * Wraps the `HttpClient` in context with the registry auth flow.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  HttpClient.HttpClient,
  never,
  HttpClient.HttpClient | Registries.Registries | CredentialProvider.CredentialProvider
> = Layer.scoped(HttpClient.HttpClient, Effect.map(internal.make(), toHttpClient))

/**
 * `layer` with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient | Registries.Registries | CredentialProvider.CredentialProvider> =>
  Layer.scoped(HttpClient.HttpClient, Effect.map(internal.make(options), toHttpClient))

/**
 * The typed runtime as a service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: Options = {}
): Layer.Layer<RegistryClient, never, HttpClient.HttpClient | Registries.Registries | CredentialProvider.CredentialProvider> =>
  Layer.scoped(RegistryClient, internal.make(options))

/**
 * The fetch transport, set not to follow redirects (the runtime does).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFetchTransport: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer.pipe(
  Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
)

/**
 * `layer` over `FetchHttpClient`.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { CredentialProvider, Registries } from "@ociauth/core"
 * import { RegistryClient } from "@ociauth/fetch"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const client = yield* HttpClient.HttpClient
 *   const response = yield* client.head("https://ghcr.io/v2/owner/image/manifests/latest")
 *   return response.headers["docker-content-digest"]
 * })
 *
 * program.pipe(
 *   Effect.provide(RegistryClient.layerFetch.pipe(
 *     Layer.provide([Registries.layerGeneric, CredentialProvider.layerAnonymous])
 *   ))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFetch: Layer.Layer<HttpClient.HttpClient, never, Registries.Registries | CredentialProvider.CredentialProvider> =
  layer.pipe(Layer.provide(layerFetchTransport))

/**
 * Adds scopes to those every request of `self` implies (e.g. `delete` for a
 * token that a later DELETE will reuse).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withScopes =
  (scopes: ReadonlyArray<Scope.Scope>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.locallyWith(self, internal.currentScopeHints, (current) => [...current, ...scopes])

/**
 * Passes 2xx responses through; turns any other status into a typed error:
 * `Unsupported` for `405 UNSUPPORTED`, else `RegistryResponseError` with the OCI
 * error codes of the body (read up to 64 KiB).
 *
 * @since 0.1.0
 * @category combinators
 */
export const filterStatusOk = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<HttpClientResponse.HttpClientResponse, RegistryError.RegistryResponseError | RegistryError.Unsupported> => {
  if (response.status >= 200 && response.status < 300) return Effect.succeed(response)
  return RegistryError.readErrorBody(response).pipe(
    Effect.flatMap(({ errors }): Effect.Effect<never, RegistryError.RegistryResponseError | RegistryError.Unsupported> => {
      const url = new URL(response.request.url)
      if (response.status === 405 && errors.some((e) => e.code === "UNSUPPORTED")) {
        return Effect.fail(new RegistryError.Unsupported({ operation: `${response.request.method} ${url.pathname}`, registry: url.host }))
      }
      return Effect.fail(
        new RegistryError.RegistryResponseError({
          status: response.status,
          method: response.request.method,
          url: RegistryError.redactUrl(url),
          errors
        })
      )
    })
  )
}

export {
  /**
   * The scope hints in effect, for advanced uses.
   *
   * @since 0.1.0
   * @category fiber refs
   */
  currentScopeHints
} from "./internal/registryClient.js"
