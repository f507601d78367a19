import * as HttpBody from "effect/http/HttpBody"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpMethod } from "effect/http"
import * as Stream from "effect/Stream"

/** A header name as `Headers` keeps it (a lower-case token), and a value it keeps as it is (visible ASCII, no edge spaces). */
const plainName = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
const plainValue = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/

/**
 * A record of headers `new Headers(record)` would keep unchanged, as the sorted
 * record it would give (what `Object.fromEntries(headers)` returns); undefined
 * for anything else (upper-case or repeated names, values it would trim or
 * refuse, non-strings, symbol keys), which goes through `Headers` itself.
 */
const plainHeaders = (init: HeadersInit | undefined): Record<string, string> | undefined => {
  if (init === undefined) return {}
  if (typeof init !== "object" || init === null) return undefined
  const proto = Object.getPrototypeOf(init)
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(init).length > 0) return undefined
  const names = Object.keys(init)
  const record = init as Record<string, unknown>
  for (const name of names) {
    const value = record[name]
    if (typeof value !== "string" || !plainName.test(name) || !plainValue.test(value) || name === "__proto__") return undefined
  }
  if (names.length > 1) names.sort()
  const out: Record<string, string> = {}
  for (const name of names) out[name] = record[name] as string
  return out
}

/** The headers of a WHATWG request's input and init, as `fetch` would merge them (init's win), as a record. */
const headersOf = (base: Request | undefined, init: RequestInit | undefined): Record<string, string> => {
  if (base === undefined) {
    const plain = plainHeaders(init?.headers)
    if (plain !== undefined) return plain
  }
  const headers = new Headers(base?.headers)
  for (const [key, value] of new Headers(init?.headers)) headers.set(key, value)
  return Object.fromEntries(headers)
}

/** A WHATWG `fetch` call's arguments as the request the runtime executes. */
export const toRequest = (input: string | URL | Request, init: RequestInit | undefined): HttpClientRequest.HttpClientRequest => {
  const base = input instanceof Request ? input : undefined
  const url = base?.url ?? (input instanceof URL ? input.href : String(input))
  // Any method fetch accepts goes through (a request's method is a string).
  const method = (init?.method ?? base?.method ?? "GET").toUpperCase() as HttpMethod.HttpMethod
  const headers = headersOf(base, init)
  const rawBody = init?.body !== undefined ? init.body : base?.body
  // The caller's Content-Type is the body's: a body without one would drop the header.
  const contentType = headers["content-type"]
  let body: HttpBody.HttpBody = HttpBody.empty
  if (rawBody instanceof ReadableStream) {
    body = HttpBody.stream(
      Stream.fromReadableStream({ evaluate: () => rawBody as ReadableStream<Uint8Array>, onError: (error) => error }),
      contentType
    )
  } else if (rawBody !== null && rawBody !== undefined) {
    body = HttpBody.raw(rawBody, { contentType })
  }
  return HttpClientRequest.make(method)(url, { headers, body })
}
