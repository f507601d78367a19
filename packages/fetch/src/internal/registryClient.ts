import { AuthEvent, Authenticator, Registries, Retry, Scope } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import type { Challenge } from "@ociauth/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import type { Scope as EffectScope } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientResponse } from "effect/http"
import type * as RegistryClient from "../RegistryClient.js"
import { makeAccessScopes } from "./access.js"
import { makeDiscovery } from "./discovery.js"
import { invalidUrl, makePlanner, type Plan } from "./plan.js"
import { sanitizeError, sanitizeResponse } from "./sanitize.js"
import { makeSend } from "./send.js"
import { type Attempt, authorizeWith, engineRequest, type Failure, isFinal, makeSettle, withAuthorization, withOffered } from "./settle.js"
import { Budget, DEFAULT_DEADLINE, DEFAULT_RESPONSE_TIMEOUT, within } from "./timeout.js"

export { redirectedResponses } from "./settle.js"

const noScopes: ReadonlyArray<Scope.Scope> = []
const noAccess: ReadonlyArray<RegistryClient.Access> = []

/** Scopes a caller adds to what the request itself implies. */
export const currentScopeHints: Context.Reference<ReadonlyArray<Scope.Scope>> = Context.Reference<ReadonlyArray<Scope.Scope>>(
  "@ociauth/fetch/currentScopeHints",
  { defaultValue: () => noScopes }
)

/** The access plan in effect: repositories the program will touch (`RegistryClient.withAccess`). */
export const currentAccess: Context.Reference<ReadonlyArray<RegistryClient.Access>> = Context.Reference<
  ReadonlyArray<RegistryClient.Access>
>("@ociauth/fetch/currentAccess", { defaultValue: () => noAccess })

/** Whether a request's body can be sent again (for a retry, a renewal or a redirect). */
const isReplayable = (request: HttpClientRequest.HttpClientRequest): boolean => {
  const body = request.body
  switch (body._tag) {
    case "Stream":
      return false
    case "Raw": {
      const raw = body.body
      return (
        typeof raw === "string" ||
        raw instanceof ArrayBuffer ||
        ArrayBuffer.isView(raw) ||
        raw instanceof URLSearchParams ||
        (typeof Blob !== "undefined" && raw instanceof Blob)
      )
    }
    default:
      return true
  }
}

/**
 * The runtime: one pipeline for every request — plan (pure, memoised) →
 * scopes → the API's challenge (known, or discovered once) → authorise
 * (the engine) → send (the one retry step) → settle (renew once, redirects).
 */
export const make = Effect.fnUntraced(function*(options: RegistryClient.Options = {}) {
  const transport = yield* HttpClient.HttpClient
  const registries = yield* Registries.Registries
  const authenticator = yield* Authenticator.Authenticator
  const challenges = Option.getOrUndefined(yield* Effect.serviceOption(ChallengeStore.ChallengeStore)) ??
    (yield* ChallengeStore.makeMemory())
  const emit = yield* AuthEvent.emitter
  const insecure = new Set((options.insecure ?? []).map((h) => h.toLowerCase()))
  const deadlineMillis = Duration.toMillis(Duration.fromInputUnsafe(options.deadline ?? DEFAULT_DEADLINE))
  const responseTimeoutMillis = Duration.toMillis(Duration.fromInputUnsafe(options.responseTimeout ?? DEFAULT_RESPONSE_TIMEOUT))
  const send = makeSend(transport, {
    policy: options.retry ?? Retry.defaultPolicy,
    emit,
    responseTimeoutMillis,
    ...(options.tracePropagation === undefined ? {} : { tracePropagation: options.tracePropagation })
  })
  const planFor = makePlanner(registries, insecure)
  const optionalFor = makeAccessScopes(registries, options.access ?? [])
  const discovery = makeDiscovery({ challenges, send, emit })
  const { redirects, settle } = makeSettle({ authenticator, discovery, send, emit, maxRedirects: options.maxRedirects ?? 5 })

  /**
   * The engine's request for a plan, memoised per plan: a warm request asks with
   * the same challenge, scopes and access plan as the one before, so it reuses
   * that request object (the engine's own memos are keyed by its fields).
   */
  const engineRequests = new WeakMap<Plan, Authenticator.AuthorizeRequest>()
  const engineRequestFor = (
    plan: Plan,
    challenge: Challenge.AuthChallenge,
    scopes: ReadonlyArray<Scope.Scope>,
    optional: ReadonlyArray<Scope.Scope>
  ): Authenticator.AuthorizeRequest => {
    const known = engineRequests.get(plan)
    if (known !== undefined && known.challenge === challenge && known.scopes === scopes && (known.optional ?? noScopes) === optional) {
      return known
    }
    const request = engineRequest(plan, challenge, scopes, optional)
    engineRequests.set(plan, request)
    return request
  }

  /** Steps 5–6 once the request is authorised (or needs no credentials): send, then settle. */
  const sendAndSettle = (
    request: Omit<Attempt, "authorization" | "sent" | "sentAt" | "response">,
    authorization: Option.Option<Authenticator.Authorization>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.clockWith((clock) => {
      const sent = withAuthorization(request.base, authorization)
      const sentAt = clock.currentTimeMillisUnsafe()
      return Effect.flatMap(send(sent, request.replayable, request.budget), (response) =>
        // A final answer (the warm path's) needs no settling: nothing more is built for it.
        isFinal(request.plan.adapter, response)
          ? Effect.succeed(sanitizeResponse(response, request.base))
          : settle({ ...request, authorization, sent, sentAt, response }))
    })

  /** Steps 4–6 for a request whose challenge is known: authorise, send, settle. */
  const authorizeAndSend = (
    plan: Plan,
    base: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    budget: Budget,
    challenge: Option.Option<Challenge.AuthChallenge>,
    needed: ReadonlyArray<Scope.Scope>,
    scopes: ReadonlyArray<Scope.Scope>,
    optional: ReadonlyArray<Scope.Scope>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const request = { plan, base, replayable, budget, challenge, needed, scopes, optional }
    if (Option.isNone(challenge)) return sendAndSettle(request, Option.none())
    budget.waiting = "token"
    budget.subject = challenge.value.realm
    return Effect.flatMap(
      within(budget, authorizeWith(authenticator, plan, engineRequestFor(plan, challenge.value, scopes, optional))),
      (authorization) => sendAndSettle(request, Option.some(authorization))
    )
  }

  /** Steps 2–6 for a registry API route; `hints` and `access` are the fiber's. */
  const authenticated = (
    plan: Plan,
    base: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    budget: Budget,
    now: number,
    hints: ReadonlyArray<Scope.Scope>,
    access: ReadonlyArray<RegistryClient.Access>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const needed = hints.length === 0 ? plan.implied : Scope.merge([...plan.implied, ...hints])
    const optional = optionalFor(access, plan.url.host)
    const withKnown = (known: Option.Option<ChallengeStore.Entry>) =>
      Option.isSome(known) ? authorizeAndSend(plan, base, replayable, budget, known.value, needed, needed, optional) : discovered()
    const discovered = () => {
      budget.waiting = "challenge"
      budget.subject = plan.base
      return Effect.flatMap(within(budget, discovery.discover(plan.base, plan.url, plan.route!, base, replayable, budget)), (found) =>
        Option.isSome(found.response)
          ? redirects(found.response.value, base, replayable, budget)
          : authorizeAndSend(plan, base, replayable, budget, found.challenge, needed, withOffered(plan.adapter, needed, found.offered), optional))
    }
    const known = discovery.peek(plan.base, now)
    if (known !== undefined) return withKnown(known)
    budget.waiting = "challenge"
    budget.subject = plan.base
    return Effect.flatMap(within(budget, discovery.known(plan.base, plan.adapter, now)), withKnown)
  }

  /** Step 1 and the request's budget, read from the fiber without an effect per value. */
  const run = (
    request: HttpClientRequest.HttpClientRequest,
    plan: Plan,
    fiber: Fiber.Fiber<unknown, unknown>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const replayable = isReplayable(request)
    const base = plan.unchanged ? request : HttpClientRequest.setUrl(request, plan.url)
    const now = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
    const budget = new Budget(request, now + deadlineMillis, deadlineMillis, responseTimeoutMillis)
    // Outside the registry API nothing is touched.
    if (plan.route === undefined) return Effect.flatMap(send(base, replayable, budget), (response) => redirects(response, base, replayable, budget))
    if (plan.unsupported !== undefined) return Effect.fail(plan.unsupported)
    const flow = authenticated(plan, base, replayable, budget, now, fiber.getRef(currentScopeHints), fiber.getRef(currentAccess))
    // A span only where a backend can observe it: with the tracer off (the façade's
    // default) or Effect's own in-memory one (nothing installed), none is made.
    return fiber.getRef(References.TracerEnabled) && fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer
      ? Effect.withSpan(flow, "ociauth.request", plan.span)
      : flow
  }

  const sanitized = (error: Failure): Effect.Effect<never, Failure> =>
    Effect.fail(HttpClientError.isHttpClientError(error) ? sanitizeError(error) : error)

  const execute = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const plan = planFor(request)
    if (plan === undefined) return sanitized(invalidUrl(request))
    return Effect.catch(Effect.withFiber((fiber) => run(request, plan, fiber)), sanitized)
  }

  return { execute } satisfies RegistryClient.Executor
})

export type Requirements = HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator | EffectScope.Scope
