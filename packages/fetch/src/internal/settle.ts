import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { HttpClientError } from "effect/http"
import { Authenticator, RegistryAdapter, RegistryError, Scope } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import type { AuthEvent, Challenge } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { challengeOf, type Discoveries } from "./discovery.js"
import type { Plan } from "./plan.js"
import { sanitizeResponse } from "./sanitize.js"
import type { Send } from "./send.js"
import { type Budget, type RegistryTimeout, within } from "./timeout.js"

export type Failure = HttpClientError.HttpClientError | RegistryError.RegistryError | RegistryTimeout

const redirectedKey = Symbol.for("@ociauth/fetch/redirectedResponses")

/**
 * Responses that are the end of redirects the runtime followed (WHATWG's
 * `redirected`): one set per process, however many copies of this module are
 * loaded.
 */
export const redirectedResponses: WeakSet<object> = ((globalThis as { [redirectedKey]?: WeakSet<object> })[redirectedKey] ??=
  new WeakSet<object>())

/** A request sent once, and what settling it needs. */
export interface Attempt {
  readonly plan: Plan
  /** The time left to the request. */
  readonly budget: Budget
  /** The request as it is sent, without `Authorization`. */
  readonly base: HttpClientRequest.HttpClientRequest
  readonly replayable: boolean
  readonly needed: ReadonlyArray<Scope.Scope>
  readonly optional: ReadonlyArray<Scope.Scope>
  readonly challenge: Option.Option<Challenge.AuthChallenge>
  readonly scopes: ReadonlyArray<Scope.Scope>
  readonly authorization: Option.Option<Authenticator.Authorization>
  readonly sent: HttpClientRequest.HttpClientRequest
  readonly sentAt: number
  readonly response: HttpClientResponse.HttpClientResponse
}

export interface SettleOptions {
  readonly authenticator: Authenticator.Service
  readonly discovery: Discoveries
  readonly send: Send
  readonly emit: AuthEvent.Emitter
  readonly maxRedirects: number
}

/** The request to the engine for a plan, a challenge and scopes. */
export const engineRequest = (
  plan: Plan,
  challenge: Challenge.AuthChallenge,
  scopes: ReadonlyArray<Scope.Scope>,
  optional: ReadonlyArray<Scope.Scope>,
  refused?: Authenticator.Authorization
): Authenticator.AuthorizeRequest => ({
  origin: plan.url.origin,
  host: plan.host,
  challenge,
  scopes,
  ...(optional.length === 0 ? {} : { optional }),
  ...(refused === undefined ? {} : { refused })
})

/** Step 4: `request` goes to the engine if credentials may go where the plan sends it. */
export const authorizeWith = (
  authenticator: Authenticator.Service,
  plan: Plan,
  request: Authenticator.AuthorizeRequest
): Effect.Effect<Authenticator.Authorization, RegistryError.RegistryError> =>
  plan.credentialsAllowed
    ? authenticator.authorize(request)
    : Effect.fail(
        new RegistryError.RealmRejected({
          realm: Unstable.redactUrl(plan.url),
          reason: `credentials are never sent over plain HTTP to ${plan.url.host}: declare it insecure to allow it`
        })
      )

/** The request with the answer's `Authorization`, or without any. */
export const withAuthorization = (request: HttpClientRequest.HttpClientRequest, authorization: Option.Option<Authenticator.Authorization>) =>
  Option.isSome(authorization)
    ? HttpClientRequest.setHeader(request, "authorization", Authenticator.headerValue(authorization.value))
    : Unstable.withoutAuthorization(request)

/** The scopes a request needs, and those a challenge offered that the adapter accepts. */
export const withOffered = (
  adapter: RegistryAdapter.RegistryAdapter,
  needed: ReadonlyArray<Scope.Scope>,
  offered: ReadonlyArray<Scope.Scope>
): ReadonlyArray<Scope.Scope> =>
  offered.length === 0 ? needed : Scope.merge([...needed, ...Unstable.challengeScopes(adapter, needed, offered)])

/** An answer settling has nothing to do with: no refusal to renew, no redirect to follow. */
export const isFinal = (adapter: RegistryAdapter.RegistryAdapter, response: HttpClientResponse.HttpClientResponse): boolean =>
  response.status !== 401 && !Unstable.isRedirect(response) && !adapter.reauthOn.some((t) => t.status === response.status)

/**
 * Steps 6 and 7. Renew once, on a refusal a new token (or credential) can fix;
 * a token that merely expired while the request was in flight is no refusal
 * and is replaced up to twice more. Then redirects, through the one redirect
 * step. The response never carries the credential the runtime sent.
 */
export const makeSettle = (options: SettleOptions) => {
  const { authenticator, discovery, emit, maxRedirects, send } = options

  const redirects = (
    first: HttpClientResponse.HttpClientResponse,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    budget: Budget,
    clean?: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    !Unstable.isRedirect(first)
      ? Effect.succeed(sanitizeResponse(first, clean))
      : within(budget, Unstable.followRedirects<Failure>(first, request, {
          maxRedirects,
          crossOrigin: "strip",
          replayable,
          send: (request, replayable) => send(request, replayable, budget),
          emit,
          reject: (from, to, reason) => new RegistryError.RedirectRejected({ from, to, reason })
        })).pipe(
          Effect.map((response) => {
            const final = sanitizeResponse(response)
            if (response !== first) redirectedResponses.add(final)
            return final
          })
        )

  const renewing = (attempt: Attempt): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function*() {
      const { base, budget, needed, optional, plan, replayable } = attempt
      const { adapter } = plan
      let { authorization, challenge, response, scopes, sent, sentAt } = attempt
      for (let renewals = 0; replayable && renewals < 3; renewals++) {
        let renew = false
        let expiredInFlight = false
        if (response.status === 401) {
          const receivedAt = yield* Clock.currentTimeMillis
          const roundTrip = Math.max(1, receivedAt - sentAt)
          const fresh = yield* challengeOf(response)
          if (Option.isSome(fresh)) {
            yield* discovery.learn(plan.base, fresh.value)
            const offered = fresh.value.scheme === "bearer" ? fresh.value.scopes : []
            const widened = withOffered(adapter, needed, offered)
            const insufficient = fresh.value.scheme === "bearer" && fresh.value.error === "insufficient_scope"
            // insufficient_scope with nothing new to ask for: the token server will not grant more.
            renew = !(insufficient && Option.isSome(authorization) && Scope.covers(scopes, widened))
            scopes = widened
            challenge = Option.some(ChallengeStore.forOrigin(fresh.value))
            expiredInFlight = !insufficient && Option.exists(Option.flatMap(authorization, (a) => a.token), (token) =>
              DateTime.toEpochMillis(token.expiresAt) <= receivedAt + roundTrip)
          }
        } else if (Option.isSome(authorization) && adapter.reauthOn.some((t) => t.status === response.status)) {
          let codes: ReadonlyArray<string> = []
          let messages: ReadonlyArray<string> = []
          if (adapter.reauthOn.some((t) => t.status === response.status && (t.code !== undefined || t.message !== undefined))) {
            const body = yield* Unstable.readErrorBody(response)
            codes = body.errors.map((e) => e.code)
            messages = body.errors.map((e) => e.message)
            response = HttpClientResponse.fromWeb(sent, new Response(body.text, { status: response.status, headers: response.headers }))
          }
          renew = Unstable.isReauthTrigger(adapter, response.status, codes, messages)
        }
        if (!renew || Option.isNone(challenge) || (renewals > 0 && !expiredInFlight)) break
        const refused = Option.getOrUndefined(authorization)
        if (refused !== undefined) yield* authenticator.invalidate(refused)
        yield* Unstable.discard(response)
        budget.waiting = "token"
        budget.subject = challenge.value.realm
        authorization = Option.some(yield* authorizeWith(authenticator, plan, engineRequest(plan, challenge.value, scopes, optional, refused)))
        sent = withAuthorization(base, authorization)
        sentAt = yield* Clock.currentTimeMillis
        response = yield* send(sent, replayable, budget)
      }
      return yield* redirects(response, sent, replayable, budget, base)
    })

  /**
   * A sent request settled: a final answer as it is (sanitised), anything else
   * renewed or redirected, within the request's deadline.
   */
  const settle = (attempt: Attempt): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    isFinal(attempt.plan.adapter, attempt.response)
      ? Effect.succeed(sanitizeResponse(attempt.response, attempt.base))
      : within(attempt.budget, renewing(attempt))

  return { settle, redirects } as const
}
