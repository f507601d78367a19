import { HttpClient } from "@effect/platform"
import { Duration, Effect, Either, Encoding, FiberSet, Option, Redacted } from "effect"
import { AuthEvent, emitter } from "../AuthEvent.js"
import type * as Authenticator from "../Authenticator.js"
import type { BasicChallenge, BearerChallenge } from "../Challenge.js"
import * as Credential from "../Credential.js"
import { CredentialProvider } from "../CredentialProvider.js"
import { Registries } from "../Registries.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import type { RegistryError } from "../RegistryError.js"
import { InsufficientScope, RealmRejected, redactUrl, TokenRequestError } from "../RegistryError.js"
import * as Retry from "../Retry.js"
import { validateRealm } from "./realm.js"
import * as scope from "./scope.js"
import { TokenCache } from "./tokenCache.js"
import { exchange } from "./tokenExchange.js"

export const make = Effect.fnUntraced(function* (options: Authenticator.Options = {}) {
  const client = yield* HttpClient.HttpClient
  const registries = yield* Registries
  const provider = yield* CredentialProvider
  const emit = yield* emitter
  const fibers = yield* FiberSet.make()

  const policy = options.retry ?? Retry.defaultPolicy
  const timeout = Duration.decode(options.requestTimeout ?? Duration.seconds(30))
  const maxBodyBytes = options.maxResponseBytes ?? 256 * 1024
  const cache = new TokenCache<TokenRequestError | RealmRejected>(
    {
      refreshRatio: options.refreshRatio ?? 0.1,
      refreshMinimum: Duration.decode(options.refreshMinimum ?? Duration.seconds(5)),
      leeway: Duration.decode(options.expiryLeeway ?? Duration.seconds(1)),
      maxEntries: options.maxCacheEntries ?? 1000
    },
    fibers
  )

  // Realm validation is pure: remember its verdict per (realm, origin).
  const realms = new Map<string, ReturnType<typeof validateRealm>>()
  const validated = (realm: string, origin: string) => {
    const key = `${realm}\u0000${origin}`
    let verdict = realms.get(key)
    if (verdict === undefined) {
      verdict = validateRealm(realm, origin)
      if (realms.size >= 1024) realms.clear()
      realms.set(key, verdict)
    }
    return verdict
  }

  const credentialFor = (adapter: RegistryAdapter, host: string) =>
    Effect.flatMap(provider.get(adapter.credentialHost(host)), (credential) =>
      credential._tag === "Anonymous" && Option.isSome(adapter.credentials)
        ? Effect.map(adapter.credentials.value(host), Option.getOrElse(() => credential))
        : Effect.succeed(credential)
    )

  const answerBasic = (
    origin: URL,
    _challenge: BasicChallenge,
    credential: Credential.Credential
  ): Effect.Effect<Authenticator.Authorization, RegistryError> => {
    if (credential._tag === "Basic") {
      const encoded = Encoding.encodeBase64(`${credential.username}:${Redacted.value(credential.password)}`)
      return Effect.succeed({ scheme: "Basic", credentials: Redacted.make(encoded), token: Option.none() })
    }
    return Effect.fail(
      new TokenRequestError({
        reason: "Unauthorized",
        realm: redactUrl(origin),
        detail: "the registry asks for Basic credentials (username and password) and none are configured"
      })
    )
  }

  const answerBearer = (
    origin: URL,
    adapter: RegistryAdapter,
    challenge: BearerChallenge,
    request: Authenticator.AuthorizeRequest,
    credential: Credential.Credential
  ): Effect.Effect<Authenticator.Authorization, RegistryError> => {
    if (credential._tag === "RegistryToken") {
      return Effect.succeed({ scheme: "Bearer", credentials: credential.token, token: Option.none() })
    }
    const realm = validated(challenge.realm, origin.href)
    if (Either.isLeft(realm)) return Effect.fail(realm.left)
    const realmUrl = realm.right
    const label = redactUrl(realmUrl)
    const scopes = scope.merge([...request.scopes, ...(adapter.trustChallengeScope ? challenge.scopes : [])])
    const scopeStrings = scopes.map(scope.format)
    const group = `${realmUrl.href}\u0000${challenge.service ?? ""}\u0000${Credential.identity(credential)}`
    const key = `${group}\u0000${scopeStrings.join(" ")}`
    const fetch = Effect.suspend(() => exchange(client, {
      realm: realmUrl,
      service: challenge.service,
      scopes,
      credential,
      preferences: adapter.tokenRequest,
      defaultLifetime: adapter.defaultTokenLifetime,
      maxBodyBytes,
      timeout,
      policy,
      emit
    })).pipe(
      Effect.tap((token) =>
        emit(
          AuthEvent.TokenIssued({
            realm: label,
            scopes: scopeStrings,
            granted: Option.map(token.granted, (granted) => granted.map(scope.format)),
            expiresAt: token.expiresAt
          })
        )
      )
    )
    return cache
      .get(key, group, label, scopes, fetch, (lookup) =>
        lookup === "hit"
          ? emit(AuthEvent.TokenCacheHit({ realm: label, scopes: scopeStrings }))
          : lookup === "refresh-ahead"
            ? emit(AuthEvent.TokenRefreshAhead({ realm: label, scopes: scopeStrings }))
            : Effect.void
      )
      .pipe(
        Effect.flatMap((token): Effect.Effect<Authenticator.Authorization, InsufficientScope> => {
          if (Option.isSome(token.granted)) {
            const missing = scope.missing(token.granted.value, scopes)
            if (missing.length > 0) {
              return Effect.fail(
                new InsufficientScope({
                  requested: scopeStrings,
                  granted: token.granted.value.map(scope.format),
                  missing: missing.map(scope.format)
                })
              )
            }
          }
          return Effect.succeed({ scheme: "Bearer", credentials: token.value, token: Option.some(token) })
        })
      )
  }

  const authorize = (request: Authenticator.AuthorizeRequest): Effect.Effect<Authenticator.Authorization, RegistryError> =>
    Effect.suspend(() => {
      let origin: URL
      try {
        origin = new URL(request.origin)
      } catch {
        return Effect.fail(new RealmRejected({ realm: redactUrl(request.origin), reason: "the registry origin is not a URL" }))
      }
      const host = request.host ?? origin.host
      const adapter = registries.resolve(host)
      return Effect.flatMap(credentialFor(adapter, host), (credential) =>
        request.challenge.scheme === "basic"
          ? answerBasic(origin, request.challenge, credential)
          : answerBearer(origin, adapter, request.challenge, request, credential)
      )
    })

  const invalidate = (authorization: Authenticator.Authorization): Effect.Effect<void> =>
    Option.match(authorization.token, {
      onNone: () => Effect.void,
      onSome: (token) =>
        Effect.forEach(
          cache.invalidate(token.value),
          ({ label, scopes }) => emit(AuthEvent.TokenInvalidated({ realm: label, scopes: scopes.map(scope.format) })),
          { discard: true }
        )
    })

  return { authorize, invalidate } satisfies Authenticator.Service
})
