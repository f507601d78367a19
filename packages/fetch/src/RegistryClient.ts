/**
 * The runtime: any `HttpClient`, wrapped with the registry auth flow, as one
 * pipeline per request:
 *
 * 1. resolve — the host's adapter (API origin, repository normalisation such as
 *    Docker Hub's `library/`); a path that is not the registry API (rooted at
 *    `/v2/`, or at the adapter's declared prefix) passes through untouched;
 * 2. scopes — what the method and path need, plus caller hints; operations the
 *    registry does not support fail fast with `Unsupported`;
 * 3. challenge — the origin's realm and service from the `ChallengeStore` (or the
 *    adapter), else one discovery per origin; a challenge's scope belongs to the
 *    request that drew it and is never remembered;
 * 4. authorise — the `Authenticator` from context (one per program);
 * 5. send — through the retry step (408/429/5xx/transport, `Retry-After`),
 *    each attempt given `responseTimeout` for its headers, retries only while
 *    they fit in the request's `deadline`;
 * 6. renew once — on `invalid_token`, `insufficient_scope` within what the
 *    request needs, or the adapter's re-auth answers; the refused token (or
 *    credential) is never handed out again;
 * 7. redirects — the one redirect step: credential headers only to the same
 *    origin, https → http refused, hops bounded.
 *
 * Every step before the response is handed out counts against one deadline
 * (`Options.deadline`, 30 s by default): past it the request fails with
 * `RegistryTimeout`, never hangs. Bodies stream both ways, untimed; a streamed
 * request body is sent once, pre-authorised. No response or failure it hands
 * out carries a credential.
 *
 * @since 0.1.0
 */
import { Authenticator, Registries, RegistryError } from "@ociauth/core"
import type { CredentialProvider, Retry, Scope } from "@ociauth/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { dual } from "effect/Function"
import type { Duration, Scope as EffectScope } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type { HttpClientRequest, HttpClientResponse } from "effect/http"
import * as internal from "./internal/registryClient.js"
import { DEFAULT_DEADLINE, DEFAULT_RESPONSE_TIMEOUT, isRegistryFailure, type RegistryTimeout } from "./internal/timeout.js"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * The options of the runtime (`make`, `layerWith`, `layerClient`; the façade's
 * `RegistryFetchOptions` extend them). Every one is optional.
 *
 * Time is bounded by two numbers. `deadline` (default 30 s) covers everything
 * a request does before its response is handed out: the challenge's discovery,
 * token requests, every attempt and every retry delay, renewals and redirects.
 * Within it, each attempt waits `responseTimeout` (default 10 s) at most for its
 * response headers, and is retried (as a transport failure) only when, after
 * the retry's delay, the deadline still leaves it at least as long as the
 * failed attempt took. When time runs out, the request fails with
 * `RegistryTimeout` (`_tag: "RegistryTimeout"`; the façade rejects with it):
 * never a hang. Once the headers have arrived, the body streams untimed, however
 * slowly. A connection that cannot be made (refused, unknown host, unreachable
 * network) is not retried: it fails at once.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Hosts (`host[:port]`) whose plain-HTTP API may receive credentials (and
   * that the adapter's origin may be reached over plain HTTP for); default none.
   * Loopback hosts always may.
   */
  readonly insecure?: ReadonlyArray<string>
  /**
   * Retries of registry requests (408, 429, 5xx, transport failures, attempts
   * without response headers within `responseTimeout`); default
   * `Retry.defaultPolicy` (exponential from 200 ms, jittered, at most 4
   * retries). Every retry also has to fit in `deadline`.
   */
  readonly retry?: Retry.Policy
  /** Most redirects followed for one request; default 5. */
  readonly maxRedirects?: number
  /**
   * Total time a request may take until its response (status and headers) is
   * handed out: discovery, token requests, every attempt and retry delay,
   * renewals and redirects included; default 30 seconds. Past it the request
   * fails with `RegistryTimeout` (bound `"deadline"`). The body then streams
   * untimed. `Duration.infinity` turns it off. A request with a streamed body
   * (an upload of unknown length) is timed until it is sent, not while it is.
   *
   * @since 1.0.0
   */
  readonly deadline?: Duration.Input
  /**
   * Time one attempt waits for the registry's response headers; default 10
   * seconds, and never past `deadline`. An attempt without headers by then is
   * retried as a transport failure (if the deadline leaves time for another),
   * else the request fails with `RegistryTimeout` (bound `"responseTimeout"`).
   * Bodies stream untimed. `Duration.infinity`: the transport's own (undici:
   * 300 s).
   */
  readonly responseTimeout?: Duration.Input
  /** An access plan for the client's whole life (see `withAccess`); default none. */
  readonly access?: ReadonlyArray<Access>
  /**
   * Registry requests carry the tracer's propagation headers (`traceparent`,
   * `b3`) only to these hosts (`host[:port]`, as requests are sent: Docker Hub's
   * is `registry-1.docker.io`), or to all with `true`; default none — a registry
   * is a third party, and the headers break a browser's CORS. Spans are recorded
   * either way. The engine's token requests have the same option
   * (`Authenticator.Options.tracePropagation`).
   *
   * @since 0.3.0
   */
  readonly tracePropagation?: boolean | ReadonlyArray<string>
}

/**
 * A repository a program will touch: part of an access plan (`withAccess`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Access {
  /** The registry as requests name it (`docker.io`, `ghcr.io`, `localhost:5000`). */
  readonly registry: string
  /** The repository, as for any request (`alpine` on Docker Hub is `library/alpine`). */
  readonly repository: string
  /** Default `["pull"]`. */
  readonly actions?: ReadonlyArray<string>
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
  ) => Effect.Effect<
    HttpClientResponse.HttpClientResponse,
    HttpClientError.HttpClientError | RegistryError.RegistryError | RegistryTimeout
  >
}

/**
 * A registry request that got no answer in time (see `Options.deadline` and
 * `Options.responseTimeout`): `_tag` `"RegistryTimeout"`, with the request's
 * method and URL (origin and path only), what it was waiting for (`waitingFor`:
 * the response headers of a URL, a token from a realm, the registry's
 * challenge), which `bound` ran out (`"deadline"` or `"responseTimeout"`), both
 * bounds in milliseconds and the attempts made. A registry error
 * (`RegistryError.isRegistryError` is true), never holding a secret. Through
 * `toHttpClient` it is the `cause` of a `TransportError`, as Effect's own
 * `HttpClient.timeout` does.
 *
 * @since 1.0.0
 * @category errors
 */
export { RegistryTimeout } from "./internal/timeout.js"

/**
 * The typed form of the runtime.
 *
 * @since 0.1.0
 * @category tags
 */
export class RegistryClient extends Context.Service<RegistryClient, Executor>()("@ociauth/fetch/RegistryClient") {}

/**
 * `Options.deadline`'s default, 30 seconds: the one bound on everything before
 * a request's response. Tools built on the client (the CLI's `probe`) take it.
 *
 * @since 1.0.0
 * @category constants
 */
export const defaultDeadline: Duration.Duration = DEFAULT_DEADLINE

/**
 * `Options.responseTimeout`'s default, 10 seconds: how long one attempt waits
 * for response headers.
 *
 * @since 1.0.0
 * @category constants
 */
export const defaultResponseTimeout: Duration.Duration = DEFAULT_RESPONSE_TIMEOUT

/**
 * Builds the runtime over the `HttpClient` in context. The transport should not
 * follow redirects itself (`layerFetch` sets `redirect: "manual"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Executor, never, HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator | EffectScope.Scope> =
  internal.make

/**
 * Whether a registry failure is worth retrying: a transport failure, a
 * transient answer of the token endpoint (408, 429, 5xx), or a
 * `RegistryTimeout` (a later request has a deadline of its own). Refused credentials,
 * denied grants, insufficient scopes, rejected realms or redirects, and
 * unsupported operations are not.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isTransient = (error: RegistryError.RegistryError | RegistryTimeout): boolean =>
  error._tag === "RegistryTimeout" ||
  (error._tag === "TokenRequestError" &&
    (error.reason === "Transport" ||
      error.reason === "RateLimited" ||
      (error.reason === "BadResponse" && error.status !== undefined && [408, 429, 500, 502, 503, 504].includes(error.status))))

/**
 * An `HttpClient` from the runtime. A registry failure travels as the `cause` of
 * an `HttpClientError` (read it back with `registryError`): reason
 * `TransportError` when it is transient (`isTransient`), so that
 * `HttpClient.retryTransient` retries it, and `EncodeError` ("the request could
 * not be authorised") when it is not, so that no standard retry repeats a
 * refused credential.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toHttpClient = (executor: Executor): HttpClient.HttpClient =>
  // `makeWith`, not `make`: the transport underneath already gives every exchange on
  // the wire its span and abort signal; a second set per logical request is waste.
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) =>
      Effect.flatMap(request, (request) =>
        executor.execute(request).pipe(
          Effect.catchIf(isRegistryFailure, (error) => {
            const fields = { request: Unstable.withoutCredentials(request), cause: error, description: error.message }
            return Effect.fail(
              new HttpClientError.HttpClientError({
                reason: isTransient(error) ? new HttpClientError.TransportError(fields) : new HttpClientError.EncodeError(fields)
              })
            )
          })
        )
      ),
    Effect.succeed
  )

/**
 * The registry auth flow as a combinator over a client: `self` (which should
 * not follow redirects itself) wrapped with challenge discovery, authorisation
 * through the `Authenticator` in context, the one retry step within each
 * request's deadline, safe redirects and a single renewal — what `layerWith`
 * provides, for a client a program holds. Data-first or data-last.
 *
 * @example
 * ```ts no-run
 * import { RegistryClient } from "@ociauth/fetch"
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 *
 * const client = Effect.flatMap(HttpClient.HttpClient, RegistryClient.authorize({ deadline: "20 seconds" }))
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const authorize: {
  (
    options?: Options
  ): (self: HttpClient.HttpClient) => Effect.Effect<HttpClient.HttpClient, never, Registries.Registries | Authenticator.Authenticator | EffectScope.Scope>
  (
    self: HttpClient.HttpClient,
    options?: Options
  ): Effect.Effect<HttpClient.HttpClient, never, Registries.Registries | Authenticator.Authenticator | EffectScope.Scope>
} = dual(
  (args) => HttpClient.isHttpClient(args[0]),
  (self: HttpClient.HttpClient, options: Options = {}) =>
    Effect.map(Effect.provideService(internal.make(options), HttpClient.HttpClient, self), toHttpClient)
)

/**
 * The registry error carried by an `HttpClient` failure of this runtime.
 *
 * @since 0.1.0
 * @category getters
 */
export const registryError = (error: unknown): Option.Option<RegistryError.RegistryError | RegistryTimeout> => {
  if (isRegistryFailure(error)) return Option.some(error)
  if (HttpClientError.isHttpClientError(error) && isRegistryFailure(error.reason.cause)) return Option.some(error.reason.cause)
  return Option.none()
}

/**
 * Wraps the `HttpClient` in context with the registry auth flow, using the
 * `Authenticator` in context (one per program: every client shares its tokens).
 * The default engine is one line away:
 *
 * @example
 * ```ts
 * import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
 * import { RegistryClient } from "@ociauth/fetch"
 * import { Layer } from "effect"
 *
 * const RegistryLive = RegistryClient.layer.pipe(
 *   Layer.provide(Authenticator.layer()),
 *   Layer.provide([RegistryClient.layerFetchTransport, Registries.layerGeneric, CredentialProvider.layerAnonymous])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  HttpClient.HttpClient,
  never,
  HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator
> = Layer.effect(HttpClient.HttpClient, Effect.map(internal.make(), toHttpClient))

/**
 * `layer` with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator> =>
  Layer.effect(HttpClient.HttpClient, Effect.map(internal.make(options), toHttpClient))

/**
 * The typed runtime as a service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: Options = {}
): Layer.Layer<RegistryClient, never, HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator> =>
  Layer.effect(RegistryClient, internal.make(options))

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
 * The default engine over the fetch transport: one `Authenticator` (memoized, so
 * every client of a program built from these layers shares it).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerAuthenticator: Layer.Layer<
  Authenticator.Authenticator,
  never,
  Registries.Registries | CredentialProvider.CredentialProvider
> = Authenticator.layer().pipe(Layer.provide(layerFetchTransport))

/**
 * `layer` over `FetchHttpClient`, with the default engine: batteries included.
 *
 * @example
 * ```ts
 * import { HttpClient } from "effect/http"
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
  layer.pipe(Layer.provide(layerAuthenticator), Layer.provide(layerFetchTransport))

/**
 * `layerFetch` with options (`deadline`, `responseTimeout`, `retry`, …): the
 * same wiring, the same needs.
 *
 * @example
 * ```ts
 * import { CredentialProvider, Registries } from "@ociauth/core"
 * import { RegistryClient } from "@ociauth/fetch"
 * import { Layer } from "effect"
 *
 * const RegistryLive = RegistryClient.layerFetchWith({ deadline: "2 minutes", responseTimeout: "30 seconds" }).pipe(
 *   Layer.provide([Registries.layerGeneric, CredentialProvider.layerAnonymous])
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layerFetchWith = (
  options: Options
): Layer.Layer<HttpClient.HttpClient, never, Registries.Registries | CredentialProvider.CredentialProvider> =>
  layerWith(options).pipe(Layer.provide(layerAuthenticator), Layer.provide(layerFetchTransport))

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
    Effect.updateService(self, internal.currentScopeHints, (current) => [...current, ...scopes])

/**
 * Declares what `self` will touch, so that the runtime asks for **one** token
 * covering every repository of the plan on a registry (the token spec allows
 * several `scope` parameters) instead of one per repository. Nothing more is
 * required than without the plan: where the token server grants less than a
 * request needs (it caps or narrows multi-scope tokens, as the JWT's `access`
 * claim shows), that request gets a token of its own before it is sent, and a
 * refused token is renewed without the plan. Plans nest: the inner adds to the
 * outer.
 *
 * @example
 * ```ts
 * import { HttpClient } from "effect/http"
 * import { RegistryClient } from "@ociauth/fetch"
 * import { Effect } from "effect"
 *
 * const repositories = ["team/api", "team/web", "team/worker"]
 * const inspectAll = Effect.forEach(repositories, (repository) =>
 *   Effect.flatMap(HttpClient.HttpClient, (client) => client.head(`https://registry.example/v2/${repository}/manifests/latest`))
 * ).pipe(RegistryClient.withAccess(repositories.map((repository) => ({ registry: "registry.example", repository }))))
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const withAccess =
  (plan: ReadonlyArray<Access>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.updateService(self, internal.currentAccess, (current) => (current.length === 0 ? plan : [...current, ...plan]))

/**
 * Passes 2xx responses through; turns any other status into a typed error:
 * `RateLimited` for a `429` (which limit, when to retry, how to raise it),
 * `Unsupported` for `405 UNSUPPORTED`, else `RegistryResponseError` with the OCI
 * error codes of the body (read up to 64 KiB).
 *
 * @since 0.1.0
 * @category combinators
 */
export const filterStatusOk = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<
  HttpClientResponse.HttpClientResponse,
  RegistryError.RegistryResponseError | RegistryError.Unsupported | RegistryError.RateLimited
> => {
  if (response.status >= 200 && response.status < 300) return Effect.succeed(response)
  return Unstable.readErrorBody(response).pipe(
    Effect.flatMap(({ errors, text }) =>
      Effect.clockWith((clock): Effect.Effect<never, RegistryError.RegistryResponseError | RegistryError.Unsupported | RegistryError.RateLimited> => {
        const url = new URL(response.request.url)
        if (response.status === 405 && errors.some((e) => e.code === "UNSUPPORTED")) {
          return Effect.fail(new RegistryError.Unsupported({ operation: `${response.request.method} ${url.pathname}`, registry: url.host }))
        }
        const limited = Unstable.rateLimitedFrom({
          url,
          status: response.status,
          headers: response.headers,
          text,
          nowMillis: clock.currentTimeMillisUnsafe()
        })
        if (Option.isSome(limited)) return Effect.fail(limited.value)
        return Effect.fail(
          new RegistryError.RegistryResponseError({
            status: response.status,
            method: response.request.method,
            url: Unstable.redactUrl(url),
            errors
          })
        )
      })
    )
  )
}

export {
  /**
   * The scope hints in effect, for advanced uses.
   *
   * @since 0.1.0
   * @category references
   */
  currentScopeHints,
  /**
   * The access plan in effect (see `withAccess`), for advanced uses.
   *
   * @since 0.2.0
   * @category references
   */
  currentAccess
} from "./internal/registryClient.js"
