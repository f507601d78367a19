import * as HttpClient from "effect/http/HttpClient"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { AuthEvent, emitter } from "../AuthEvent.js"
import type * as Authenticator from "../Authenticator.js"
import { CredentialProvider } from "../CredentialProvider.js"
import { Lru } from "../Lru.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import { Registries } from "../Registries.js"
import type { RegistryError } from "../RegistryError.js"
import * as Retry from "../Retry.js"
import { TokenStore } from "../TokenStore.js"
import { annotate, answerBasic, answerBearer, type Answering, originOf, realmPolicy } from "./answer.js"
import { makeCredentialCache } from "./credentialCache.js"
import { makeTokenMemory } from "./memoryStore.js"
import { makeSender } from "./http.js"
import * as scope from "./scope.js"
import * as secrets from "./secrets.js"
import { makeTokenCache } from "./tokenCache.js"

const causeText = (cause: Cause.Cause<unknown>): string =>
  Option.match(Cause.findErrorOption(cause), {
    onNone: () => "unexpected failure",
    onSome: (error) => (typeof error === "object" && error !== null && "message" in error ? secrets.scrub(String(error.message)) : "failure")
  })

/**
 * The engine: a credential cache and a token cache (leases over the
 * `TokenStore`, the only place tokens are kept), and `authorize`/`invalidate`
 * over them. Every request takes the same path; a warm one is a credential and
 * a token read from memory.
 */
export const make = Effect.fnUntraced(function* (options: Authenticator.Options = {}) {
  const client = yield* HttpClient.HttpClient
  const registries = yield* Registries
  const provider = yield* CredentialProvider
  const emit = yield* emitter
  const fibers = yield* FiberSet.make()
  // The user's store through its effects only (a decorator of it is never bypassed); the engine's own memory read in place.
  const provided = yield* Effect.serviceOption(TokenStore)
  const store = Option.isSome(provided)
    ? withSpans(provided.value)
    : yield* makeTokenMemory(options.maxCacheEntries ?? 1000)
  const timeout = Duration.fromInputUnsafe(options.requestTimeout ?? Duration.seconds(30))
  const send = makeSender(client, { policy: options.retry ?? Retry.defaultPolicy, emit, timeout, tracePropagation: options.tracePropagation })

  const credentials = yield* makeCredentialCache({
    provider,
    send,
    fibers,
    lifetime: Duration.toMillis(options.credentialLifetime ?? Duration.minutes(5)),
    onRenewalFailure: (target, cause) => emit(AuthEvent.RefreshFailed({ what: "credential", target, reason: causeText(cause) }))
  })
  const tokens = makeTokenCache({
    store,
    fibers,
    policy: {
      refreshRatio: options.refreshRatio ?? 0.1,
      refreshMinimum: Duration.toMillis(options.refreshMinimum ?? Duration.seconds(5)),
      leeway: Duration.toMillis(options.expiryLeeway ?? Duration.seconds(1))
    },
    onRenewalFailure: (target, cause) => emit(AuthEvent.RefreshFailed({ what: "token", target, reason: causeText(cause) }))
  })
  const answering: Answering = {
    tokens,
    send,
    emit,
    validate: realmPolicy(options.insecure ?? []),
    timeout,
    maxBodyBytes: options.maxResponseBytes ?? 256 * 1024,
    forgetCredential: (key) => credentials.forget(key)
  }
  return { authorize: authorize(answering, registries, credentials), invalidate: invalidate(answering, credentials) } satisfies Authenticator.Service
})

/** A store of the user's (a file, Redis: I/O worth seeing in a trace) with a span per read and write; keys name no secret. */
/** Spans on hot paths skip the stack trace Effect would capture for each. */
const noStack = { captureStackTrace: false } as const

const withSpans = (store: TokenStore["Service"]): TokenStore["Service"] => ({
  ...(store.singleFlight === undefined ? {} : { singleFlight: store.singleFlight }),
  get: (key) => Effect.tap(store.get(key), (found) => annotate("ociauth.hit", Option.isSome(found))).pipe(Effect.withSpan("ociauth.token_store.get", undefined, noStack)),
  set: (key, token) => Effect.withSpan(store.set(key, token), "ociauth.token_store.set", noStack),
  remove: (key) => Effect.withSpan(store.remove(key), "ociauth.token_store.remove", noStack)
})

type Credentials = Effect.Success<ReturnType<typeof makeCredentialCache>>

/** A refused authorization that was no token (Basic, a registry token): the credential itself was refused. */
const refusedCredential = (request: Authenticator.AuthorizeRequest): Authenticator.Authorization | undefined =>
  request.refused !== undefined && Option.isNone(request.refused.token) ? request.refused : undefined

/**
 * `registries.resolve`, kept per host while the registry's adapters are the same
 * list: resolution is a function of the adapters and the host, and asking every
 * adapter's `matches` for every request (an ECR host pattern, …) is most of a
 * warm request's own work. A new list (a layer contributed adapters) starts over.
 */
export const makeResolver = (registries: Registries["Service"]) => {
  let adapters = registries.adapters
  const resolved = new Lru<string, RegistryAdapter>(256)
  return (host: string): RegistryAdapter => {
    const current = registries.adapters
    if (current !== adapters) {
      adapters = current
      resolved.clear()
    }
    return resolved.getOrSet(host, () => registries.resolve(host))
  }
}

const authorize =
  (engine: Answering, registries: Registries["Service"], credentials: Credentials) => {
  const resolve = makeResolver(registries)
  return (request: Authenticator.AuthorizeRequest): Effect.Effect<Authenticator.Authorization, RegistryError> => {
    const parsed = originOf(request.origin)
    if (Result.isFailure(parsed)) return Effect.fail(parsed.failure)
    const origin = parsed.success
    const host = request.host ?? origin.host
    const adapter = resolve(host)
    const refused = refusedCredential(request)
    const held = credentials.get(adapter, host, origin.origin, refused)
    const answer = Effect.flatMap(held, ({ credential, key }) =>
      request.challenge.scheme === "basic"
        ? answerBasic(origin, credential, key)
        : answerBearer(engine, origin, adapter, request.challenge, request, credential, key)
    )
    return refused === undefined ? answer : Effect.andThen(credentials.forget(refused.source.credential, refused), answer)
  }
}

const invalidate =
  (engine: Answering, credentials: Credentials) =>
  (authorization: Authenticator.Authorization): Effect.Effect<void> =>
    Option.match(authorization.token, {
      // A Basic answer or a static registry token was refused: the credential itself is stale.
      onNone: () => credentials.forget(authorization.source.credential, authorization),
      onSome: (token) => {
        const key = authorization.source.token
        if (key === undefined) return Effect.void
        // Only that key, and only if it is still the stored token: one another fiber renewed meanwhile stays.
        return Effect.flatMap(engine.tokens.invalidate(key, token), (removed) =>
          removed
            ? engine.emit(AuthEvent.TokenInvalidated({ realm: engine.tokens.label(key), scopes: token.scopes.map(scope.format) }))
            : Effect.void
        )
      }
    })
