/**
 * The SDK's HTTP rules as `HttpClient` combinators, as platform's
 * `HttpClient.retryTransient` and `followRedirects` are: `retry` (transport
 * failures and 408, 429, 5xx on the SDK's bounded policy, the server's
 * `Retry-After` honoured, a time limit per attempt) and `followRedirects` (never
 * https → http, credential headers only to the same origin, bounded hops). They
 * are the steps the token exchange sends with, so a program's own client
 * follows the rules the engine does.
 *
 * @example
 * ```ts
 * import { RegistryHttp, Retry } from "@ociauth/core"
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 *
 * const client = Effect.map(HttpClient.HttpClient, (client) =>
 *   // each hop retried, as the token exchange sends
 *   client.pipe(RegistryHttp.retry({ policy: Retry.defaultPolicy, timeout: "10 seconds" }), RegistryHttp.followRedirects())
 * )
 * ```
 *
 * @since 1.0.0
 */
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { AuthEvent } from "./AuthEvent.js"
import { makeRetryStep, withManualRedirects } from "./internal/http.js"
import { followRedirects as redirectStep } from "./internal/redirects.js"
import { RedirectRejected } from "./RegistryError.js"
import * as Retry from "./Retry.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface RetryOptions {
  /** Default `Retry.defaultPolicy`. */
  readonly policy?: Retry.Policy | undefined
  /** Time one attempt waits for its response headers (a `TransportError` after it, retried); none by default. */
  readonly timeout?: Duration.Input | undefined
  /** Receives `Retrying`, only when a retry follows. */
  readonly emit?: ((event: AuthEvent) => Effect.Effect<void>) | undefined
}

const quiet = () => Effect.void

/**
 * A client that retries transport failures and transient answers (408, 429 —
 * not one whose quota is spent —, 5xx) on the policy's `Schedule`, each wait at
 * least the server's `Retry-After` (one longer than the policy's
 * `maxRetryAfter` ends the retries). The last transient answer is returned as
 * it is; a request with a streamed body is sent once.
 *
 * @since 1.0.0
 * @category combinators
 */
export const retry: {
  (options?: RetryOptions): (self: HttpClient.HttpClient) => HttpClient.HttpClient
  (self: HttpClient.HttpClient, options?: RetryOptions): HttpClient.HttpClient
} = dual(
  (args) => HttpClient.isHttpClient(args[0]),
  (self: HttpClient.HttpClient, options: RetryOptions = {}): HttpClient.HttpClient => {
    const step = makeRetryStep({
      policy: options.policy ?? Retry.defaultPolicy,
      emit: options.emit ?? quiet,
      timeout: options.timeout === undefined ? undefined : Duration.fromInputUnsafe(options.timeout)
    })
    return HttpClient.transform(self, (sent, request) => step(sent, request, request.body._tag !== "Stream"))
  }
)

/**
 * @since 1.0.0
 * @category models
 */
export interface RedirectOptions {
  /** Default 5. */
  readonly maxRedirects?: number | undefined
  /** `strip` (default): follow, without credential headers; `reject`: a redirect to another origin fails. */
  readonly crossOrigin?: "strip" | "reject" | undefined
  /** Receives `Redirected` for each hop. */
  readonly emit?: ((event: AuthEvent) => Effect.Effect<void>) | undefined
}

/**
 * A client that follows 3xx answers with a `Location` itself: only http(s),
 * never https → http, never to a URL with userinfo or carrying a secret the SDK
 * sent, at most `maxRedirects`; credential headers (`Authorization`, `Cookie`,
 * …) only to the same origin; 303 (and 301/302 after a POST) become a GET
 * without body. A refused redirect fails with `RegistryError.RedirectRejected`.
 * Over `FetchHttpClient` every request runs with `redirect: "manual"`, so that
 * fetch hands each hop to this step; any other transport must not follow
 * redirects itself.
 *
 * @since 1.0.0
 * @category combinators
 */
export const followRedirects: {
  (options?: RedirectOptions): (self: HttpClient.HttpClient) => HttpClient.HttpClient.With<HttpClientError.HttpClientError | RedirectRejected>
  (self: HttpClient.HttpClient, options?: RedirectOptions): HttpClient.HttpClient.With<HttpClientError.HttpClientError | RedirectRejected>
} = dual(
  (args) => HttpClient.isHttpClient(args[0]),
  (self: HttpClient.HttpClient, options: RedirectOptions = {}): HttpClient.HttpClient.With<HttpClientError.HttpClientError | RedirectRejected> => {
    const maxRedirects = options.maxRedirects ?? 5
    const crossOrigin = options.crossOrigin ?? "strip"
    const emit = options.emit ?? quiet
    const send = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | RedirectRejected> =>
      withManualRedirects(self.execute(request))
    const reject = (from: string, to: string, reason: string): HttpClientError.HttpClientError | RedirectRejected =>
      new RedirectRejected({ from, to, reason })
    return HttpClient.transform(self, (sent, request) =>
      Effect.flatMap(withManualRedirects(sent), (first) =>
        redirectStep(first, request, { maxRedirects, crossOrigin, emit, send, reject, replayable: request.body._tag !== "Stream" })
      )
    )
  }
)
