import * as HttpClient from "@effect/platform/HttpClient"
import { Cause, Clock, Context, DateTime, Duration, Effect, Either, Encoding, FiberSet, Option, Redacted } from "effect"
import { globalValue } from "effect/GlobalValue"
import { AuthEvent, emitter } from "../AuthEvent.js"
import type * as Authenticator from "../Authenticator.js"
import type { BasicChallenge, BearerChallenge } from "../Challenge.js"
import * as Credential from "../Credential.js"
import { CredentialProvider } from "../CredentialProvider.js"
import { Registries } from "../Registries.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import type { CredentialError, RegistryError } from "../RegistryError.js"
import { InsufficientScope, RealmRejected, redactUrl, TokenRequestError } from "../RegistryError.js"
import * as Retry from "../Retry.js"
import type * as Token from "../Token.js"
import type { Scope as ScopeValue } from "../Scope.js"
import { TokenStore } from "../TokenStore.js"
import * as TokenStoreModule from "../TokenStore.js"
import { makeSender } from "./http.js"
import { Leases, refreshAt } from "./lease.js"
import { makeMemoryStore } from "./memoryStore.js"
import { validateRealm } from "./realm.js"
import * as scope from "./scope.js"
import * as secrets from "./secrets.js"
import { exchange } from "./tokenExchange.js"

/** A credential as obtained from its source, with when it was obtained. */
interface CredentialLease {
  readonly credential: Credential.Credential
  readonly issuedAt: number
  readonly expiresAt: number
}

const millis = DateTime.toEpochMillis

/** Whether `authorization` is what `credential` sends to a registry itself (Basic, or a registry token). */
const sends = (credential: Credential.Credential, authorization: Authenticator.Authorization): boolean => {
  const sent = Redacted.value(authorization.credentials)
  switch (credential._tag) {
    case "Basic":
      return authorization.scheme === "Basic" && sent === Encoding.encodeBase64(`${credential.username}:${Redacted.value(credential.password)}`)
    case "RegistryToken":
      return authorization.scheme === "Bearer" && sent === Redacted.value(credential.token)
    default:
      return false
  }
}

/** Scopes a server granted (a JWT's `access` claim), fit to repeat: server text, scrubbed of the secrets the SDK sent. */
const grantedText = (granted: ReadonlyArray<ScopeValue>): ReadonlyArray<string> =>
  granted.map((s) => secrets.scrub(scope.format(s), 256))

const causeText = (cause: Cause.Cause<unknown>): string =>
  Option.match(Cause.failureOption(cause), {
    onNone: () => "unexpected failure",
    onSome: (error) => (typeof error === "object" && error !== null && "message" in error ? secrets.scrub(String(error.message)) : "failure")
  })

/** Each engine's synchronous reader, by its own `authorize`: a service that replaces `authorize` has none. */
const readers = globalValue("@ociauth/core/Authenticator/readers", () => new WeakMap<Authenticator.Service["authorize"], Authenticator.CachedReader>())

export const cachedReader = (service: Authenticator.Service): Authenticator.CachedReader | undefined => readers.get(service.authorize)

export const make = Effect.fnUntraced(function* (options: Authenticator.Options = {}) {
  const client = yield* HttpClient.HttpClient
  const registries = yield* Registries
  const provider = yield* CredentialProvider
  const emit = yield* emitter
  const fibers = yield* FiberSet.make()
  const store = Option.getOrUndefined(yield* Effect.serviceOption(TokenStore)) ??
    (yield* TokenStoreModule.makeMemory({ capacity: options.maxCacheEntries ?? 1000 }))

  const policy = options.retry ?? Retry.defaultPolicy
  const insecure = options.insecure ?? []
  const timeout = Duration.decode(options.requestTimeout ?? Duration.seconds(30))
  const maxBodyBytes = options.maxResponseBytes ?? 256 * 1024
  const credentialLifetime = Duration.toMillis(options.credentialLifetime ?? Duration.minutes(5))
  const send = makeSender(client, { policy, emit, timeout })

  const tokenPolicy = {
    refreshRatio: options.refreshRatio ?? 0.1,
    refreshMinimum: Duration.toMillis(options.refreshMinimum ?? Duration.seconds(5)),
    leeway: Duration.toMillis(options.expiryLeeway ?? Duration.seconds(1))
  }
  const credentialPolicy = { refreshRatio: 0.1, refreshMinimum: 60_000, leeway: 30_000 }
  const tokens = new Leases<Token.Token, TokenRequestError | RealmRejected>(
    store,
    (token) => ({ issuedAt: millis(token.issuedAt), expiresAt: millis(token.expiresAt) }),
    tokenPolicy,
    fibers,
    (key, cause) => emit(AuthEvent.RefreshFailed({ what: "token", target: labels.get(key) ?? "token endpoint", reason: causeText(cause) }))
  )
  const credentials = new Leases<CredentialLease, CredentialError>(
    yield* makeMemoryStore<CredentialLease>({
      capacity: 256,
      timeToLive: (lease) => Duration.millis(lease.expiresAt - lease.issuedAt),
      expiresAt: (lease) => lease.expiresAt
    }),
    (lease) => lease,
    credentialPolicy,
    fibers,
    (key, cause) => emit(AuthEvent.RefreshFailed({ what: "credential", target: key.split("\u0000")[1] ?? key, reason: causeText(cause) }))
  )

  /** Realm labels by token key, for events about background work. */
  const labels = new Map<string, string>()
  /** Token keys by group (realm, service, credential): a token of the group that covers a request's scopes serves it. */
  const groups = new Map<string, Map<string, ReadonlyArray<Token.Token["scopes"][number]>>>()
  const index = (group: string, key: string, scopes: ReadonlyArray<Token.Token["scopes"][number]>, label: string) => {
    let keys = groups.get(group)
    if (keys === undefined) {
      if (groups.size >= 1024) groups.delete(groups.keys().next().value!)
      keys = new Map()
      groups.set(group, keys)
    }
    if (!keys.has(key)) {
      if (keys.size >= 64) keys.delete(keys.keys().next().value!)
      keys.set(key, scopes)
    }
    if (!labels.has(key)) {
      if (labels.size >= 4096) labels.delete(labels.keys().next().value!)
      labels.set(key, label)
    }
  }

  // Realm validation is pure: remember its verdict per (realm, origin).
  const realms = new Map<string, ReturnType<typeof validateRealm>>()
  const validated = (realm: string, origin: string) => {
    const key = `${realm}\u0000${origin}`
    let verdict = realms.get(key)
    if (verdict === undefined) {
      verdict = validateRealm(realm, origin, { insecure })
      if (realms.size >= 1024) realms.clear()
      realms.set(key, verdict)
    }
    return verdict
  }

  const remembered = new WeakSet<Credential.Credential>()
  const rememberSecrets = (credential: Credential.Credential) => {
    if (remembered.has(credential)) return
    remembered.add(credential)
    for (const secret of Credential.secrets(credential)) secrets.remember(secret)
  }

  const credentialFor = (adapter: RegistryAdapter, host: string, origin: string, refused?: Authenticator.Authorization) => {
    const credentialHost = adapter.credentialHost(host)
    const key = `${adapter.name}\u0000${credentialHost}`
    const fetch = Effect.flatMap(provider.get(credentialHost), (credential) =>
      credential._tag === "Anonymous" && Option.isSome(adapter.credentials)
        ? Effect.map(adapter.credentials.value(host, { origin, send }), Option.getOrElse(() => credential))
        : Effect.succeed(credential)
    ).pipe(
      Effect.flatMap((credential) =>
        Effect.map(Clock.currentTimeMillis, (now): CredentialLease => ({
          credential,
          issuedAt: now,
          expiresAt: credential._tag !== "Anonymous" && credential.expiresAt !== undefined
            ? millis(credential.expiresAt)
            : now + credentialLifetime
        }))
      )
    )
    const refuse = refused === undefined ? {} : { refuse: (lease: CredentialLease) => sends(lease.credential, refused) }
    return Effect.map(credentials.get(key, fetch, refuse), (lease) => {
      rememberSecrets(lease.credential)
      return { key, credential: lease.credential, renewAt: refreshAt(lease, credentialPolicy) }
    })
  }

  const answerBasic = (
    origin: URL,
    _challenge: BasicChallenge,
    credential: Credential.Credential,
    credentialKey: string
  ): Effect.Effect<Authenticator.Authorization, RegistryError> => {
    if (credential._tag === "Basic") {
      const encoded = Encoding.encodeBase64(`${credential.username}:${Redacted.value(credential.password)}`)
      return Effect.succeed({ scheme: "Basic", credentials: Redacted.make(encoded), token: Option.none(), source: { credential: credentialKey } })
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
    credential: Credential.Credential,
    credentialKey: string
  ): Effect.Effect<Authenticator.Authorization, RegistryError> => {
    if (credential._tag === "RegistryToken") {
      return Effect.succeed({ scheme: "Bearer", credentials: credential.token, token: Option.none(), source: { credential: credentialKey } })
    }
    const realm = validated(challenge.realm, origin.href)
    if (Either.isLeft(realm)) return Effect.fail(realm.left)
    const realmUrl = realm.right
    const label = redactUrl(realmUrl)
    const needed = scope.merge(request.scopes)
    // An access plan's scopes ride along, unless the registry just refused a token.
    const optional = request.refused === undefined ? request.optional ?? [] : []
    const scopes = optional.length === 0 ? needed : scope.merge([...needed, ...optional])
    const scopeStrings = scopes.map(scope.format)
    const refused = Option.getOrUndefined(Option.flatMap(Option.fromNullable(request.refused), (a) => a.token))
    const refuse = refused === undefined ? undefined : (token: Token.Token) => Redacted.value(token.value) === Redacted.value(refused.value)

    return Effect.flatMap(Credential.identity(credential), (identity) => {
      const group = `${realmUrl.href}\u0000${challenge.service ?? ""}\u0000${identity}`
      const key = `${group}\u0000${scopeStrings.join(" ")}`
      const fetch = Effect.suspend(() =>
        exchange(send, {
          realm: realmUrl,
          service: challenge.service,
          scopes,
          credential,
          preferences: adapter.tokenRequest,
          defaultLifetime: adapter.defaultTokenLifetime,
          maxBodyBytes,
          timeout,
          emit
        })
      ).pipe(
        Effect.tap((token) => {
          secrets.remember(Redacted.value(token.value))
          index(group, key, scopes, label)
          return emit(
            AuthEvent.TokenIssued({
              realm: label,
              scopes: scopeStrings,
              granted: Option.map(token.granted, grantedText),
              expiresAt: token.expiresAt
            })
          )
        }),
        Effect.tapError((error) =>
          // The token server refused the credential: ask its source again next time.
          error._tag === "TokenRequestError" && error.reason === "Unauthorized" && credential._tag !== "Anonymous"
            ? forgetCredential(credentialKey)
            : Effect.void
        )
      )
      const lookup = (found: { readonly key: string; readonly token: Token.Token }) => Effect.succeed(found)
      const covering: Effect.Effect<Option.Option<{ readonly key: string; readonly token: Token.Token }>> = Effect.suspend(() => {
        const keys = groups.get(group)
        if (keys === undefined) return Effect.succeedNone
        const candidates = [...keys].filter(([other, granted]) => other !== key && scope.missing(granted, scopes).length === 0)
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.reduce(candidates, Option.none<{ readonly key: string; readonly token: Token.Token }>(), (found, [other]) =>
            Option.isSome(found)
              ? Effect.succeed(found)
              : Effect.map(store.get(other), (stored) =>
                  Option.filter(
                    Option.map(stored, (token) => ({ key: other, token })),
                    ({ token }) =>
                      tokens.state(token, now) === "fresh" &&
                      (refuse === undefined || !refuse(token)) &&
                      Option.match(token.granted, { onNone: () => true, onSome: (granted) => scope.missing(granted, scopes).length === 0 })
                  )
                )
          )
        )
      })
      const onLookup = (lookup: "hit" | "refresh-ahead" | "fetch" | "joined") =>
        lookup === "hit"
          ? emit(AuthEvent.TokenCacheHit({ realm: label, scopes: scopeStrings }))
          : lookup === "refresh-ahead"
            ? emit(AuthEvent.TokenRefreshAhead({ realm: label, scopes: scopeStrings }))
            : Effect.void
      const exact = Effect.map(tokens.get(key, fetch, { ...(refuse === undefined ? {} : { refuse }), onLookup }), (token) => ({ key, token }))
      const found = Effect.flatMap(store.get(key), (stored) =>
        Option.isSome(stored) || refused !== undefined
          ? exact
          : Effect.flatMap(covering, (other) =>
              Option.match(other, {
                onNone: () => exact,
                onSome: (hit) => Effect.zipRight(onLookup("hit"), lookup(hit))
              })
            )
      )
      const evict = refuse === undefined || request.refused?.source.token === undefined
        ? Effect.void
        : tokens.removeIf(request.refused.source.token, refuse)
      return Effect.zipRight(evict, found).pipe(
        Effect.flatMap(({ key: tokenKey, token }): Effect.Effect<Authenticator.Authorization, RegistryError> => {
          if (Option.isSome(token.granted)) {
            const missing = scope.missing(token.granted.value, needed)
            // The plan's token was granted less than this request needs (capped or narrowed): its own token.
            if (missing.length > 0 && scopes !== needed) {
              return answerBearer(origin, adapter, challenge, { ...request, optional: [] }, credential, credentialKey)
            }
            if (missing.length > 0) {
              return Effect.fail(
                new InsufficientScope({
                  requested: scopeStrings,
                  granted: grantedText(token.granted.value),
                  missing: missing.map(scope.format)
                })
              )
            }
          }
          return Effect.succeed({
            scheme: "Bearer",
            credentials: token.value,
            token: Option.some(token),
            source: { credential: credentialKey, token: tokenKey }
          })
        })
      )
    })
  }

  /**
   * The warm path: the last answer per (origin, host, realm, service, scopes),
   * served while neither its token nor its credential is due for renewal. It is
   * exactly what the slow path would return then; any invalidation clears it.
   */
  interface FastEntry {
    readonly authorization: Authenticator.Authorization
    readonly until: number
    readonly label: string
    readonly scopes: ReadonlyArray<string>
  }
  const fast = new Map<string, FastEntry>()
  const fastCapacity = Math.min(options.maxCacheEntries ?? 1000, 1024)
  /** The scopes part of a key, per scope list: callers (the runtime's plans) hand the same list in again and again. */
  const scopeKeys = new WeakMap<ReadonlyArray<ScopeValue>, string>()
  const scopeKey = (scopes: ReadonlyArray<ScopeValue>): string => {
    let key = scopeKeys.get(scopes)
    if (key === undefined) {
      key = ""
      for (const needed of scopes) key += `\u0000${scope.format(needed)}`
      scopeKeys.set(scopes, key)
    }
    return key
  }
  /** The key per request object too: a runtime hands the same request in for every warm request of a plan. */
  const requestKeys = new WeakMap<Authenticator.AuthorizeRequest, string>()
  const fastKey = (request: Authenticator.AuthorizeRequest): string => {
    let key = requestKeys.get(request)
    if (key === undefined) {
      const challenge = request.challenge
      const realm = challenge.scheme === "bearer" ? `${challenge.realm}\u0000${challenge.service ?? ""}` : "basic"
      const optional = request.optional === undefined || request.optional.length === 0 ? "" : `\u0001${scopeKey(request.optional)}`
      key = `${request.origin}\u0000${request.host ?? ""}\u0000${realm}${scopeKey(request.scopes)}${optional}`
      requestKeys.set(request, key)
    }
    return key
  }
  const remember = (key: string, request: Authenticator.AuthorizeRequest, authorization: Authenticator.Authorization, credentialRenewAt: number) => {
    const token = Option.getOrUndefined(authorization.token)
    // A token read from a shared store, or fetched by another process, is a secret this process sends too.
    if (token !== undefined) secrets.remember(Redacted.value(token.value))
    const until = token === undefined
      ? credentialRenewAt
      : Math.min(credentialRenewAt, refreshAt({ issuedAt: millis(token.issuedAt), expiresAt: millis(token.expiresAt) }, tokenPolicy))
    fast.delete(key)
    if (fast.size >= fastCapacity) fast.delete(fast.keys().next().value!)
    const label = authorization.source.token === undefined ? "" : labels.get(authorization.source.token) ?? ""
    fast.set(key, { authorization, until, label, scopes: scope.merge(request.scopes).map(scope.format) })
  }
  /**
   * Forgets a credential; with `refused`, only if it is still the one that sent
   * it: a credential another fiber renewed meanwhile stays (many requests
   * refused at once cost one renewal).
   */
  const forgetCredential = (key: string, refused?: Authenticator.Authorization) =>
    Effect.suspend(() => {
      fast.clear()
      return refused === undefined
        ? credentials.remove(key)
        : Effect.asVoid(credentials.removeIf(key, (lease) => sends(lease.credential, refused)))
    })

  const slow = (request: Authenticator.AuthorizeRequest, key: string): Effect.Effect<Authenticator.Authorization, RegistryError> =>
    Effect.suspend(() => {
      let origin: URL
      try {
        origin = new URL(request.origin)
      } catch {
        return Effect.fail(new RealmRejected({ realm: redactUrl(request.origin), reason: "the registry origin is not a URL" }))
      }
      const host = request.host ?? origin.host
      const adapter = registries.resolve(host)
      const dropRefusedCredential =
        request.refused !== undefined && Option.isNone(request.refused.token)
          ? forgetCredential(request.refused.source.credential, request.refused)
          : Effect.void
      return Effect.zipRight(
        dropRefusedCredential,
        Effect.flatMap(credentialFor(adapter, host, origin.origin, request.refused !== undefined && Option.isNone(request.refused.token) ? request.refused : undefined), ({ credential, key: credentialKey, renewAt }) =>
          (request.challenge.scheme === "basic"
            ? answerBasic(origin, request.challenge, credential, credentialKey)
            : answerBearer(origin, adapter, request.challenge, request, credential, credentialKey)
          ).pipe(Effect.tap((authorization) => Effect.sync(() => remember(key, request, authorization, renewAt))))
        )
      )
    })

  const authorize = (request: Authenticator.AuthorizeRequest): Effect.Effect<Authenticator.Authorization, RegistryError> =>
    Effect.suspend(() => {
      const key = fastKey(request)
      if (request.refused !== undefined) {
        fast.delete(key)
        return slow(request, key)
      }
      if (!fast.has(key)) return slow(request, key)
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const entry = live(key, now)
        if (entry === undefined) return slow(request, key)
        return Option.isSome(entry.authorization.token)
          ? Effect.as(emit(AuthEvent.TokenCacheHit({ realm: entry.label, scopes: entry.scopes })), entry.authorization)
          : Effect.succeed(entry.authorization)
      })
    })

  /** The warm answer for `key` at `now`, if it is still due to be served (an expired one is dropped). */
  const live = (key: string, now: number): FastEntry | undefined => {
    const entry = fast.get(key)
    if (entry === undefined || now < entry.until) return entry
    fast.delete(key)
    return undefined
  }

  /** Whether a token hit must be reported to a handler captured when the engine was built. */
  const reportsHits = emit.observedIn(Context.empty())
  const cached = (request: Authenticator.AuthorizeRequest, now: number): Authenticator.Authorization | undefined => {
    if (request.refused !== undefined) return undefined
    const entry = live(fastKey(request), now)
    return entry === undefined || (reportsHits && Option.isSome(entry.authorization.token)) ? undefined : entry.authorization
  }

  const invalidate = (authorization: Authenticator.Authorization): Effect.Effect<void> =>
    Option.match(authorization.token, {
      // A Basic answer or a static registry token was refused: the credential itself is stale.
      onNone: () => forgetCredential(authorization.source.credential, authorization),
      onSome: (token) => {
        const key = authorization.source.token
        if (key === undefined) return Effect.void
        fast.clear()
        const secret = Redacted.value(token.value)
        // Only if it is still the stored one: a token another fiber renewed meanwhile stays.
        return Effect.flatMap(tokens.removeIf(key, (stored) => Redacted.value(stored.value) === secret), (removed) =>
          removed
            ? emit(AuthEvent.TokenInvalidated({ realm: labels.get(key) ?? "token endpoint", scopes: token.scopes.map(scope.format) }))
            : Effect.void
        )
      }
    })

  readers.set(authorize, cached)
  return { authorize, invalidate } satisfies Authenticator.Service
})
