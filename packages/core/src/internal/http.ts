import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { AuthEvent } from "../AuthEvent.js"
import { redactUrl } from "./errorBody.js"
import type * as Retry from "../Retry.js"
import { BodyTooLarge, readTextCapped } from "./body.js"
import * as retryLoop from "./retryLoop.js"
import * as secrets from "./secrets.js"
import * as transient from "./transient.js"
import { transportText } from "./transportFailure.js"

/**
 * Headers that carry a credential: none of them follows a redirect to another
 * origin. Beside the standard ones, docker's `X-Registry-Auth`, GitLab's token
 * headers and the common API-key headers. Frozen: nothing in the process can
 * empty it.
 */
export const CREDENTIAL_HEADERS: ReadonlyArray<string> = Object.freeze([
  "authorization",
  "proxy-authorization",
  "cookie",
  "x-registry-auth",
  "private-token",
  "job-token",
  "deploy-token",
  "x-api-key",
  "x-auth-token"
])

/** The request without the given headers. */
const withoutHeaders = (request: HttpClientRequest.HttpClientRequest, names: ReadonlyArray<string>): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.updateHeaders(request, Headers.removeMany(names))

export const withoutAuthorization = (request: HttpClientRequest.HttpClientRequest) => withoutHeaders(request, ["authorization"])

export const withoutCredentials = (request: HttpClientRequest.HttpClientRequest) => withoutHeaders(request, CREDENTIAL_HEADERS)

/** Bounds on a body the SDK reads or discards itself. */
export interface BodyLimits {
  readonly maxBytes: number
  readonly timeout: Duration.Duration
}

export const discardLimits: BodyLimits = { maxBytes: 64 * 1024, timeout: Duration.seconds(2) }

export const hasNoBody = (response: HttpClientResponse.HttpClientResponse): boolean =>
  response.request.method === "HEAD" || response.status === 204 || response.status === 304

/**
 * Discards a body the SDK will not hand out: at most `maxBytes` within `timeout`,
 * then the stream is cancelled. Never fails, never hangs.
 */
export const discard = (response: HttpClientResponse.HttpClientResponse, limits: BodyLimits = discardLimits): Effect.Effect<void> =>
  hasNoBody(response)
    ? Effect.void
    : response.stream.pipe(
        Stream.mapAccum(() => 0, (read, chunk: Uint8Array) => [read + chunk.length, [read + chunk.length]] as const),
        Stream.takeUntil((read) => read >= limits.maxBytes),
        Stream.runDrain,
        Effect.timeout(limits.timeout),
        Effect.ignore
      )

export class BodyTimeout {
  readonly _tag = "BodyTimeout"
  constructor(readonly timeout: Duration.Duration) {}
}

/** A body read as text, bounded in bytes and time. */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limits: BodyLimits
): Effect.Effect<string, BodyTooLarge | BodyTimeout | HttpClientError.HttpClientError> =>
  readTextCapped(response, limits.maxBytes).pipe(
    Effect.timeoutOrElse({ duration: limits.timeout, orElse: () => Effect.fail(new BodyTimeout(limits.timeout)) })
  )

/** A failed attempt worth retrying: a transient status, or a transport failure. */
class Transient {
  readonly _tag = "Transient"
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly outcome:
      | { readonly response: HttpClientResponse.HttpClientResponse }
      | { readonly error: HttpClientError.HttpClientError },
    readonly retryAfter: Option.Option<Duration.Duration>
  ) {}
  get reason(): string {
    return "response" in this.outcome ? `HTTP ${this.outcome.response.status}` : "transport error"
  }
}

export interface SenderOptions {
  readonly policy: Retry.Policy
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
  /** Time allowed for the response headers of one attempt; none when left out (the transport's own). */
  readonly timeout?: Duration.Duration | undefined
  /**
   * Which requests carry the tracer's propagation headers (`traceparent`, `b3`):
   * none by default (a registry or realm is a third party), all with `true`, or
   * those to the hosts (`host[:port]`) listed.
   */
  readonly tracePropagation?: boolean | ReadonlyArray<string> | undefined
}

/**
 * Runs a request so that a fetch transport (`FetchHttpClient`) hands out 3xx
 * answers instead of following them (`redirect: "manual"`): the SDK's own
 * redirect step must see every hop, or credential headers and request bodies
 * would follow a redirect to another origin or to plain HTTP. The program's
 * other `RequestInit` options are kept. A transport not built on fetch must not
 * follow redirects itself.
 */
export const withManualRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.updateContext(effect, manual<R>)

const manual = <R>(context: Context.Context<R>): Context.Context<R> => {
  const init = Context.getOrUndefined(context, FetchHttpClient.RequestInit)
  return init?.redirect === "manual" ? context : Context.add(context, FetchHttpClient.RequestInit, { ...init, redirect: "manual" })
}

/**
 * A request's context without trace propagation (and with manual redirects),
 * made once per context: contexts are immutable, and a program's requests run
 * in the same one request after request.
 */
const quietContexts = new WeakMap<Context.Context<never>, Context.Context<never>>()
const quietContext = (context: Context.Context<never>): Context.Context<never> => {
  let quiet = quietContexts.get(context)
  if (quiet === undefined) {
    quiet = Context.add(manual(context), HttpClient.TracerPropagationEnabled, false) as Context.Context<never>
    quietContexts.set(context, quiet)
  }
  return quiet
}

/** The client's `execute`, never following redirects itself, with trace propagation headers only where they are allowed. */
export const propagating = (client: HttpClient.HttpClient, allowed: SenderOptions["tracePropagation"]) => {
  const execute = (request: HttpClientRequest.HttpClientRequest) => withManualRedirects(client.execute(request))
  if (allowed === true) return execute
  const quiet = (request: HttpClientRequest.HttpClientRequest) => Effect.updateContext(client.execute(request), quietContext)
  if (allowed === undefined || allowed === false || allowed.length === 0) return quiet
  const hosts = new Set(allowed.map((host) => host.toLowerCase()))
  return (request: HttpClientRequest.HttpClientRequest) => {
    const url = HttpClientRequest.toUrl(request)
    return Option.isSome(url) && hosts.has(url.value.host) ? execute(request) : quiet(request)
  }
}

export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  replayable: boolean
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** A transport failure worth another attempt: not a connection that could not be made (`transient.isConnectFailure`). */
const isRetryableTransport = (error: HttpClientError.HttpClientError): boolean =>
  error.reason._tag === "TransportError" && !transient.isConnectFailure(error)

/** The kind of a client failure, as Effect 3 named it (`Transport`, `Encode`, `InvalidUrl`, `StatusCode`, `Decode`, `EmptyBody`). */
export const failureKind = (error: HttpClientError.HttpClientError): string => error.reason._tag.replace(/Error$/, "")

/**
 * A client failure fit for an error's detail: its description (scrubbed), else
 * its kind, with the native error code of its cause when there is one
 * (`Transport (ECONNREFUSED)`), so that a refused or unknown host says so.
 */
export const failureDetail = (error: HttpClientError.HttpClientError): string => {
  const description = error.reason.description
  const code = transient.errorCode(error)
  if (description === undefined) return code === undefined ? failureKind(error) : transportText(code)
  const text = secrets.scrub(description, 200)
  return code === undefined || text.includes(code) ? text : `${text} (${code})`
}

/**
 * The one retry step: sends, and while the request can be sent again, retries
 * transport failures (not a connection that could not be made) and transient statuses (408, 429, 5xx) on the policy's
 * `Schedule`, each wait at least the server's `Retry-After`. `Retrying` is
 * emitted, and the refused answer's body discarded (bounded), only when a retry
 * follows; the last transient answer is returned as it is. Built once: the
 * warm path costs one `execute` and a status check.
 */
export const makeSender = (client: HttpClient.HttpClient, options: SenderOptions): Send => {
  const execute = propagating(client, options.tracePropagation)
  const step = makeRetryStep(options)
  return (request, replayable) => step(execute(request), request, replayable)
}

/**
 * The retry step over one request's `sent` effect (run again for each attempt):
 * the loop of `makeSender`, for a client's `transform` as well.
 */
export const makeRetryStep = (options: Omit<SenderOptions, "tracePropagation">) => {
  const timeout = options.timeout
  const timed = (sent: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>, request: HttpClientRequest.HttpClientRequest) =>
    timeout === undefined
      ? sent
      : sent.pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () =>
              Effect.fail(
                new HttpClientError.HttpClientError({
                  reason: new HttpClientError.TransportError({ request, description: `no response within ${Duration.format(timeout)}` })
                })
              )
          })
        )
  const classify = (request: HttpClientRequest.HttpClientRequest, response: HttpClientResponse.HttpClientResponse) =>
    transient.isTransient(response)
      ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(new Transient(request, { response }, transient.parseRetryAfter(response.headers["retry-after"], now)))
        )
      : Effect.succeed(response)
  const attempt = (
    sent: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Transient | HttpClientError.HttpClientError> =>
    Effect.matchEffect(timed(sent, request), {
      onFailure: (error) => Effect.fail(isRetryableTransport(error) ? new Transient(request, { error }, Option.none()) : error),
      onSuccess: (response) => classify(request, response)
    })
  const schedule = retryLoop.schedule<Transient | HttpClientError.HttpClientError>({
    policy: options.policy,
    isRetryable: (e) => e instanceof Transient,
    retryAfter: (e) => (e instanceof Transient ? e.retryAfter : Option.none()),
    onRetry: (e) =>
      e instanceof Transient
        ? Effect.andThen(
            "response" in e.outcome ? discard(e.outcome.response) : Effect.void,
            options.emit(AuthEvent.Retrying({ target: redactUrl(e.request.url), reason: e.reason }))
          )
        : Effect.void
  })
  const unwrap = (e: Transient | HttpClientError.HttpClientError) =>
    e instanceof Transient
      ? "response" in e.outcome ? Effect.succeed(e.outcome.response) : Effect.fail(e.outcome.error)
      : Effect.fail(e)
  return (
    sent: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
    const once = attempt(sent, request)
    return replayable ? retryLoop.afterFirstFailure(once, () => once, schedule, unwrap) : Effect.catch(once, unwrap)
  }
}

export { BodyTooLarge }
