/**
 * Error bodies and URLs as the SDK repeats them: the OCI error document's
 * entries, a refusal's reason whatever its body's shape, a URL reduced to origin
 * and path. Every server word scrubbed of the secrets the SDK sent.
 */
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readTextCapped } from "./body.js"
import * as secrets from "./secrets.js"
import * as tokenRefusal from "./tokenRefusal.js"

/**
 * One entry of an OCI error body: `{"errors":[{"code","message","detail"}]}`.
 *
 * @since 0.1.0
 * @category models
 */
export const ErrorEntry = Schema.Struct({
  code: Schema.String,
  message: Schema.String.pipe(Schema.withDecodingDefault(Effect.succeed(""))),
  detail: Schema.optional(Schema.Unknown)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorEntry = typeof ErrorEntry.Type

const ErrorDocument = Schema.fromJsonString(Schema.Struct({ errors: Schema.Array(ErrorEntry) }))
const decodeErrorDocument = Schema.decodeUnknownOption(ErrorDocument)

/**
 * The entries of an OCI error document (`{"errors":[…]}`); none when the text
 * is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeErrorEntries = (text: string): ReadonlyArray<ErrorEntry> =>
  Option.match(decodeErrorDocument(text), {
    onNone: () => [],
    onSome: (document) =>
      document.errors.slice(0, MAX_ERROR_ENTRIES).map((entry) => ({
        code: secrets.scrub(entry.code, 64),
        message: secrets.scrub(entry.message),
        ...(entry.detail === undefined ? {} : { detail: scrubDetail(entry.detail, 0) })
      }))
  })

const MAX_ERROR_ENTRIES = 16

/** Server-supplied detail, every string scrubbed of the secrets the SDK sent, depth and breadth bounded. */
const scrubDetail = (value: unknown, depth: number): unknown => {
  if (typeof value === "string") return secrets.scrub(value)
  if (typeof value !== "object" || value === null) return value
  if (depth >= 4) return "…"
  if (Array.isArray(value)) return value.slice(0, 16).map((item) => scrubDetail(item, depth + 1))
  const out: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(value).slice(0, 16)) {
    out[secrets.scrub(key, 64)] = scrubDetail((value as Record<string, unknown>)[key], depth + 1)
  }
  return out
}

/**
 * Reads an error response's body, at most `limit` bytes (default 64 KiB) within
 * `timeout` (default 5 s), and its OCI error entries, scrubbed of any secret the
 * SDK sent. A body that is larger, slower, or cannot be read counts as empty:
 * error bodies never cost unbounded memory or time.
 *
 * @since 0.1.0
 * @category parsing
 */
export const readErrorBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit = 64 * 1024,
  timeout: Duration.Input = Duration.seconds(5)
): Effect.Effect<{ readonly text: string; readonly errors: ReadonlyArray<ErrorEntry> }> =>
  readTextCapped(response, limit).pipe(
    Effect.timeout(timeout),
    Effect.orElseSucceed(() => ""),
    Effect.map((text) => ({ text, errors: decodeErrorEntries(text) }))
  )

/**
 * A server's reason for a refusal, whatever its body's shape: OCI `errors`
 * (code: message, the first three), `{"details": …}` (auth.docker.io), an OAuth2
 * `error_description` / `error`, a `message`, or a plain-text body's first line;
 * scrubbed of the secrets the SDK sent and bounded. `undefined` for an empty body
 * or an HTML page. It is what `TokenRequestError.detail` says.
 *
 * @since 1.0.0
 * @category parsing
 */
export const refusalReason = (text: string): string | undefined => tokenRefusal.reasonOf(text, decodeErrorEntries(text))

/**
 * Reduces a URL to its origin and path: no userinfo, no query, no fragment. Used
 * wherever a URL goes into an error or a log line, so that a secret carried in a
 * query string or userinfo never leaks.
 *
 * @since 0.1.0
 * @category utils
 */
export const redactUrl = (url: string | URL): string => {
  try {
    const parsed = typeof url === "string" ? new URL(url) : url
    return secrets.scrub(`${parsed.protocol}//${parsed.host}${parsed.pathname}`)
  } catch {
    return "<invalid url>"
  }
}
