import type { HttpClientRequest } from "effect/http"
import { RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Duration from "effect/Duration"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
/** The deadline of a request when none is given: everything before its response is handed out. */
export const DEFAULT_DEADLINE: Duration.Duration = Duration.seconds(30)
/** The time one attempt waits for its response headers when none is given. */
export const DEFAULT_RESPONSE_TIMEOUT: Duration.Duration = Duration.seconds(10)

const format = (millis: number): string => Duration.format(Duration.millis(millis))

/**
 * A registry request that got no answer in time: the deadline of the request
 * passed (`bound: "deadline"`), or its last attempt got no response headers
 * within the response timeout and no retry was left, or none could finish
 * before the deadline (`bound: "responseTimeout"`). It holds no secret: the
 * URLs are reduced to origin and path.
 */
export class RegistryTimeout extends Schema.TaggedError<RegistryTimeout>("@ociauth/fetch/RegistryTimeout")(
  "RegistryTimeout",
  {
    /** The request's method. */
    method: Schema.String,
    /** The request's URL, reduced to origin and path. */
    url: Schema.String,
    /** What the runtime was waiting for when the time ran out (no secret). */
    waitingFor: Schema.String,
    /** Which bound ran out. */
    bound: Schema.Literals(["deadline", "responseTimeout"]),
    /** The request's deadline, in milliseconds. */
    deadlineMillis: Schema.Number,
    /** The response timeout of one attempt, in milliseconds. */
    responseTimeoutMillis: Schema.Number,
    /** Attempts made of the exchange that timed out. */
    attempts: Schema.Number
  }
) {
  /** A registry error: `RegistryError.isRegistryError` recognises it, and the façade rejects with it as it is. */
  readonly [Unstable.RegistryErrorTypeId] = Unstable.RegistryErrorTypeId
  override get message(): string {
    const tries = this.attempts === 1 ? "1 attempt" : `${this.attempts} attempts`
    return this.bound === "deadline"
      ? `${this.method} ${this.url} timed out: its deadline of ${format(this.deadlineMillis)} passed while waiting for ${this.waitingFor}`
      : `${this.method} ${this.url} timed out: no response headers within the response timeout of ${format(this.responseTimeoutMillis)} (${tries}, within the deadline of ${format(this.deadlineMillis)}) while waiting for ${this.waitingFor}`
  }
}

/** What a request is waiting for, kept as plain fields: setting it on the warm path allocates nothing. */
export type Waiting = "headers" | "token" | "challenge"

/**
 * The time left to one request: its deadline (the Clock's epoch millis; `Infinity`
 * for none) and what it is waiting for, for the message of its timeout.
 */
export class Budget {
  waiting: Waiting = "headers"
  /** A request (headers), a realm (token) or an API base (challenge). */
  subject: HttpClientRequest.HttpClientRequest | string | undefined = undefined
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly deadlineAt: number,
    readonly deadlineMillis: number,
    readonly responseTimeoutMillis: number
  ) {}

  describe(): string {
    const subject = this.subject
    switch (this.waiting) {
      case "headers":
        return `the response headers of ${Unstable.redactUrl(typeof subject === "object" ? subject.url : this.request.url)}`
      case "token":
        return typeof subject === "string" ? `a token from ${Unstable.redactUrl(subject)}` : "the registry's credentials"
      case "challenge":
        return `the registry's challenge for ${Unstable.redactUrl(typeof subject === "string" ? subject : this.request.url)}`
    }
  }

  timedOut(bound: "deadline" | "responseTimeout", attempts = 1): RegistryTimeout {
    return new RegistryTimeout({
      method: this.request.method,
      url: Unstable.redactUrl(this.request.url),
      waitingFor: this.describe(),
      bound,
      deadlineMillis: this.deadlineMillis,
      responseTimeoutMillis: this.responseTimeoutMillis,
      attempts
    })
  }
}

/**
 * `self`, failing with the request's `RegistryTimeout` when its deadline passes
 * first. No deadline (`Infinity`): `self` as it is.
 *
 * `self` starts at once in a fiber of its own; when it finishes without waiting
 * (the engine answering from its memory), its result is taken as it is: no
 * timer is set and nothing is raced. Only a `self` that waits is raced against
 * the time left; it is interrupted when the deadline passes, or when the
 * request is.
 */
export const within = <A, E, R>(budget: Budget, self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RegistryTimeout, R> =>
  budget.deadlineAt === Infinity
    ? self
    : Effect.withFiber((parent) => {
      const left = budget.deadlineAt - parent.getRef(Clock.Clock).currentTimeMillisUnsafe()
      if (left <= 0) return Effect.fail(budget.timedOut("deadline"))
      const child = Effect.runForkWith(parent.context as Context.Context<R>)(self)
      const done = child.pollUnsafe()
      if (done !== undefined) return done
      return Effect.onInterrupt(
        Effect.timeoutOrElse(Fiber.join(child), {
          duration: left,
          orElse: () => Effect.andThen(Fiber.interrupt(child), Effect.fail(budget.timedOut("deadline")))
        }),
        () => Fiber.interrupt(child)
      )
    })

/** A registry error, this package's `RegistryTimeout` included (it carries the registry errors' type id). */
export const isRegistryFailure = (u: unknown): u is RegistryError.RegistryError | RegistryTimeout => RegistryError.isRegistryError(u)
