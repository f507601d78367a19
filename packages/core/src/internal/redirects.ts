/** The one redirect step of the token exchange and the runtime. */
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AuthEvent } from "../AuthEvent.js"
import { redactUrl } from "./errorBody.js"
import { discard, withoutCredentials } from "./http.js"
import * as secrets from "./secrets.js"

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

