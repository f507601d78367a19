/** The `RateLimited` error of a 429 answer. */
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { RateLimited } from "../RegistryError.js"
import { readErrorBody, redactUrl } from "./errorBody.js"
import * as rateLimit from "./rateLimit.js"

/**
 * The `RateLimited` error of a `429` answer (status, headers, body text as
 * read); `None` for any other status. The body's words are scrubbed of the
 * secrets the SDK sent.
 *
 * @since 1.0.0
 * @category constructors
 */
export const rateLimitedFrom = (input: {
  readonly url: string | URL
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly text: string
  readonly nowMillis: number
  readonly authenticated?: boolean | undefined
}): Option.Option<RateLimited> =>
  Option.map(rateLimit.fieldsOf({ ...input, url: redactUrl(input.url) }), (fields) => new RateLimited(fields))
/**
 * Reads a `429` response (its body up to 64 KiB within 5 s) into `RateLimited`;
 * `None` for any other status.
 *
 * @since 1.0.0
 * @category parsing
 */
export const readRateLimited = (
  response: HttpClientResponse.HttpClientResponse,
  options: { readonly authenticated?: boolean } = {}
): Effect.Effect<Option.Option<RateLimited>> =>
  response.status !== 429
    ? Effect.succeed(Option.none())
    : Effect.flatMap(readErrorBody(response), ({ text }) =>
      Effect.map(Clock.currentTimeMillis, (nowMillis) =>
        rateLimitedFrom({ url: response.request.url, status: response.status, headers: response.headers, text, nowMillis, authenticated: options.authenticated })))
