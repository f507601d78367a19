/**
 * The HTTP steps the token exchange and the registry runtime share, so that
 * both follow one set of rules: one retry step (transport failures and 408, 429,
 * 5xx on a bounded `Schedule`, `Retry-After` honoured, `Retrying` emitted only
 * when a retry follows), one redirect step (credential headers only to the same
 * origin, never https → http, bounded hops), and bounded discards of bodies the
 * SDK does not hand out.
 *
 * @since 0.2.0
 */
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Duration, Effect } from "effect"
import type { AuthEvent } from "./AuthEvent.js"
import * as internal from "./internal/http.js"
import * as realm from "./internal/realm.js"
import * as secrets from "./internal/secrets.js"
import type * as Retry from "./Retry.js"

/**
 * Headers that carry a credential (`Authorization`, `Proxy-Authorization`,
 * `Cookie`, `X-Registry-Auth`): none follows a redirect to another origin.
 *
 * @since 0.2.0
 * @category constants
 */
export const credentialHeaders: ReadonlyArray<string> = internal.CREDENTIAL_HEADERS

/**
 * The request without any credential header.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withoutCredentials: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest =
  internal.withoutCredentials

/**
 * The request without `Authorization` (other headers kept).
 *
 * @since 0.2.0
 * @category combinators
 */
export const withoutAuthorization: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest =
  internal.withoutAuthorization

/**
 * @since 0.2.0
 * @category models
 */
export interface BodyLimits {
  readonly maxBytes: number
  readonly timeout: Duration.Duration
}

/**
 * Whether an answer has no body to read: the answer to a HEAD, a 204 or a 304
 * (platform's `stream` fails with `EmptyBody` on them).
 *
 * @since 0.2.0
 * @category predicates
 */
export const hasNoBody: (response: HttpClientResponse.HttpClientResponse) => boolean = internal.hasNoBody

/**
 * Discards a body the SDK will not hand out, reading at most `maxBytes` (default
 * 64 KiB) within `timeout` (default 2 s). Never fails, never hangs.
 *
 * @since 0.2.0
 * @category combinators
 */
export const discard: (response: HttpClientResponse.HttpClientResponse, limits?: BodyLimits) => Effect.Effect<void> = internal.discard

/**
 * @since 0.2.0
 * @category models
 */
export interface SenderOptions {
  readonly policy: Retry.Policy
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
  /** Time allowed for the response headers of one attempt; none when left out (the transport's own). */
  readonly timeout?: Duration.Duration | undefined
  /**
   * Which requests carry the tracer's propagation headers (`traceparent`, `b3`):
   * none by default, all with `true`, or those to the hosts (`host[:port]`) listed.
   */
  readonly tracePropagation?: boolean | ReadonlyArray<string> | undefined
}

/**
 * Sends a request; `replayable` says whether its body can be sent again.
 *
 * @since 0.2.0
 * @category models
 */
export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  replayable: boolean
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/**
 * The retry step over a client: built once, applied to every request.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeSender: (client: HttpClient.HttpClient, options: SenderOptions) => Send = internal.makeSender

/**
 * The client's `execute`, sending the tracer's propagation headers (`traceparent`,
 * `b3`) only where `allowed` says: none by default, all with `true`, or the
 * hosts (`host[:port]`) listed. The one rule for every sender of a request.
 *
 * @since 1.0.0
 * @category steps
 */
export const propagating: (
  client: HttpClient.HttpClient,
  allowed: SenderOptions["tracePropagation"]
) => (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =
  internal.propagating

/**
 * @since 0.2.0
 * @category models
 */
export interface RedirectOptions<E> {
  readonly maxRedirects: number
  /** `strip`: follow, without credential headers; `reject`: a redirect to another origin is an error. */
  readonly crossOrigin: "strip" | "reject"
  readonly replayable: boolean
  readonly send: (request: HttpClientRequest.HttpClientRequest, replayable: boolean) => Effect.Effect<HttpClientResponse.HttpClientResponse, E>
  readonly reject: (from: string, to: string, reason: string) => E
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
}

/**
 * A body read whole as UTF-8 text: at most `limits.maxBytes` bytes, and within
 * `limits.timeout`; a longer or slower body fails (`BodyTooLarge`,
 * `BodyTimeout`) without being read further.
 *
 * @since 0.3.0
 * @category utils
 */
export const readText: (
  response: HttpClientResponse.HttpClientResponse,
  limits: BodyLimits
) => Effect.Effect<
  string,
  | { readonly _tag: "BodyTooLarge"; readonly limit: number }
  | { readonly _tag: "BodyTimeout"; readonly timeout: Duration.Duration }
  | HttpClientError.HttpClientError
> = internal.readText

/**
 * Whether the redirect step follows this response: a 3xx other than 304, with a
 * `Location`.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isRedirect: (response: HttpClientResponse.HttpClientResponse) => boolean = internal.isRedirect

/**
 * The redirect step.
 *
 * @since 0.2.0
 * @category combinators
 */
export const followRedirects: <E>(
  first: HttpClientResponse.HttpClientResponse,
  request: HttpClientRequest.HttpClientRequest,
  options: RedirectOptions<E>
) => Effect.Effect<HttpClientResponse.HttpClientResponse, E> = internal.followRedirects

/**
 * Whether `url` may receive credentials over plain HTTP: its host is loopback
 * (by address, in any IPv4/IPv6 form, or by name) or one the user declared
 * insecure. The one rule for registries and realms alike.
 *
 * @since 0.2.0
 * @category predicates
 */
export const mayUsePlainHttp: (url: URL | string, insecure?: ReadonlySet<string> | ReadonlyArray<string>) => boolean =
  realm.mayUsePlainHttp

/**
 * Server text fit to repeat in an error or an event: every secret the SDK has
 * sent (passwords, tokens, `user:password`) in every form `redact` knows
 * replaced by `<redacted>`, C0 and C1 control characters (U+0000–U+001F,
 * U+007F–U+009F) dropped, length bounded.
 *
 * @since 0.2.0
 * @category utils
 */
export const scrub: (text: string, maxLength?: number) => string = secrets.scrub

/**
 * Every form of every secret the SDK has sent, and of `secrets`, replaced by
 * `<redacted>`; nothing else changed (no bound, line breaks kept): for text
 * printed whole, such as a transcript. The forms: raw; JSON-escaped; base64
 * (padded or not, base64url, and the base64 runs of the secret inside a longer
 * encoded text, as in `Basic base64(user:password)`); percent-encoded (upper- or
 * lower-case hex, JavaScript's or strict RFC 3986); form-encoded. Give the
 * `user:password` pair of a Basic credential too (`Credential.secrets` does).
 *
 * Apply it to server text before encoding it (JSON, a transcript), and to the
 * result as well.
 *
 * @since 0.2.0
 * @category utils
 */
export const redact: (text: string, secrets?: Iterable<string>) => string = secrets.redact
