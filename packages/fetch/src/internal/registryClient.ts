import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { AuthEvent, Authenticator, ChallengeStore, HttpSteps, Registries, Retry, Scope } from "@ociauth/core"
import type { Challenge } from "@ociauth/core"
import { Clock, Duration, Effect, FiberRef, Option } from "effect"
import type { Scope as EffectScope } from "effect"
import { globalValue } from "effect/GlobalValue"
import type * as RegistryClient from "../RegistryClient.js"
import { makeAccessScopes } from "./access.js"
import { makeDiscovery } from "./discovery.js"
import { makePlanner, type Plan } from "./plan.js"
import { sanitizeError } from "./sanitize.js"
import { authorizeWith, engineRequest, type Failure, makeSettle, withAuthorization, withOffered } from "./settle.js"

export { redirectedResponses } from "./settle.js"

/** Scopes a caller adds to what the request itself implies. */
export const currentScopeHints: FiberRef.FiberRef<ReadonlyArray<Scope.Scope>> = globalValue(
  "@ociauth/fetch/currentScopeHints",
  () => FiberRef.unsafeMake<ReadonlyArray<Scope.Scope>>([])
)

/** The access plan in effect: repositories the program will touch (`RegistryClient.withAccess`). */
export const currentAccess: FiberRef.FiberRef<ReadonlyArray<RegistryClient.Access>> = globalValue(
  "@ociauth/fetch/currentAccess",
  () => FiberRef.unsafeMake<ReadonlyArray<RegistryClient.Access>>([])
)

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
export const make = Effect.fnUntraced(function* (options: RegistryClient.Options = {}) {
  const transport = yield* HttpClient.HttpClient
  const registries = yield* Registries.Registries
  const authenticator = yield* Authenticator.Authenticator
  const challenges = Option.getOrUndefined(yield* Effect.serviceOption(ChallengeStore.ChallengeStore)) ??
    (yield* ChallengeStore.makeMemory())
  const emit = yield* AuthEvent.emitter
  const insecure = new Set((options.insecure ?? []).map((h) => h.toLowerCase()))
  const send = HttpSteps.makeSender(transport, {
    policy: options.retry ?? Retry.defaultPolicy,
    emit,
    timeout: options.responseTimeout === undefined ? undefined : Duration.decode(options.responseTimeout),
    ...(options.tracePropagation === undefined ? {} : { tracePropagation: options.tracePropagation })
  })
  const planFor = makePlanner(registries, insecure)
  const optionalFor = makeAccessScopes(registries, options.access ?? [])
  const discovery = makeDiscovery({ challenges, send, emit })
  const { redirects, settle } = makeSettle({ authenticator, discovery, send, emit, maxRedirects: options.maxRedirects ?? 5 })

  /** Steps 4–6 for a request whose challenge is known: authorise, send, settle. */
  const authorizeAndSend = (
    plan: Plan,
    base: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    challenge: Option.Option<Challenge.AuthChallenge>,
    needed: ReadonlyArray<Scope.Scope>,
    scopes: ReadonlyArray<Scope.Scope>,
    optional: ReadonlyArray<Scope.Scope>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const sendWith = (authorization: Option.Option<Authenticator.Authorization>) => {
      const sent = withAuthorization(base, authorization)
      return Effect.flatMap(Clock.currentTimeMillis, (sentAt) =>
        Effect.flatMap(send(sent, replayable), (response) =>
          settle({ plan, base, replayable, needed, optional, challenge, scopes, authorization, sent, sentAt, response })
        )
      )
    }
    return Option.isNone(challenge)
      ? sendWith(Option.none())
      : Effect.flatMap(authorizeWith(authenticator, plan, engineRequest(plan, challenge.value, scopes, optional)), (authorization) =>
          sendWith(Option.some(authorization))
        )
  }

  /** Steps 2–6 for a registry API route. */
  const authenticated = (
    plan: Plan,
    base: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    hints: ReadonlyArray<Scope.Scope>,
    access: ReadonlyArray<RegistryClient.Access>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const needed = hints.length === 0 ? plan.implied : Scope.merge([...plan.implied, ...hints])
    const optional = optionalFor(access, plan.url.host)
    return Effect.flatMap(discovery.known(plan.base, plan.adapter), (known) =>
      Option.isSome(known)
        ? authorizeAndSend(plan, base, replayable, known.value, needed, needed, optional)
        : Effect.flatMap(discovery.discover(plan.base, plan.url, plan.route!, base, replayable), (found) =>
            Option.isSome(found.response)
              ? redirects(found.response.value, base, replayable)
              : authorizeAndSend(plan, base, replayable, found.challenge, needed, withOffered(plan.adapter, needed, found.offered), optional)
          )
    )
  }

  const execute = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.flatMap(planFor(request), (plan): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
      const replayable = isReplayable(request)
      const base = plan.unchanged ? request : HttpClientRequest.setUrl(request, plan.url)
      // Outside the registry API nothing is touched.
      if (plan.route === undefined) return Effect.flatMap(send(base, replayable), (response) => redirects(response, base, replayable))
      if (plan.unsupported !== undefined) return Effect.fail(plan.unsupported)
      return Effect.flatMap(FiberRef.get(currentScopeHints), (hints) =>
        Effect.flatMap(FiberRef.get(currentAccess), (access) => authenticated(plan, base, replayable, hints, access))
      ).pipe(
        Effect.withSpan("ociauth.request", {
          kind: "client",
          captureStackTrace: false,
          attributes: { "http.request.method": request.method, "ociauth.registry": plan.url.host, "ociauth.route": plan.route._tag }
        })
      )
    }).pipe(Effect.catchIf(HttpClientError.isHttpClientError, (error) => Effect.fail(sanitizeError(error))))

  return { execute } satisfies RegistryClient.Executor
})

export type Requirements = HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator | EffectScope.Scope
