import * as Option from "effect/Option"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

/**
 * The one private seam of effect/http the runtime relies on: a response wrapper
 * forwards the web `Response` underneath it through this method, which
 * `HttpClientResponse.toWeb` reads (the platform's own wrappers do the same; the
 * key is internal to effect). Our `SanitizedResponse` forwards it, so that
 * `toWeb` sees through it. `test/PlatformSeams.test.ts` pins it, so an effect
 * release that renames the key fails there, not in users' hands.
 */
export const WebSourceKey = "~effect/http/HttpClientResponse/WebSource"

/** The web `Response` a fetch transport's response wraps, under our own wrapper too. */
export const nativeResponse = (response: HttpClientResponse.HttpClientResponse): Response | undefined =>
  Option.getOrUndefined(HttpClientResponse.toWeb(response))
