/**
 * The Promise façade: a WHATWG `fetch` that authenticates against registries,
 * for code not written with Effect. It runs wherever `fetch` exists.
 *
 * ```ts
 * import { makeRegistryFetch } from "@ociauth/fetch"
 *
 * const registryFetch = makeRegistryFetch({ credentials: { "ghcr.io": { username: "me", password: process.env.GITHUB_TOKEN ?? "" } } })
 * const response = await registryFetch("https://ghcr.io/v2/me/app/manifests/latest", { method: "HEAD" })
 * response.headers.get("docker-content-digest")
 * ```
 *
 * Non-auth statuses come back as the `Response`; an auth failure the SDK cannot
 * resolve rejects with the typed error (`_tag` intact: `TokenRequestError`,
 * `InsufficientScope`, `Unsupported`, `RealmRejected`, `RedirectRejected`, …);
 * a registry that does not answer in time rejects with `RegistryTimeout`
 * (within `deadline`, default 30 s, retries included: never a hang); a
 * transport failure rejects with a `TypeError("fetch failed")` whose `cause`
 * is the native error, as `fetch` does (`err.cause.code === "ECONNREFUSED"`;
 * a connection that cannot be made is not retried, so this comes at once);
 * after `close()` every call rejects with `RegistryFetchClosed`. No rejection
 * carries a credential.
 *
 * @since 0.1.0
 */
import { AuthEvent, Authenticator, CredentialProvider, Registries } from "@ociauth/core"
import type { Credential, RegistryAdapter } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as References from "effect/References"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientError, HttpClientResponse } from "effect/http"
import * as Options from "./internal/options.js"
import { nativeResponse } from "./internal/platform.js"
import { toRequest } from "./internal/webRequest.js"
import { DEFAULT_RESPONSE_TIMEOUT, isRegistryFailure } from "./internal/timeout.js"
import { redirectedResponses } from "./internal/registryClient.js"
import * as RegistryClient from "./RegistryClient.js"

/**
 * The façade's options: every option of `RegistryClient.Options` (`insecure`,
 * `retry`, `maxRedirects`, `deadline` — default 30 s for everything before the
 * response —, `responseTimeout` — default 10 s per attempt —, `access`,
 * `tracePropagation`) and these. Every one is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegistryFetchOptions extends RegistryClient.Options {
  /** Adapters for registries the defaults do not know; they take precedence. Default none (the generic adapter). */
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  /**
   * Credentials per registry host (`docker.io`, `ghcr.io`, `localhost:5000`).
   * Default: none (anonymous). This package is the thin runtime and reads no
   * machine state; `makeRegistryFetch` from `ociauth` defaults to the machine's
   * credentials (environment, docker config and its helpers, podman).
   */
  readonly credentials?: Readonly<Record<string, Credential.Input>>
  /** A credential provider layer in place of `credentials` (e.g. the machine's docker config); default none. */
  readonly credentialProvider?: Layer.Layer<CredentialProvider.CredentialProvider>
  /** The transport; default `globalThis.fetch` (as it is when the façade is made). */
  readonly fetch?: typeof globalThis.fetch
  /** Called for every step of the auth flow (challenges, token requests, cache hits, retries, redirects); default none. */
  readonly onEvent?: (event: AuthEvent.AuthEvent) => void
  /**
   * Options of the token engine (store capacity, refresh margin, token request
   * timeout, …); default `Authenticator`'s, except `requestTimeout`, which is
   * the façade's `responseTimeout` (default 10 s) unless given. Token requests
   * count against the request's `deadline` too.
   */
  readonly authenticator?: Authenticator.Options
}

/**
 * The façade was used after `close()`.
 *
 * @since 0.2.0
 * @category errors
 */
export class RegistryFetchClosed extends Data.TaggedError("RegistryFetchClosed")<{}> {
  override get message(): string {
    return "this registry fetch was closed: create another with makeRegistryFetch()"
  }
}

/**
 * An option of `makeRegistryFetch` that is not what it takes, or that the
 * façade does not know: thrown as the façade is made, naming the option
 * (`credentials["ghcr.io"]`, `deadline`) and what it takes, never its value
 * when it may be a secret.
 *
 * @since 1.0.0
 * @category errors
 */
export { RegistryFetchOptionsError } from "./internal/options.js"

/**
 * Checks options as `makeRegistryFetch` does (it calls this first): throws
 * `RegistryFetchOptionsError` for the first option that is not what it takes.
 * For code that builds the façade itself later, as `ociauth`'s does.
 *
 * @since 1.0.0
 * @category utils
 */
export const validateOptions: (options: unknown) => void = Options.validate

/**
 * A `fetch` with registry auth; `close()` releases its token cache.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegistryFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  readonly close: () => Promise<void>
}

/** The error underneath a transport failure: the platform's `cause` (undici's `TypeError`) has the system error as its own. */
const nativeCause = (error: HttpClientError.HttpClientError): unknown => {
  const cause = error.reason.cause
  if (cause instanceof Error) return cause.cause instanceof Error ? cause.cause : cause
  return new Error(error.reason.description ?? "the connection failed")
}

const markRedirected = (platform: HttpClientResponse.HttpClientResponse, response: Response): Response => {
  if (redirectedResponses.has(platform)) Object.defineProperty(response, "redirected", { value: true })
  return response
}

const toResponse = (response: HttpClientResponse.HttpClientResponse): Response => markRedirected(response, toWebResponse(response))

const toWebResponse = (response: HttpClientResponse.HttpClientResponse): Response => {
  // The fetch transport's own Response is handed out as it is: its body streams
  // natively, with no per-chunk cost. Taking it (`HttpClientResponse.toWeb`)
  // tells the platform that the body outlives its response object: it no longer
  // aborts the request when that object is garbage-collected.
  const source = nativeResponse(response)
  if (source !== undefined) return source
  const body = Unstable.hasNoBody(response) ? null : Stream.toReadableStream(response.stream)
  return new Response(body, { status: response.status, headers: response.headers })
}

/** The façade's runtime records no spans (see `makeRegistryFetch`). */
const tracerOff: Layer.Layer<never> = Layer.succeed(References.TracerEnabled)(false)

/**
 * Builds the façade.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRegistryFetch = (options: RegistryFetchOptions = {}): RegistryFetch => {
  validateOptions(options)
  const transport = RegistryClient.layerFetchTransport.pipe(
    Layer.provide(options.fetch === undefined ? Layer.empty : Layer.succeed(FetchHttpClient.Fetch)(options.fetch))
  )
  const credentials =
    options.credentialProvider ??
    CredentialProvider.layerStatic(options.credentials ?? {})
  const events = options.onEvent === undefined
    ? Layer.empty
    : AuthEvent.layer((event) => Effect.sync(() => options.onEvent!(event)))
  const insecure = options.insecure === undefined ? {} : { insecure: options.insecure }
  const tracing = options.tracePropagation === undefined ? {} : { tracePropagation: options.tracePropagation }
  // A token endpoint that does not answer is timed as a registry that does not: one attempt gets `responseTimeout`.
  const requestTimeout = options.authenticator?.requestTimeout ?? options.responseTimeout ?? DEFAULT_RESPONSE_TIMEOUT
  const engine = Authenticator.layer({ ...options.authenticator, requestTimeout, ...insecure, ...tracing })
  const live = RegistryClient.layerClient(options).pipe(
    Layer.provide(engine),
    Layer.provide(Layer.mergeAll(transport, Registries.layer(options.adapters ?? []), credentials)),
    Layer.provideMerge(events),
    // No Effect program around the façade can read its spans: it records none (the transport's per-request
    // span, with every header as an attribute, was most of its cost), unless trace headers were asked for.
    Layer.provideMerge(
      options.tracePropagation === undefined || options.tracePropagation === false ? tracerOff : Layer.empty
    )
  )
  const runtime = ManagedRuntime.make(live)
  let closed = false
  // The runtime's client, once built: a request runs `execute` directly.
  let client: RegistryClient.Executor | undefined
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    client !== undefined
      ? client.execute(request)
      : Effect.flatMap(RegistryClient.RegistryClient, (built) => {
        client = built
        return built.execute(request)
      })

  const registryFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (closed) throw new RegistryFetchClosed()
    const request = toRequest(input, init)
    const exit = await runtime.runPromiseExit(execute(request), init?.signal ? { signal: init.signal } : undefined)
    if (Exit.isSuccess(exit)) return toResponse(exit.value)
    const failure = Cause.findError(exit.cause)
    if (Result.isSuccess(failure)) {
      const error = failure.success
      if (isRegistryFailure(error)) throw error
      // As `fetch` does: the native error (with its `code`) as the cause, never the request.
      throw new TypeError("fetch failed", { cause: nativeCause(error) })
    }
    if (closed) throw new RegistryFetchClosed()
    if (Cause.hasInterruptsOnly(exit.cause)) {
      throw init?.signal?.reason ?? new DOMException("The operation was aborted.", "AbortError")
    }
    throw Cause.squash(exit.cause)
  }
  return Object.assign(registryFetch, {
    close: () => {
      closed = true
      return runtime.dispose()
    }
  })
}
