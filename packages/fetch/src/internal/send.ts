import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientError from "effect/http/HttpClientError"
import type { HttpClientResponse } from "effect/http"
import { AuthEvent, Retry } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Budget, RegistryTimeout } from "./timeout.js"

/**
 * Sends a request within its budget; `replayable` says whether its body can be
 * sent again.
 */
export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  replayable: boolean,
  budget: Budget
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | RegistryTimeout>

export interface SendOptions {
  readonly policy: Retry.Policy
  readonly emit: AuthEvent.Emitter
  /** Time one attempt waits for its response headers, in milliseconds (`Infinity`: the transport's own). */
  readonly responseTimeoutMillis: number
  readonly tracePropagation?: boolean | ReadonlyArray<string> | undefined
}

/** A failed attempt, and whether (and when) it is worth another. */
class Failed {
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly budget: Budget,
    readonly outcome:
      | { readonly response: HttpClientResponse.HttpClientResponse }
      | { readonly error: HttpClientError.HttpClientError }
      | { readonly timeout: number },
    readonly retryable: boolean,
    readonly retryAfter: Option.Option<Duration.Duration>,
    /** How long the attempt took, in milliseconds: the time the next one is given at least. */
    readonly took: number,
    /** The attempt's number in its exchange, from 1. */
    readonly attempt: number
  ) {}
  get reason(): string {
    const outcome = this.outcome
    return "response" in outcome
      ? `HTTP ${outcome.response.status}`
      : "error" in outcome
      ? "transport error"
      : `no response headers within ${Duration.format(Duration.millis(outcome.timeout))}`
  }
}

/**
 * The runtime's retry step, within each request's deadline: it sends, and
 * while the request can be sent again, retries transport failures (not a
 * connection that could not be made), attempts without response headers within
 * the response timeout, and transient statuses (408, 429, 5xx) on the policy's
 * `Schedule`, each wait at least the server's `Retry-After`. A retry is made only
 * when, after its delay, the deadline leaves it at least as long as the failed
 * attempt took; otherwise the last answer is returned as it is (a response), or
 * its failure (`RegistryTimeout` for an attempt that timed out). Each attempt
 * waits for its headers at most the response timeout, and never past the
 * deadline (`RegistryTimeout`, bound `deadline`). A streamed body (an upload of
 * unknown length) is sent untimed: its answer comes when the whole body is
 * sent. `Retrying` is emitted, and a refused answer's body discarded (bounded),
 * only when a retry follows. The warm path: one attempt, one timer, a status
 * check.
 */
export const makeSend = (client: HttpClient.HttpClient, options: SendOptions): Send => {
  const execute = Unstable.propagating(client, options.tracePropagation)
  const responseTimeout = options.responseTimeoutMillis

  const attempt = (
    request: HttpClientRequest.HttpClientRequest,
    budget: Budget,
    number: number
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failed | HttpClientError.HttpClientError | RegistryTimeout> =>
    Effect.clockWith((clock) => {
      const start = clock.currentTimeMillisUnsafe()
      const left = budget.deadlineAt - start
      budget.waiting = "headers"
      budget.subject = request
      if (left <= 0) return Effect.fail(budget.timedOut("deadline", number))
      const bound = request.body._tag === "Stream" ? Infinity : Math.min(responseTimeout, left)
      const sent = bound === Infinity
        ? execute(request)
        : Effect.timeoutOrElse(execute(request), {
          duration: bound,
          orElse: () =>
            Effect.fail(
              bound < left
                ? new Failed(request, budget, { timeout: bound }, true, Option.none(), bound, number)
                : budget.timedOut("deadline", number)
            )
        })
      return Effect.matchEffect(sent, {
        onFailure: (error) =>
          Effect.fail(
            HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError"
              ? new Failed(request, budget, { error }, !Unstable.isConnectFailure(error), Option.none(), clock.currentTimeMillisUnsafe() - start, number)
              : error
          ),
        onSuccess: (response) => {
          if (!Unstable.isTransient(response)) return Effect.succeed(response)
          const now = clock.currentTimeMillisUnsafe()
          const retryAfter = Unstable.parseRetryAfter(response.headers["retry-after"], now)
          return Effect.fail(new Failed(request, budget, { response }, true, retryAfter, now - start, number))
        }
      })
    })

  const schedule = Unstable.retrySchedule<Failed | HttpClientError.HttpClientError | RegistryTimeout>({
    policy: options.policy,
    isRetryable: (input) => input instanceof Failed && input.retryable,
    retryAfter: (input) => (input instanceof Failed ? input.retryAfter : Option.none()),
    // The next attempt only if the deadline leaves it, after its delay, as long as the last one took.
    continueIf: ({ duration, input, now }) =>
      input instanceof Failed && now + Duration.toMillis(duration) + Math.max(1, input.took) <= input.budget.deadlineAt,
    onRetry: (input) =>
      input instanceof Failed
        ? Effect.andThen(
          "response" in input.outcome ? Unstable.discard(input.outcome.response) : Effect.void,
          options.emit(AuthEvent.AuthEvent.Retrying({ target: Unstable.redactUrl(input.request.url), reason: input.reason }))
        )
        : Effect.void
  })

  const unwrap = (
    e: Failed | HttpClientError.HttpClientError | RegistryTimeout
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | RegistryTimeout> => {
    if (!(e instanceof Failed)) return Effect.fail(e)
    const outcome = e.outcome
    if ("response" in outcome) return Effect.succeed(outcome.response)
    if ("error" in outcome) return Effect.fail(outcome.error)
    e.budget.waiting = "headers"
    e.budget.subject = e.request
    return Effect.fail(e.budget.timedOut("responseTimeout", e.attempt))
  }

  return (request, replayable, budget) => {
    const first = attempt(request, budget, 1)
    if (!replayable) return Effect.catch(first, unwrap)
    return Unstable.afterFirstFailure(first, (number) => attempt(request, budget, number), schedule, unwrap)
  }
}
