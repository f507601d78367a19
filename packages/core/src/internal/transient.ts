/** Which answers are worth another attempt, and when: the one rule of the token exchange and the registry runtime. */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type * as HttpClientError from "effect/http/HttpClientError"
import { BAD_PORT, transportCause } from "./transportFailure.js"

/**
 * The statuses that are worth retrying.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransientStatus = (status: number): boolean =>
  status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504

/**
 * Whether an answer is worth retrying: a transient status, except a `429` that
 * says its quota is spent (`ratelimit-remaining: 0`, Docker Hub's pull limit):
 * that quota comes back with its window (hours), not within a retry's seconds,
 * so the answer is returned at once (`filterStatusOk` types it `RateLimited`).
 *
 * @since 1.0.0
 * @category predicates
 */
export const isTransient = (response: {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
}): boolean =>
  isTransientStatus(response.status) &&
  !(response.status === 429 && /^\s*0\s*(?:[;,]|$)/.test(response.headers["ratelimit-remaining"] ?? ""))

/**
 * Reads a `Retry-After` value: delta-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`), relative to `nowMillis`. A date in the past
 * is a zero delay; anything else is `None`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseRetryAfter = (value: string | null | undefined, nowMillis: number): Option.Option<Duration.Duration> => {
  if (value == null) return Option.none()
  const text = value.trim()
  if (/^\d{1,10}$/.test(text)) return Option.some(Duration.seconds(Number(text)))
  // IMF-fixdate, RFC 850 and asctime all start with a letter; reject bare numbers with signs or dots.
  if (!/^[A-Za-z]/.test(text)) return Option.none()
  const at = Date.parse(text)
  if (Number.isNaN(at)) return Option.none()
  return Option.some(Duration.millis(Math.max(0, at - nowMillis)))
}

/**
 * Native error codes of a connection that could not be made, or not securely:
 * a retry within the seconds a schedule waits does not change them, so they
 * surface at once. Node's (`ECONNREFUSED`, …; TLS to a plain-HTTP server,
 * certificates that do not verify) and Bun's and Deno's (`ConnectionRefused`).
 */
const CONNECT_FAILURES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_NONAME",
  "ConnectionRefused",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/** The first native error `code` in a transport failure's `cause` chain (`ECONNREFUSED`, `ENOTFOUND`, …), if any. */
export const errorCode = (error: HttpClientError.HttpClientError): string | undefined => transportCause(error.reason.cause).code

/**
 * Whether a transport failure is a connection that could not be made: never
 * retried, by the runtime or the token exchange.
 */
export const isConnectFailure = (error: HttpClientError.HttpClientError): boolean => {
  const { code, detail } = transportCause(error.reason.cause)
  return code === undefined ? detail === BAD_PORT : CONNECT_FAILURES.has(code)
}
