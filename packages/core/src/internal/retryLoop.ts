/**
 * The one retry loop: the schedule a retry policy makes (stretched to
 * `Retry-After`, bounded by `maxRetryAfter`, and by a deadline when the caller
 * has one) and the driver that starts it only after a first failure. The token
 * exchange's sender, `Retry.make` and the registry runtime's deadline-aware
 * sender all run it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { RetryOptions } from "../Retry.js"

export interface LoopOptions<E> extends RetryOptions<E> {
  /**
   * Whether the next attempt is still worth making once its delay is known (a
   * deadline: `now` plus the delay plus what the last attempt took); every
   * attempt when left out.
   */
  readonly continueIf?: ((step: { readonly input: E; readonly duration: Duration.Duration; readonly now: number }) => boolean) | undefined
}

/**
 * The policy's `Schedule` over the failures `isRetryable` accepts: each delay at
 * least the failure's `Retry-After`, a longer wait than `maxRetryAfter` ends the
 * retries, `continueIf` may end them, and `onRetry` runs only when a retry follows.
 */
export const schedule = <E>(options: LoopOptions<E>): Schedule.Schedule<unknown, E> => {
  const onRetry = options.onRetry
  const retryAfter = options.retryAfter
  const maxRetryAfter = options.policy.maxRetryAfter
  const policy: Schedule.Schedule<unknown, E> = options.policy.schedule
  const base = policy.pipe(
    Schedule.while(({ input }) =>
      options.isRetryable(input) &&
      Option.match(retryAfter(input), {
        onNone: () => true,
        onSome: (wait) => Duration.isLessThanOrEqualTo(wait, maxRetryAfter)
      })
    ),
    Schedule.modifyDelay(({ duration, input }) =>
      Effect.succeed(Option.match(retryAfter(input), { onNone: () => duration, onSome: (wait) => Duration.max(wait, duration) }))
    )
  )
  const continueIf = options.continueIf
  const bounded = continueIf === undefined ? base : Schedule.while(base, continueIf)
  // `tap` runs only when the step continues: a failure that ends the retries is not reported.
  return onRetry === undefined ? bounded : Schedule.tap(bounded, ({ input }) => onRetry(input))
}

/**
 * `first`, and after its failure the retries on `policy`, attempt `n` (from 2)
 * being `next(n)`: the driver starts only after a first failure, which it is fed as
 * its first input, so the warm path pays for one attempt and nothing else. What
 * fails in the end goes to `unwrap`.
 */
export const afterFirstFailure = <A, E, E2, R>(
  first: Effect.Effect<A, E, R>,
  next: (attempt: number) => Effect.Effect<A, E, R>,
  policy: Schedule.Schedule<unknown, E>,
  unwrap: (e: E) => Effect.Effect<A, E2, R>
): Effect.Effect<A, E2, R> =>
  Effect.catch(first, (failure) => {
    let attempts = 1
    let fed = false
    const again = Effect.suspend(() => {
      if (fed) return next(++attempts)
      fed = true
      return Effect.fail(failure)
    })
    return Effect.catch(Effect.retry(again, policy), unwrap)
  })
