/**
 * Retry policy for transient failures (408, 429, 5xx, transport errors), shared by
 * the token exchange and the registry runtime: a bounded, jittered exponential
 * `Schedule` whose every delay is stretched to the server's `Retry-After`, in
 * either of its forms (delta-seconds or HTTP-date).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Option } from "effect"
import * as retryLoop from "./internal/retryLoop.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  /** The base schedule; its delays are stretched to `Retry-After`. */
  readonly schedule: Schedule.Schedule<unknown, unknown>
  /** A `Retry-After` longer than this is not waited for: the failure is returned. */
  readonly maxRetryAfter: Duration.Duration
}

/**
 * Exponential from 200 ms (×2) with jitter, at most 4 retries, none started after
 * 30 s; `Retry-After` honoured up to 60 s.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: Policy = {
  schedule: Schedule.exponential("200 millis", 2).pipe(
    Schedule.jittered,
    Schedule.upTo({ times: 4, duration: "30 seconds" })
  ),
  maxRetryAfter: Duration.seconds(60)
}

/**
 * A policy that never retries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const never: Policy = { schedule: Schedule.recurs(0), maxRetryAfter: Duration.zero }

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<E> {
  readonly policy: Policy
  readonly isRetryable: (error: E) => boolean
  readonly retryAfter: (error: E) => Option.Option<Duration.Duration>
  /** Runs when a retry is decided, before its delay: a failure that ends the retries is not reported. */
  readonly onRetry?: (error: E) => Effect.Effect<void>
}

/**
 * A retrier built once (its `Schedule` included) and applied to many effects:
 * it retries the failures `isRetryable` accepts, following the policy; each
 * delay is at least the failure's `Retry-After`, and a failure asking for a
 * longer wait than `maxRetryAfter` ends the retries at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E>(options: RetryOptions<E>): (<A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) => {
  const schedule = retryLoop.schedule(options)
  return (self) => Effect.retry(self, schedule)
}
