import { Headers, HttpBody, HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import {
  AuthEvent,
  Authenticator,
  Challenge,
  Registries,
  RegistryAdapter,
  RegistryError,
  Retry,
  Route,
  Scope
} from "@ociauth/core"
import type { CredentialProvider } from "@ociauth/core"
import { Clock, Deferred, Duration, Effect, FiberId, FiberRef, Option, Stream } from "effect"
import type { Scope as EffectScope } from "effect"
import type * as RegistryClient from "../RegistryClient.js"

type Failure = HttpClientError.HttpClientError | RegistryError.RegistryError

/** Scopes a caller adds to what the request itself implies. */
export const currentScopeHints: FiberRef.FiberRef<ReadonlyArray<Scope.Scope>> = FiberRef.unsafeMake<ReadonlyArray<Scope.Scope>>([])

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i

/** A failed attempt worth retrying: the response (status) or the transport error, and the server's wait. */
class Transient {
  readonly _tag = "Transient"
  constructor(
    readonly outcome: { readonly response: HttpClientResponse.HttpClientResponse } | { readonly error: HttpClientError.HttpClientError },
    readonly retryAfter: Option.Option<Duration.Duration>
  ) {}
}

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

/** The request sent to `url`, query included (`setUrl` with a URL replaces every parameter). */
const withUrl = (request: HttpClientRequest.HttpClientRequest, url: URL): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.setUrl(request, url)

/**
 * The request without `Authorization`. (`HttpClientRequest.modify` merges
 * headers, so the request is rebuilt with the filtered set.)
 */
const removeAuthorization = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.make(request.method)(request.url, {
    urlParams: request.urlParams,
    headers: Headers.remove(request.headers, "authorization"),
    body: request.body,
    ...(Option.isSome(request.hash) ? { hash: request.hash.value } : {})
  })

/** Drains a body we will not hand out, so the connection is released. */
const discard = (response: HttpClientResponse.HttpClientResponse) => Effect.ignore(Stream.runDrain(response.stream))

export const make = Effect.fnUntraced(function* (options: RegistryClient.Options = {}) {
  const transport = yield* HttpClient.HttpClient
  const registries = yield* Registries.Registries
  const authenticator = yield* Authenticator.make(options.authenticator)
  const emit = yield* AuthEvent.emitter
  const policy = options.retry ?? Retry.defaultPolicy
  const maxRedirects = options.maxRedirects ?? 5
  const insecure = new Set((options.insecure ?? []).map((h) => h.toLowerCase()))

  /** Challenges learned per origin; `None`: the origin answered without asking for credentials. */
  const learned = new Map<string, Option.Option<Challenge.AuthChallenge>>()
  const discoveries = new Map<string, Deferred.Deferred<Option.Option<Challenge.AuthChallenge>>>()

  const mayUsePlainHttp = (url: URL) => url.protocol === "https:" || LOOPBACK.test(url.host) || insecure.has(url.host.toLowerCase())

  /**
   * Where the request really goes: the adapter's API origin and the registry's
   * repository name; with the route of the result (`None` outside the API).
   */
  const rewrite = (url: URL, adapter: RegistryAdapter.RegistryAdapter): { readonly url: URL; readonly route: Option.Option<Route.Route> } => {
    const target = new URL(url)
    const apiOrigin = new URL(adapter.origin(url.host))
    if (apiOrigin.host !== url.host) {
      target.protocol = insecure.has(apiOrigin.host) ? "http:" : apiOrigin.protocol
      target.host = apiOrigin.host
    }
    const parsed = Route.parse(target.pathname)
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
    return { url: target, route: Option.some(route) }
  }

  const challengeOf = (response: HttpClientResponse.HttpClientResponse): Option.Option<Challenge.AuthChallenge> => {
    const header = response.headers["www-authenticate"]
    if (header === undefined) return Option.none()
    const parsed = Effect.runSync(Challenge.parse(header, { lenient: true }))
    return Challenge.preferred(parsed)
  }

  const learn = (origin: string, challenge: Challenge.AuthChallenge) =>
    Effect.suspend(() => {
      const previous = learned.get(origin)
      learned.set(origin, Option.some(challenge))
      const text = challenge.scheme === "bearer" ? Challenge.formatBearer(challenge) : `Basic realm="${challenge.realm ?? ""}"`
      return previous !== undefined && Option.isSome(previous) && JSON.stringify(previous.value) === JSON.stringify(challenge)
        ? Effect.void
        : emit(AuthEvent.AuthEvent.ChallengeDiscovered({ origin, challenge: text }))
    })

  const known = (origin: string, adapter: RegistryAdapter.RegistryAdapter): Option.Option<Option.Option<Challenge.AuthChallenge>> => {
    const fromLearning = learned.get(origin)
    if (fromLearning !== undefined) return Option.some(fromLearning)
    return Option.isSome(adapter.challenge) ? Option.some(adapter.challenge) : Option.none()
  }

  /** Sends once; transient statuses and transport errors become `Transient`. */
  const sendOnce = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Transient | HttpClientError.HttpClientError> =>
    transport.execute(request).pipe(
      Effect.catchAll((error): Effect.Effect<never, Transient | HttpClientError.HttpClientError> =>
        error._tag === "RequestError" && error.reason === "Transport"
          ? Effect.fail(new Transient({ error }, Option.none()))
          : Effect.fail(error)
      ),
      Effect.flatMap((response) =>
        Retry.isTransientStatus(response.status)
          ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.fail(new Transient({ response }, Retry.parseRetryAfter(response.headers["retry-after"], now)))
            )
          : Effect.succeed(response)
      )
    )

  const retryTransient = Retry.make<Transient | HttpClientError.HttpClientError>({
    policy,
    isRetryable: (e) => e instanceof Transient,
    retryAfter: (e) => (e instanceof Transient ? e.retryAfter : Option.none())
  })

  /** Sends with the retry policy when the body can be sent again; the last transient answer is returned as it is. */
  const send = (
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
    const target = RegistryError.redactUrl(request.url)
    const attempt = sendOnce(request).pipe(
      Effect.tapError((e) =>
        e instanceof Transient
          ? Effect.zipRight(
              "response" in e.outcome ? discard(e.outcome.response) : Effect.void,
              emit(AuthEvent.AuthEvent.Retrying({ target, reason: "response" in e.outcome ? `HTTP ${e.outcome.response.status}` : "transport error" }))
            )
          : Effect.void
      )
    )
    const retried = replayable ? retryTransient(attempt) : attempt
    // The retried attempts drained their bodies; the last transient response must keep its body.
    return retried.pipe(
      Effect.catchIf(
        (e): e is Transient => e instanceof Transient,
        (e) => ("response" in e.outcome ? Effect.succeed(e.outcome.response) : Effect.fail(e.outcome.error))
      )
    )
  }

  const authorize = (
    url: URL,
    host: string,
    challenge: Challenge.AuthChallenge,
    scopes: ReadonlyArray<Scope.Scope>
  ): Effect.Effect<Authenticator.Authorization, RegistryError.RegistryError> =>
    mayUsePlainHttp(url)
      ? authenticator.authorize({ origin: url.origin, host, challenge, scopes })
      : Effect.fail(
          new RegistryError.RealmRejected({
            realm: RegistryError.redactUrl(url),
            reason: `credentials are never sent over plain HTTP to ${url.host}: declare it insecure to allow it`
          })
        )

  const withAuthorization = (request: HttpClientRequest.HttpClientRequest, authorization: Option.Option<Authenticator.Authorization>) =>
    Option.match(authorization, {
      onNone: () => removeAuthorization(request),
      onSome: (a) => HttpClientRequest.setHeader(request, "authorization", Authenticator.headerValue(a))
    })

  /** Follows redirects: Authorization only to the same origin, never https → http, at most `maxRedirects`. */
  const followRedirects = (
    first: HttpClientResponse.HttpClientResponse,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function* () {
      let response = first
      let current = request
      for (let hops = 0; ; hops++) {
        const location = response.headers["location"]
        if (response.status < 300 || response.status > 399 || response.status === 304 || location === undefined) return response
        const from = new URL(current.url)
        let to: URL
        try {
          to = new URL(location, yield* urlOf(current))
        } catch {
          return response
        }
        const reject = (reason: string) =>
          new RegistryError.RedirectRejected({ from: RegistryError.redactUrl(from), to: RegistryError.redactUrl(to), reason })
        if (from.protocol === "https:" && to.protocol !== "https:") return yield* Effect.fail(reject("https → http downgrade"))
        if (to.protocol !== "https:" && to.protocol !== "http:") return yield* Effect.fail(reject(`scheme ${to.protocol}`))
        if (hops >= maxRedirects) return yield* Effect.fail(reject(`more than ${maxRedirects} redirects`))
        const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === "POST")
        if (!toGet && !replayable && current.body._tag !== "Empty") {
          return yield* Effect.fail(reject("a streamed request body cannot be sent again"))
        }
        yield* discard(response)
        let next = withUrl(current, to)
        if (toGet) next = HttpClientRequest.setMethod(HttpClientRequest.setBody(next, HttpBody.empty), "GET")
        const sameOrigin = to.origin === from.origin
        if (!sameOrigin) next = removeAuthorization(next)
        yield* emit(
          AuthEvent.AuthEvent.Redirected({
            from: RegistryError.redactUrl(from),
            to: RegistryError.redactUrl(to),
            authorization: sameOrigin && current.headers["authorization"] !== undefined
          })
        )
        current = next
        response = yield* send(next, replayable || toGet)
      }
    })

  /** The first request to an origin whose challenge is unknown finds it out; the others wait for it. */
  const discover = (
    url: URL,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean
  ): Effect.Effect<
    { readonly challenge: Option.Option<Challenge.AuthChallenge>; readonly response: Option.Option<HttpClientResponse.HttpClientResponse> },
    Failure
  > =>
    Effect.suspend(() => {
      const origin = url.origin
      const pending = discoveries.get(origin)
      if (pending !== undefined) {
        return Effect.map(Deferred.await(pending), (challenge) => ({ challenge, response: Option.none() }))
      }
      const deferred = Deferred.unsafeMake<Option.Option<Challenge.AuthChallenge>>(FiberId.none)
      discoveries.set(origin, deferred)
      // A body that cannot be sent twice is not used to discover: ask /v2/ instead.
      const probe = replayable
        ? withAuthorization(request, Option.none())
        : HttpClientRequest.get(new URL(Route.format(Route.Base({ prefix: Option.match(Route.parse(url.pathname), { onNone: () => "", onSome: (r) => r.prefix }) })), url))
      return send(probe, true).pipe(
        Effect.flatMap((response: HttpClientResponse.HttpClientResponse) => {
          const challenge: Option.Option<Challenge.AuthChallenge> = response.status === 401 ? challengeOf(response) : Option.none()
          const record = Option.isSome(challenge)
            ? learn(origin, challenge.value)
            : Effect.sync(() => {
                if (response.status !== 401) learned.set(origin, Option.none())
              })
          return record.pipe(
            Effect.zipRight(Deferred.succeed(deferred, challenge)),
            Effect.as({
              challenge,
              // The probe was the request itself: without a challenge its answer is the answer.
              response: replayable && Option.isNone(challenge) ? Option.some(response) : Option.none<HttpClientResponse.HttpClientResponse>()
            }),
            Effect.tap(({ response: kept }) => (Option.isNone(kept) ? discard(response) : Effect.void))
          )
        }),
        Effect.onExit(() =>
          Effect.suspend(() => {
            discoveries.delete(origin)
            return Deferred.succeed(deferred, Option.none())
          })
        )
      )
    })

  const execute = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function* () {
      const requested = yield* urlOf(request)
      const host = requested.host
      const adapter = registries.resolve(host)
      const { route, url } = rewrite(requested, adapter)
      const replayable = isReplayable(request)
      const base = withUrl(request, url)

      // Outside the registry API (the root page, say) nothing is authorized.
      if (Option.isNone(route)) {
        return yield* followRedirects(yield* send(base, replayable), base, replayable)
      }
      yield* RegistryAdapter.checkCapabilities(adapter, request.method, route.value)
      const hints = yield* FiberRef.get(currentScopeHints)
      const implied = RegistryAdapter.scopesFor(adapter, request.method, url, route.value)
      let scopes = hints.length === 0 ? implied : Scope.merge([...implied, ...hints])

      // 1. Authorize up front when the challenge is known; otherwise discover it.
      let authorization: Option.Option<Authenticator.Authorization> = Option.none()
      let challenge: Option.Option<Challenge.AuthChallenge>
      const remembered = known(url.origin, adapter)
      if (Option.isSome(remembered)) {
        challenge = remembered.value
      } else {
        const found = yield* discover(url, base, replayable)
        if (Option.isSome(found.response)) return yield* followRedirects(found.response.value, base, replayable)
        challenge = found.challenge
      }
      if (Option.isSome(challenge)) {
        authorization = Option.some(yield* authorize(url, host, challenge.value, scopes))
      }

      // 2. Send; on a refusal that a new token can fix, renew once and send again.
      let sent = withAuthorization(base, authorization)
      let response = yield* send(sent, replayable)
      let renewed = false
      while (!renewed && replayable) {
        let again = false
        if (response.status === 401) {
          const fresh = challengeOf(response)
          if (Option.isNone(fresh)) break
          yield* learn(url.origin, fresh.value)
          if (fresh.value.scheme === "bearer" && fresh.value.error === "insufficient_scope" && adapter.trustChallengeScope) {
            const widened = Scope.merge([...scopes, ...fresh.value.scopes])
            if (Scope.covers(scopes, widened) && Option.isSome(authorization)) {
              // Nothing new to ask for: the token server will not grant more.
              break
            }
            scopes = widened
          }
          challenge = fresh
          again = true
        } else if (Option.isSome(authorization) && adapter.reauthOn.some((t) => t.status === response.status)) {
          const needsCode = adapter.reauthOn.some((t) => t.status === response.status && t.code !== undefined)
          let codes: ReadonlyArray<string> = []
          if (needsCode) {
            const body = yield* RegistryError.readErrorBody(response)
            codes = body.errors.map((e) => e.code)
            response = HttpClientResponse.fromWeb(sent, new Response(body.text, { status: response.status, headers: response.headers }))
          }
          again = RegistryAdapter.isReauthTrigger(adapter, response.status, codes)
        }
        if (!again) break
        renewed = true
        if (Option.isSome(authorization)) yield* authenticator.invalidate(authorization.value)
        if (Option.isNone(challenge)) break
        yield* discard(response)
        authorization = Option.some(yield* authorize(url, host, challenge.value, scopes))
        sent = withAuthorization(base, authorization)
        response = yield* send(sent, replayable)
      }
      return yield* followRedirects(response, sent, replayable)
    })

  return { execute } satisfies RegistryClient.Executor
})

export type Requirements = HttpClient.HttpClient | Registries.Registries | CredentialProvider.CredentialProvider | EffectScope.Scope
