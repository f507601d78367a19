import * as Headers from "effect/http/Headers"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import { Clock, Duration, Effect, Option, Stream } from "effect"
import { AuthEvent } from "../AuthEvent.js"
import { redactUrl } from "../RegistryError.js"
import * as Retry from "../Retry.js"
import { BodyTooLarge, readTextCapped } from "./body.js"
import * as secrets from "./secrets.js"

/** Headers that carry a credential: none of them follows a redirect to another origin. */
export const CREDENTIAL_HEADERS: ReadonlyArray<string> = ["authorization", "proxy-authorization", "cookie", "x-registry-auth"]

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

/** The client's `execute`, with trace propagation headers only where they are allowed. */
export const propagating = (client: HttpClient.HttpClient, allowed: SenderOptions["tracePropagation"]) => {
  if (allowed === true) return client.execute
  const quiet = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.provideService(client.execute(request), HttpClient.TracerPropagationEnabled, false)
  if (allowed === undefined || allowed === false || allowed.length === 0) return quiet
  const hosts = new Set(allowed.map((host) => host.toLowerCase()))
  return (request: HttpClientRequest.HttpClientRequest) => {
    const url = HttpClientRequest.toUrl(request)
    return Option.isSome(url) && hosts.has(url.value.host) ? client.execute(request) : quiet(request)
  }
}

export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  replayable: boolean
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

const isTransport = (error: HttpClientError.HttpClientError): boolean => error.reason._tag === "TransportError"

/** The kind of a client failure, as Effect 3 named it (`Transport`, `Encode`, `InvalidUrl`, `StatusCode`, `Decode`, `EmptyBody`). */
export const failureKind = (error: HttpClientError.HttpClientError): string => error.reason._tag.replace(/Error$/, "")

/** A client failure fit for an error's detail: its description (scrubbed), else its kind. */
export const failureDetail = (error: HttpClientError.HttpClientError): string => {
  const description = error.reason.description
  return description === undefined ? failureKind(error) : secrets.scrub(description, 200)
}

/**
 * The one retry step: sends, and while the request can be sent again, retries
 * transport failures and transient statuses (408, 429, 5xx) on the policy's
 * `Schedule`, each wait at least the server's `Retry-After`. `Retrying` is
 * emitted, and the refused answer's body discarded (bounded), only when a retry
 * follows; the last transient answer is returned as it is. Built once: the
 * warm path costs one `execute` and a status check.
 */
export const makeSender = (client: HttpClient.HttpClient, options: SenderOptions): Send => {
  const timeout = options.timeout
  const execute = propagating(client, options.tracePropagation)
  const timed = (request: HttpClientRequest.HttpClientRequest) =>
    timeout === undefined
      ? execute(request)
      : execute(request).pipe(
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
    Retry.isTransient(response)
      ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(new Transient(request, { response }, Retry.parseRetryAfter(response.headers["retry-after"], now)))
        )
      : Effect.succeed(response)
  const attempt = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Transient | HttpClientError.HttpClientError> =>
    Effect.matchEffect(timed(request), {
      onFailure: (error) => Effect.fail(isTransport(error) ? new Transient(request, { error }, Option.none()) : error),
      onSuccess: (response) => classify(request, response)
    })
  const retrying = Retry.make<Transient | HttpClientError.HttpClientError>({
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
  return (request, replayable) => {
    const once = attempt(request)
    if (!replayable) return Effect.catch(once, unwrap)
    // The retry driver starts only after a first failure, which it is fed as its first input:
    // the warm path pays for one attempt and nothing else.
    return Effect.catch(once, (first) => {
      let replayed = false
      const again = Effect.suspend(() => {
        if (replayed) return once
        replayed = true
        return Effect.fail(first)
      })
      return Effect.catch(retrying(again), unwrap)
    })
  }
}

export interface RedirectOptions<E> {
  readonly maxRedirects: number
  /** `strip`: follow, without credential headers; `reject`: a redirect to another origin is an error. */
  readonly crossOrigin: "strip" | "reject"
  readonly replayable: boolean
  readonly send: (
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, E>
  readonly reject: (from: string, to: string, reason: string) => E
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
}

/**
 * The one redirect step: follows 3xx answers with a `Location` itself, never
 * https → http, only http(s), never to a URL with userinfo or holding a secret
 * the SDK sent, at most `maxRedirects`; credential headers only to
 * the same origin; 303 (and 301/302 after a POST) become a GET without body; the
 * body of each redirect is discarded within bounds.
 */
/** A redirect the redirect step follows: a 3xx other than 304, with a `Location`. */
export const isRedirect = (response: HttpClientResponse.HttpClientResponse): boolean =>
  response.status >= 300 && response.status <= 399 && response.status !== 304 && response.headers["location"] !== undefined

export const followRedirects = <E>(
  first: HttpClientResponse.HttpClientResponse,
  request: HttpClientRequest.HttpClientRequest,
  options: RedirectOptions<E>
): Effect.Effect<HttpClientResponse.HttpClientResponse, E> =>
  Effect.gen(function* () {
    let response = first
    let current = request
    let replayable = options.replayable
    for (let hops = 0; ; hops++) {
      if (!isRedirect(response)) return response
      const location = response.headers["location"]!
      const from = Option.getOrUndefined(HttpClientRequest.toUrl(current))
      let to: URL | undefined
      try {
        to = from === undefined ? undefined : new URL(location, from)
      } catch {
        to = undefined
      }
      const fromText = redactUrl(current.url)
      if (from === undefined || to === undefined) {
        yield* discard(response)
        return yield* Effect.fail(options.reject(fromText, "<invalid location>", "the Location header is not a URL"))
      }
      const toText = redactUrl(to)
      const reject = (reason: string) => Effect.andThen(discard(response), Effect.fail(options.reject(fromText, toText, reason)))
      if (to.protocol !== "https:" && to.protocol !== "http:") return yield* reject(`scheme ${to.protocol}`)
      if (from.protocol === "https:" && to.protocol !== "https:") return yield* reject("https → http downgrade")
      // A server that echoes the credential into a Location would have it sent on, in the clear of a URL.
      if (to.username !== "" || to.password !== "") return yield* reject("the Location carries userinfo")
      if (secrets.carries(location) || secrets.carries(to.href)) return yield* reject("the Location carries a credential the SDK sent")
      if (hops >= options.maxRedirects) return yield* reject(`more than ${options.maxRedirects} redirects`)
      const sameOrigin = to.origin === from.origin
      if (!sameOrigin && options.crossOrigin === "reject") return yield* reject("a redirect to another origin")
      const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === "POST")
      if (!toGet && !replayable && current.body._tag !== "Empty") return yield* reject("a streamed request body cannot be sent again")
      yield* discard(response)
      let next = HttpClientRequest.setUrl(current, to)
      if (toGet) {
        next = HttpClientRequest.setMethod(HttpClientRequest.setBody(next, HttpBody.empty), "GET")
        replayable = true
      }
      if (!sameOrigin) next = withoutCredentials(next)
      yield* options.emit(
        AuthEvent.Redirected({ from: fromText, to: toText, authorization: sameOrigin && current.headers["authorization"] !== undefined })
      )
      current = next
      response = yield* options.send(next, replayable)
    }
  })

export { BodyTooLarge }
