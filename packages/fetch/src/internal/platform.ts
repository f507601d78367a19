import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"

/**
 * The one place the runtime reads @effect/platform's private fields: the web
 * `Response` a `FetchHttpClient` response wraps (its `source`), underneath our
 * own `SanitizedResponse` (`original`). `test/PlatformSeams.test.ts` pins it, so
 * a platform release that renames the field fails there, not in users' hands.
 */
export const nativeResponse = (response: HttpClientResponse.HttpClientResponse): Response | undefined => {
  let current: unknown = response
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { original, source } = current as { readonly original?: unknown; readonly source?: unknown }
    if (source instanceof Response) return source
    current = original
  }
  return undefined
}
