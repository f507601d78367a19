import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import {
  AuthEvent,
  Authenticator,
  Challenge,
  ChallengeStore,
  HttpSteps,
  Registries,
  RegistryAdapter,
  RegistryError,
  Retry,
  Route,
  Scope
} from "@ociauth/core"
import { Clock, Context, DateTime, Deferred, Duration, Effect, FiberId, FiberRef, Option } from "effect"
import type { Fiber, Scope as EffectScope } from "effect"
import { globalValue } from "effect/GlobalValue"
import type * as RegistryClient from "../RegistryClient.js"
import { SanitizedResponse } from "./sanitizedResponse.js"

type Failure = HttpClientError.HttpClientError | RegistryError.RegistryError

const noScopes: ReadonlyArray<Scope.Scope> = []

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

/** Responses that are the end of redirects the runtime followed (WHATWG's `redirected`). */
export const redirectedResponses: WeakSet<object> = globalValue("@ociauth/fetch/redirectedResponses", () => new WeakSet<object>())

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

/** The request's URL, query included; a URL that does not parse is a typed `InvalidUrl` failure. */
const urlOf = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<URL, HttpClientError.RequestError> =>
  Option.match(HttpClientRequest.toUrl(request), {
    onNone: () => Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", description: "the URL does not parse" })),
    onSome: Effect.succeed
  })

/**
 * A response whose `request` carries no credential: the one the runtime sent
 * had `Authorization`, and a response (or an error built from it later, by
 * `filterStatusOk` say) must not hand it out. The transport's response
 * underneath keeps its body, headers and lifetime.
 */
const sanitizeResponse = (
  response: HttpClientResponse.HttpClientResponse,
  clean?: HttpClientRequest.HttpClientRequest
): HttpClientResponse.HttpClientResponse => {
  if (response.request.headers["authorization"] === undefined && !hasCredentialHeader(response.request)) return response
  // The request as the caller gave it, before the runtime authorised it, when it has nothing to strip.
  const asGiven = clean !== undefined && clean.headers["authorization"] === undefined && !hasCredentialHeader(clean) ? clean : undefined
  return new SanitizedResponse(response, asGiven, HttpSteps.withoutCredentials)
}

const hasCredentialHeader = (request: HttpClientRequest.HttpClientRequest): boolean =>
  HttpSteps.credentialHeaders.some((name) => request.headers[name] !== undefined)

/** The native error underneath a transport failure (no request, no header), for the `cause` chain. */
const nativeCause = (cause: unknown): unknown =>
  cause instanceof Error && !HttpClientError.isHttpClientError(cause) ? cause : undefined

/** A failure whose request (and response) carry no credential, and whose cause is the native error only. */
const sanitizeError = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
  const request = HttpSteps.withoutCredentials(error.request)
  const cause = nativeCause(error.cause)
  const fields = { request, ...(error.description === undefined ? {} : { description: error.description }), ...(cause === undefined ? {} : { cause }) }
  return error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...fields, reason: error.reason })
    : new HttpClientError.ResponseError({ ...fields, reason: error.reason, response: sanitizeResponse(error.response) })
}

interface Discovery {
  /** The origin's challenge (realm, service), if it asks for credentials. */
  readonly challenge: Option.Option<Challenge.AuthChallenge>
  /** The scopes this request's own 401 offered (never remembered for the origin). */
  readonly offered: ReadonlyArray<Scope.Scope>
  /** The probe was the request itself and needed no credentials: its answer is the answer. */
  readonly response: Option.Option<HttpClientResponse.HttpClientResponse>
}

export const make = Effect.fnUntraced(function* (options: RegistryClient.Options = {}) {
  const transport = yield* HttpClient.HttpClient
  const registries = yield* Registries.Registries
  const authenticator = yield* Authenticator.Authenticator
  const cached = Authenticator.cachedReader(authenticator)
  const challenges = Option.getOrUndefined(yield* Effect.serviceOption(ChallengeStore.ChallengeStore)) ??
    (yield* ChallengeStore.makeMemory())
  const emit = yield* AuthEvent.emitter
  const policy = options.retry ?? Retry.defaultPolicy
  const maxRedirects = options.maxRedirects ?? 5
  const insecure = new Set((options.insecure ?? []).map((h) => h.toLowerCase()))
  const send = HttpSteps.makeSender(transport, {
    policy,
    emit,
    timeout: options.responseTimeout === undefined ? undefined : Duration.decode(options.responseTimeout)
  })

  /**
   * An access plan's scopes per API host, computed once per plan (the same
   * array every time, so the engine's keys for it are cached too).
   */
  const planScopes = new WeakMap<ReadonlyArray<RegistryClient.Access>, Map<string, ReadonlyArray<Scope.Scope>>>()
  const accessScopes = (access: ReadonlyArray<RegistryClient.Access>, apiHost: string): ReadonlyArray<Scope.Scope> => {
    if (access.length === 0) return noScopes
    let byHost = planScopes.get(access)
    if (byHost === undefined) {
      byHost = new Map()
      for (const entry of access) {
        const host = entry.registry.toLowerCase()
        const adapter = registries.resolve(host)
        let api: string
        try {
          api = new URL(adapter.origin(host)).host
        } catch {
          continue
        }
        const scope = Scope.repository(adapter.normalizeRepository(entry.repository), entry.actions ?? ["pull"])
        byHost.set(api, Scope.merge([...(byHost.get(api) ?? []), scope]))
      }
      planScopes.set(access, byHost)
    }
    return byHost.get(apiHost) ?? noScopes
  }
  const configuredAccess = options.access ?? []

  /** Discoveries under way, one per origin. */
  const discoveries = new Map<string, Deferred.Deferred<Option.Option<Challenge.AuthChallenge>>>()

  /**
   * Where a request really goes: the adapter's API origin; for a registry API
   * route (`None` otherwise), the registry's repository name too.
   */
  const rewrite = (url: URL, adapter: RegistryAdapter.RegistryAdapter): { readonly url: URL; readonly route: Option.Option<Route.Route> } => {
    const target = new URL(url)
    const apiOrigin = new URL(adapter.origin(url.host))
    if (apiOrigin.host !== url.host) {
      target.protocol = insecure.has(apiOrigin.host) ? "http:" : apiOrigin.protocol
      target.host = apiOrigin.host
    }
    const parsed = RegistryAdapter.apiRoute(adapter, target.pathname)
    if (Option.isNone(parsed)) return { url: target, route: parsed }
    let route = parsed.value
    const name = Route.repository(route)
    if (name !== undefined) {
      const normalized = adapter.normalizeRepository(name)
      if (normalized !== name) {
        route = Route.withRepository(route, normalized)
        target.pathname = Route.format(route)
      }
    }
    if (route._tag === "Upload" && target.searchParams.has("from")) {
      target.searchParams.set("from", adapter.normalizeRepository(target.searchParams.get("from")!))
    }
    const paged = route._tag === "Tags" || route._tag === "Catalog" ? RegistryAdapter.clampPageSize(adapter, target) : target
    return { url: paged, route: Option.some(route) }
  }

  const challengeOf = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Option.Option<Challenge.AuthChallenge>> => {
    const header = response.headers["www-authenticate"]
    if (header === undefined) return Effect.succeedNone
    return Challenge.parse(header, { lenient: true }).pipe(
      Effect.map(Challenge.preferred),
      Effect.orElseSucceed(() => Option.none<Challenge.AuthChallenge>())
    )
  }

  /** Remembers an origin's challenge (realm and service only) and says so once. */
  const learn = (origin: string, challenge: Challenge.AuthChallenge) =>
    Effect.flatMap(challenges.get(origin), (previous) => {
      const known = ChallengeStore.forOrigin(challenge)
      const remembered = Option.flatten(previous)
      const same = Option.isSome(remembered) && sameChallenge(remembered.value, known)
      // A Basic challenge on one route (Harbor's catalog) answers that request only: it never
      // replaces the origin's Bearer challenge.
      const downgrade = Option.isSome(remembered) && remembered.value.scheme === "bearer" && known.scheme === "basic"
      return same || downgrade
        ? Effect.void
        : Effect.zipRight(
            Effect.zipRight(Effect.sync(() => knownMemo.delete(origin)), challenges.set(origin, Option.some(known))),
            emit(AuthEvent.AuthEvent.ChallengeDiscovered({ origin: RegistryError.redactUrl(origin), challenge: describe(known) }))
          )
    })

  /**
   * The key of what the runtime learns about an API: its origin, and the path
   * prefix when the adapter declares one (Artifactory's repositories on one host
   * each have their own realm).
   */
  const apiBase = (url: URL, route: Route.Route): string => (route.prefix === "" ? url.origin : `${url.origin}${route.prefix}`)

  /** The challenge as an event shows it: server text, so scrubbed of the secrets the SDK sent (a service or description may echo them). */
  const describe = (challenge: Challenge.AuthChallenge): string =>
    HttpSteps.scrub(
      challenge.scheme === "bearer"
        ? Challenge.formatBearer({ ...challenge, realm: RegistryError.redactUrl(challenge.realm) })
        : `Basic realm="${RegistryError.redactUrl(challenge.realm ?? "")}"`
    )

  const sameChallenge = (a: Challenge.AuthChallenge, b: Challenge.AuthChallenge): boolean =>
    a.scheme === b.scheme &&
    (a.scheme === "basic" || (b.scheme === "bearer" && a.realm === b.realm && a.service === b.service))

  /**
   * What the store says of an API, read at most every 30 s per API on the warm
   * path; whatever the runtime learns itself is written through.
   */
  const knownMemo = new Map<string, { readonly entry: Option.Option<ChallengeStore.Entry>; readonly until: number }>()
  const known = (base: string, adapter: RegistryAdapter.RegistryAdapter): Effect.Effect<Option.Option<ChallengeStore.Entry>> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const memo = knownMemo.get(base)
      if (memo !== undefined && now < memo.until) return Effect.succeed(memo.entry)
      return Effect.map(challenges.get(base), (stored) => {
        const entry = Option.isSome(stored) ? stored : Option.isSome(adapter.challenge) ? Option.some(adapter.challenge) : Option.none()
        if (Option.isSome(entry)) {
          if (knownMemo.size >= 1024) knownMemo.delete(knownMemo.keys().next().value!)
          knownMemo.set(base, { entry, until: now + 30_000 })
        }
        return entry
      })
    })

  /** 4. authorise: `request` goes to the engine if credentials may go where the plan sends it. */
  const authorize = (plan: Plan, request: Authenticator.AuthorizeRequest): Effect.Effect<Authenticator.Authorization, RegistryError.RegistryError> =>
    plan.credentialsAllowed ? authenticator.authorize(request) : plainHttpRefused(plan.url)

  const authorizeRequest = (
    url: URL,
    host: string,
    challenge: Challenge.AuthChallenge,
    scopes: ReadonlyArray<Scope.Scope>,
    optional: ReadonlyArray<Scope.Scope>,
    refused?: Authenticator.Authorization
  ): Authenticator.AuthorizeRequest => ({
    origin: url.origin,
    host,
    challenge,
    scopes,
    ...(optional.length === 0 ? {} : { optional }),
    ...(refused === undefined ? {} : { refused })
  })

  const plainHttpRefused = (url: URL) =>
    Effect.fail(
      new RegistryError.RealmRejected({
        realm: RegistryError.redactUrl(url),
        reason: `credentials are never sent over plain HTTP to ${url.host}: declare it insecure to allow it`
      })
    )

  /** The `Authorization` header per answer of the engine, which hands the same answer out until it renews it. */
  const headerValues = new WeakMap<Authenticator.Authorization, string>()
  const headerValue = (authorization: Authenticator.Authorization): string => {
    let value = headerValues.get(authorization)
    if (value === undefined) {
      value = Authenticator.headerValue(authorization)
      headerValues.set(authorization, value)
    }
    return value
  }

  const withAuthorization = (request: HttpClientRequest.HttpClientRequest, authorization: Option.Option<Authenticator.Authorization>) =>
    Option.match(authorization, {
      onNone: () => HttpSteps.withoutAuthorization(request),
      onSome: (a) => HttpClientRequest.setHeader(request, "authorization", headerValue(a))
    })

  const redirects = (
    first: HttpClientResponse.HttpClientResponse,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    clean?: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    !HttpSteps.isRedirect(first)
      ? Effect.succeed(sanitizeResponse(first, clean))
      : HttpSteps.followRedirects<Failure>(first, request, {
      maxRedirects,
      crossOrigin: "strip",
      replayable,
      send,
      emit,
      reject: (from, to, reason) => new RegistryError.RedirectRejected({ from, to, reason })
    }).pipe(
      Effect.map((response) => {
        const final = sanitizeResponse(response)
        if (response !== first) redirectedResponses.add(final)
        return final
      })
    )

  /** The first request to an origin whose challenge is unknown finds it out; the others wait for it. */
  const discover = (url: URL, route: Route.Route, request: HttpClientRequest.HttpClientRequest, replayable: boolean): Effect.Effect<Discovery, Failure> =>
    Effect.suspend(() => {
      const origin = apiBase(url, route)
      const pending = discoveries.get(origin)
      if (pending !== undefined) {
        return Effect.map(Deferred.await(pending), (challenge): Discovery => ({ challenge, offered: [], response: Option.none() }))
      }
      const deferred = Deferred.unsafeMake<Option.Option<Challenge.AuthChallenge>>(FiberId.none)
      discoveries.set(origin, deferred)
      // A body that cannot be sent twice is not used to discover: ask /v2/ instead.
      const probe = replayable
        ? HttpSteps.withoutAuthorization(request)
        : HttpClientRequest.get(new URL(Route.format(Route.Base({ prefix: route.prefix })), url))
      return send(probe, true).pipe(
        Effect.flatMap((response) =>
          Effect.gen(function* () {
            const challenge = response.status === 401 ? yield* challengeOf(response) : Option.none<Challenge.AuthChallenge>()
            if (Option.isSome(challenge)) yield* learn(origin, challenge.value)
            // An answer without a challenge means "no credentials needed" — unless it is a failure that says nothing.
            else if (response.status !== 401 && !Retry.isTransientStatus(response.status)) {
              knownMemo.delete(origin)
              yield* challenges.set(origin, Option.none())
            }
            yield* Deferred.succeed(deferred, Option.map(challenge, ChallengeStore.forOrigin))
            const answer = replayable && Option.isNone(challenge)
            if (!answer) yield* HttpSteps.discard(response)
            const offered = Option.match(challenge, {
              onNone: () => [],
              onSome: (c) => (replayable && c.scheme === "bearer" ? c.scopes : [])
            })
            return { challenge, offered, response: answer ? Option.some(response) : Option.none() } satisfies Discovery
          })
        ),
        Effect.onExit(() =>
          Effect.suspend(() => {
            discoveries.delete(origin)
            return Deferred.succeed(deferred, Option.none())
          })
        )
      )
    })

  /** What a request means, computed once per method and URL (bounded): the pure part of steps 1 and 2. */
  interface Plan {
    readonly adapter: RegistryAdapter.RegistryAdapter
    readonly host: string
    readonly url: URL
    readonly apiRoute: Option.Option<Route.Route>
    readonly implied: ReadonlyArray<Scope.Scope>
    readonly unsupported: Option.Option<RegistryError.Unsupported>
    /** The request's own URL is the one to send: no new request needs building. */
    readonly unchanged: boolean
    /** The key of what the runtime learns about the API (see `apiBase`), for an API route. */
    readonly base: string | undefined
    /** The API's `host[:port]`. */
    readonly apiHost: string
    /** Credentials may go to `url` (https, loopback, or declared insecure). */
    readonly credentialsAllowed: boolean
    /** The warm path's last request to the engine, reused while its challenge and access plan are the same. */
    authorizing: { readonly challenge: Challenge.AuthChallenge; readonly optional: ReadonlyArray<Scope.Scope>; readonly request: Authenticator.AuthorizeRequest } | undefined
  }
  /**
   * Plans of requests whose URL is a plain string (no separate parameters or
   * hash), by URL then method: found without parsing the URL or building a key.
   */
  const plans = new Map<string, Map<string, Plan>>()
  const isPlainUrl = (request: HttpClientRequest.HttpClientRequest): boolean =>
    request.urlParams.length === 0 && Option.isNone(request.hash)
  const knownPlan = (request: HttpClientRequest.HttpClientRequest): Plan | undefined =>
    isPlainUrl(request) ? plans.get(request.url)?.get(request.method) : undefined
  const planFor = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Plan, HttpClientError.RequestError> => {
    const known = knownPlan(request)
    return known !== undefined ? Effect.succeed(known) : Effect.map(urlOf(request), (requested) => plan(request, requested))
  }
  const plan = (request: HttpClientRequest.HttpClientRequest, requested: URL): Plan => {
    const method = request.method
    const plain = isPlainUrl(request)
    const host = requested.host
    const adapter = registries.resolve(host)
    const { route: apiRoute, url } = rewrite(requested, adapter)
    const made: Plan = {
      adapter,
      host,
      url,
      apiRoute,
      implied: Option.match(apiRoute, { onNone: () => [], onSome: (route) => RegistryAdapter.scopesFor(adapter, method, url, route) }),
      unsupported: Option.flatMap(apiRoute, (route) => RegistryAdapter.unsupported(adapter, method, route)),
      unchanged: plain && url.href === request.url,
      base: Option.match(apiRoute, { onNone: () => undefined, onSome: (route) => apiBase(url, route) }),
      apiHost: url.host,
      credentialsAllowed: url.protocol === "https:" || HttpSteps.mayUsePlainHttp(url, insecure),
      authorizing: undefined
    }
    if (plain) {
      let byMethod = plans.get(request.url)
      if (byMethod === undefined) {
        if (plans.size >= 1024) plans.delete(plans.keys().next().value!)
        byMethod = new Map()
        plans.set(request.url, byMethod)
      }
      byMethod.set(method, made)
    }
    return made
  }

  /** The access plan's scopes for an API host: the client's own plan and the one in context. */
  const optionalFor = (access: ReadonlyArray<RegistryClient.Access>, apiHost: string): ReadonlyArray<Scope.Scope> => {
    if (access.length === 0) return accessScopes(configuredAccess, apiHost)
    if (configuredAccess.length === 0) return accessScopes(access, apiHost)
    // Both: merged once per plan in context and host, so that a plan's engine request is reused.
    let byHost = mergedPlans.get(access)
    if (byHost === undefined) {
      byHost = new Map()
      mergedPlans.set(access, byHost)
    }
    let merged = byHost.get(apiHost)
    if (merged === undefined) {
      merged = Scope.merge([...accessScopes(configuredAccess, apiHost), ...accessScopes(access, apiHost)])
      byHost.set(apiHost, merged)
    }
    return merged
  }
  const mergedPlans = new WeakMap<ReadonlyArray<RegistryClient.Access>, Map<string, ReadonlyArray<Scope.Scope>>>()

  /** The scopes a request needs, and those a challenge offered that the adapter accepts. */
  const withOffered = (
    adapter: RegistryAdapter.RegistryAdapter,
    needed: ReadonlyArray<Scope.Scope>,
    offered: ReadonlyArray<Scope.Scope>
  ): ReadonlyArray<Scope.Scope> =>
    offered.length === 0 ? needed : Scope.merge([...needed, ...RegistryAdapter.challengeScopes(adapter, needed, offered)])

  /** A request sent once, and what steps 6 and 7 need to finish it. */
  interface Attempt {
    readonly plan: Plan
    readonly route: Route.Route
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

  /** An answer steps 6 and 7 have nothing to do with: no refusal to renew, no redirect to follow. */
  const isFinal = (adapter: RegistryAdapter.RegistryAdapter, response: HttpClientResponse.HttpClientResponse): boolean =>
    response.status !== 401 && !HttpSteps.isRedirect(response) && !adapter.reauthOn.some((t) => t.status === response.status)

  /**
   * 6. Renew once, on a refusal a new token (or credential) can fix. A token that
   *    merely expired while the request was in flight is no refusal: it is
   *    replaced up to twice more. 7. Redirects, through the one redirect step.
   */
  const settle = (attempt: Attempt): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function* () {
      const { base, needed, optional, plan, replayable, route } = attempt
      const { adapter, host, url } = plan
      let { authorization, challenge, response, scopes, sent, sentAt } = attempt
      const accept = (offered: ReadonlyArray<Scope.Scope>) => withOffered(adapter, needed, offered)
      for (let renewals = 0; replayable && renewals < 3; renewals++) {
        let renew = false
        let expiredInFlight = false
        if (response.status === 401) {
          const receivedAt = yield* Clock.currentTimeMillis
          const roundTrip = Math.max(1, receivedAt - sentAt)
          const fresh = yield* challengeOf(response)
          if (Option.isSome(fresh)) {
            yield* learn(apiBase(url, route), fresh.value)
            const offered = fresh.value.scheme === "bearer" ? fresh.value.scopes : []
            const widened = accept(offered)
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
            const body = yield* RegistryError.readErrorBody(response)
            codes = body.errors.map((e) => e.code)
            messages = body.errors.map((e) => e.message)
            response = HttpClientResponse.fromWeb(sent, new Response(body.text, { status: response.status, headers: response.headers }))
          }
          renew = RegistryAdapter.isReauthTrigger(adapter, response.status, codes, messages)
        }
        if (!renew || Option.isNone(challenge) || (renewals > 0 && !expiredInFlight)) break
        const refused = Option.getOrUndefined(authorization)
        if (refused !== undefined) yield* authenticator.invalidate(refused)
        yield* HttpSteps.discard(response)
        authorization = Option.some(yield* authorize(plan, authorizeRequest(url, host, challenge.value, scopes, optional, refused)))
        sent = withAuthorization(base, authorization)
        sentAt = yield* Clock.currentTimeMillis
        response = yield* send(sent, replayable)
      }
      return yield* redirects(response, sent, replayable, base)
    })

  /** Steps 1–5 in full: any request, whatever the runtime knows yet. */
  const general = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function* () {
      // 1. resolve: the host's adapter; outside the registry API nothing is touched.
      const plan = yield* planFor(request)
      const { adapter, apiRoute, host, implied, unchanged, unsupported, url } = plan
      const replayable = isReplayable(request)
      const base = unchanged ? request : HttpClientRequest.setUrl(request, url)
      if (Option.isNone(apiRoute)) return yield* redirects(yield* send(base, replayable), base, replayable)
      const route = apiRoute.value

      // 2. scopes: what the request needs, the caller's hints, and the access plan's.
      if (Option.isSome(unsupported)) return yield* Effect.fail(unsupported.value)
      const hints = yield* FiberRef.get(currentScopeHints)
      const optional = optionalFor(yield* FiberRef.get(currentAccess), url.host)
      const needed = hints.length === 0 ? implied : Scope.merge([...implied, ...hints])

      // 3. challenge of the origin: from the store, the adapter, or one discovery.
      let challenge: Option.Option<Challenge.AuthChallenge>
      let scopes = needed
      const remembered = yield* known(apiBase(url, route), adapter)
      if (Option.isSome(remembered)) {
        challenge = remembered.value
      } else {
        const found = yield* discover(url, route, base, replayable)
        if (Option.isSome(found.response)) return yield* redirects(found.response.value, base, replayable)
        challenge = found.challenge
        scopes = withOffered(adapter, needed, found.offered)
      }

      // 4. authorise, 5. send through the retry step.
      const authorization = Option.isSome(challenge)
        ? Option.some(yield* authorize(plan, authorizeRequest(url, host, challenge.value, scopes, optional)))
        : Option.none<Authenticator.Authorization>()
      const sent = withAuthorization(base, authorization)
      const sentAt = yield* Clock.currentTimeMillis
      const response = yield* send(sent, replayable)
      return yield* settle({ plan, route, base, replayable, needed, optional, challenge, scopes, authorization, sent, sentAt, response })
    })

  /**
   * The warm path: a request whose plan and origin challenge are known, with no
   * scope hints. The same steps as `general`, read synchronously from what the
   * runtime already holds: no generator, and no effect but authorising and
   * sending; anything unusual in the answer goes on through `settle`.
   */
  const warm = (
    request: HttpClientRequest.HttpClientRequest,
    fiber: Fiber.RuntimeFiber<unknown, unknown>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> | undefined => {
    const plan = knownPlan(request)
    if (plan === undefined || plan.base === undefined || Option.isNone(plan.apiRoute) || Option.isSome(plan.unsupported)) return undefined
    if (fiber.getFiberRef(currentScopeHints).length > 0) return undefined
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const now = clock.unsafeCurrentTimeMillis()
    const memo = knownMemo.get(plan.base)
    if (memo === undefined || now >= memo.until || Option.isNone(memo.entry)) return undefined
    const challenge = memo.entry.value
    const { adapter, implied: needed, url } = plan
    const route = plan.apiRoute.value
    const replayable = isReplayable(request)
    const base = plan.unchanged ? request : HttpClientRequest.setUrl(request, url)
    const optional = optionalFor(fiber.getFiberRef(currentAccess), plan.apiHost)
    const sendAuthorized = (authorization: Option.Option<Authenticator.Authorization>) => {
      const sent = withAuthorization(base, authorization)
      const sentAt = clock.unsafeCurrentTimeMillis()
      return Effect.flatMap(send(sent, replayable), (response) =>
        isFinal(adapter, response)
          ? Effect.succeed(sanitizeResponse(response, base))
          : settle({ plan, route, base, replayable, needed, optional, challenge, scopes: needed, authorization, sent, sentAt, response })
      )
    }
    if (Option.isNone(challenge)) return sendAuthorized(Option.none())
    const engineRequest = warmRequest(plan, challenge.value, optional)
    // What the engine holds, read synchronously: no effect runs before the request is sent.
    const held = !plan.credentialsAllowed || cached === undefined || emit.observedIn(fiber.currentContext) ? undefined : cached(engineRequest, now)
    return held !== undefined
      ? sendAuthorized(Option.some(held))
      : Effect.flatMap(authorize(plan, engineRequest), (authorization) => sendAuthorized(Option.some(authorization)))
  }

  /** The plan's request to the engine for this challenge and access plan: the same object while they are the same. */
  const warmRequest = (plan: Plan, challenge: Challenge.AuthChallenge, optional: ReadonlyArray<Scope.Scope>): Authenticator.AuthorizeRequest => {
    const last = plan.authorizing
    if (last !== undefined && last.challenge === challenge && last.optional === optional) return last.request
    const request = authorizeRequest(plan.url, plan.host, challenge, plan.implied, optional)
    plan.authorizing = { challenge, optional, request }
    return request
  }

  const execute = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, Failure>((fiber) => warm(request, fiber) ?? general(request)).pipe(
      Effect.catchIf(HttpClientError.isHttpClientError, (error) => Effect.fail(sanitizeError(error)))
    )

  return { execute } satisfies RegistryClient.Executor
})

export type Requirements = HttpClient.HttpClient | Registries.Registries | Authenticator.Authenticator | EffectScope.Scope
