/**
 * Rate-limit information a registry sends, as data: Docker Hub's
 * `ratelimit-limit` / `ratelimit-remaining` (`100;w=21600`),
 * `docker-ratelimit-source`, and `retry-after` on any 429 or 503.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * A quota: `amount` requests per `window`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Quota {
  readonly amount: number
  readonly window: Option.Option<Duration.Duration>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: Option.Option<Quota>
  readonly remaining: Option.Option<Quota>
  /** Who the limit is counted against (an IP address or an account). */
  readonly source: Option.Option<string>
  /** How long to wait, from `retry-after`. */
  readonly retryAfter: Option.Option<Duration.Duration>
}

/**
 * Reads `100;w=21600` (RFC 9331 style: amount, then parameters).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseQuota = (value: string | undefined): Option.Option<Quota> => {
  if (value === undefined) return Option.none()
  const [amount, ...params] = value.split(";").map((part) => part.trim())
  if (amount === undefined || !/^\d+$/.test(amount)) return Option.none()
  const window = params.map((p) => /^w=(\d+)$/.exec(p)).find((m) => m !== null)
  return Option.some({ amount: Number(amount), window: window ? Option.some(Duration.seconds(Number(window[1]))) : Option.none() })
}

/**
 * The rate-limit data of a response's headers (platform or web `Headers`);
 * `None` when it carries none.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHeaders = (
  headers: globalThis.Headers | Readonly<Record<string, string | undefined>>,
  nowMillis: number
): Option.Option<RateLimit> => {
  const get = (name: string): string | undefined =>
    headers instanceof globalThis.Headers ? (headers.get(name) ?? undefined) : headers[name]
  const rateLimit: RateLimit = {
    limit: parseQuota(get("ratelimit-limit")),
    remaining: parseQuota(get("ratelimit-remaining")),
    source: Option.fromUndefinedOr(get("docker-ratelimit-source")),
    retryAfter: Unstable.parseRetryAfter(get("retry-after"), nowMillis)
  }
  return Option.isNone(rateLimit.limit) && Option.isNone(rateLimit.remaining) && Option.isNone(rateLimit.source) &&
      Option.isNone(rateLimit.retryAfter)
    ? Option.none()
    : Option.some(rateLimit)
}
