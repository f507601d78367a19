import { Context, Effect, Either, Encoding, Option, Redacted, Tracer } from "effect"
import { AuthEvent } from "../AuthEvent.js"
import type { Emitter } from "../AuthEvent.js"
import type * as Authenticator from "../Authenticator.js"
import type { BearerChallenge } from "../Challenge.js"
import * as Credential from "../Credential.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import type { RegistryError } from "../RegistryError.js"
import { InsufficientScope, RealmRejected, redactUrl, TokenRequestError } from "../RegistryError.js"
import type { Scope } from "../Scope.js"
import type * as Token from "../Token.js"
import type { Send } from "./http.js"
import type { Lookup } from "./lease.js"
import { Lru } from "../Lru.js"
import { validateRealm } from "./realm.js"
import * as scope from "./scope.js"
import * as secrets from "./secrets.js"
import type { TokenCache } from "./tokenCache.js"
import { exchange } from "./tokenExchange.js"

/** What answering a challenge needs besides the request: the engine's parts and settings. */
export interface Answering {
  readonly tokens: TokenCache
  readonly send: Send
  readonly emit: Emitter
  /** The realm policy's verdict on a realm for a registry origin (see `realmPolicy`). */
  readonly validate: (realm: string, origin: string) => Either.Either<URL, RealmRejected>
  readonly timeout: import("effect").Duration.Duration
  readonly maxBodyBytes: number
  /** Forgets a credential its token server refused. */
  readonly forgetCredential: (key: string) => Effect.Effect<void>
}

/** Sets an attribute on the current span, if there is one (`annotateCurrentSpan` builds an exception when there is none). */
export const annotate = (key: string, value: unknown): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(Tracer.ParentSpan), (span) => {
    if (Option.isSome(span) && span.value._tag === "Span") span.value.attribute(key, value)
  })

/** Scopes a server granted (a JWT's `access` claim), fit to repeat: server text, scrubbed of the secrets the SDK sent. */
export const grantedText = (granted: ReadonlyArray<Scope>): ReadonlyArray<string> =>
  granted.map((s) => secrets.scrub(scope.format(s), 256))

/** A Basic challenge (ECR, htpasswd) answered with the Basic credential. */
export const answerBasic = (
  origin: URL,
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

/** The realm policy for an engine's insecure hosts; validation is pure, so its verdict is kept per (realm, origin). */
export const realmPolicy = (insecure: ReadonlyArray<string>) => {
  const verdicts = new Lru<string, Either.Either<URL, RealmRejected>>(1024)
  return (realm: string, origin: string): Either.Either<URL, RealmRejected> =>
    verdicts.getOrSet(`${realm}\u0000${origin}`, () => validateRealm(realm, origin, { insecure }))
}

/** A realm as events show it (redacted), per validated realm URL (the same object while its verdict is kept). */
const labels = new WeakMap<URL, string>()
const labelOf = (realm: URL): string => {
  let label = labels.get(realm)
  if (label === undefined) {
    label = redactUrl(realm)
    labels.set(realm, label)
  }
  return label
}

/**
 * The token cache's group (realm, service, credential identity) and key (the
 * group and the scopes), built once per realm URL, service, identity and scope
 * list: the same strings every request, so no long key is built and hashed anew.
 */
const keys = new WeakMap<URL, Map<string, Map<string, WeakMap<ReadonlyArray<Scope>, { readonly group: string; readonly key: string }>>>>()
const tokenKeys = (realm: URL, service: string, identity: string, scopes: ReadonlyArray<Scope>, text: ReadonlyArray<string>) => {
  let byService = keys.get(realm)
  if (byService === undefined) keys.set(realm, (byService = new Map()))
  let byIdentity = byService.get(service)
  if (byIdentity === undefined) byService.set(service, (byIdentity = new Map()))
  let byScopes = byIdentity.get(identity)
  if (byScopes === undefined) byIdentity.set(identity, (byScopes = new WeakMap()))
  let found = byScopes.get(scopes)
  if (found === undefined) {
    const group = `${realm.href}\u0000${service}\u0000${identity}`
    found = { group, key: `${group}\u0000${text.join(" ")}` }
    byScopes.set(scopes, found)
  }
  return found
}

/** Scope lists as text, per list: the runtime hands the same list in for every request of a plan. */
const formatted = new WeakMap<ReadonlyArray<Scope>, ReadonlyArray<string>>()
const formatAll = (scopes: ReadonlyArray<Scope>): ReadonlyArray<string> => {
  let text = formatted.get(scopes)
  if (text === undefined) {
    text = scopes.map(scope.format)
    formatted.set(scopes, text)
  }
  return text
}

/** Merged scope lists, per list and per (list, optional list): the runtime hands the same lists in for every request of a plan. */
const merged = new WeakMap<ReadonlyArray<Scope>, ReadonlyArray<Scope>>()
const mergedWith = new WeakMap<ReadonlyArray<Scope>, WeakMap<ReadonlyArray<Scope>, ReadonlyArray<Scope>>>()
const mergeOnce = (scopes: ReadonlyArray<Scope>): ReadonlyArray<Scope> => {
  let result = merged.get(scopes)
  if (result === undefined) {
    result = scope.merge(scopes)
    merged.set(scopes, result)
  }
  return result
}
const mergeWithOnce = (needed: ReadonlyArray<Scope>, optional: ReadonlyArray<Scope>): ReadonlyArray<Scope> => {
  let byOptional = mergedWith.get(needed)
  if (byOptional === undefined) {
    byOptional = new WeakMap()
    mergedWith.set(needed, byOptional)
  }
  let result = byOptional.get(optional)
  if (result === undefined) {
    result = scope.merge([...needed, ...optional])
    byOptional.set(optional, result)
  }
  return result
}

/** The scopes to ask a token for: the request's, and an access plan's unless the registry just refused a token. */
const scopesOf = (request: Authenticator.AuthorizeRequest): { readonly needed: ReadonlyArray<Scope>; readonly asked: ReadonlyArray<Scope> } => {
  const needed = mergeOnce(request.scopes)
  const optional = request.refused === undefined ? request.optional ?? [] : []
  return { needed, asked: optional.length === 0 ? needed : mergeWithOnce(needed, optional) }
}

/** The answer per token, for as long as the same token is handed out under the same keys. */
const answers = new WeakMap<Token.Token, Authenticator.Authorization>()
const answerOf = (token: Token.Token, credentialKey: string, tokenKey: string): Authenticator.Authorization => {
  const known = answers.get(token)
  if (known !== undefined && known.source.credential === credentialKey && known.source.token === tokenKey) return known
  const answer: Authenticator.Authorization = { scheme: "Bearer", credentials: token.value, token: Option.some(token), source: { credential: credentialKey, token: tokenKey } }
  answers.set(token, answer)
  return answer
}

/**
 * A Bearer challenge answered: a registry token as it is; otherwise a token
 * from the (validated) realm for the request's scopes, through the token cache.
 */
export const answerBearer = (
  engine: Answering,
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
  const realm = engine.validate(challenge.realm, origin.href)
  if (Either.isLeft(realm)) return Effect.fail(realm.left)
  const realmUrl = realm.right
  const label = labelOf(realmUrl)
  const { asked, needed } = scopesOf(request)
  const scopeStrings = formatAll(asked)
  const refused = Option.getOrUndefined(Option.flatMap(Option.fromNullable(request.refused), (a) => a.token))

  return Effect.flatMap(Credential.identity(credential), (identity) => {
    const { group, key } = tokenKeys(realmUrl, challenge.service ?? "", identity, asked, scopeStrings)
    const fetch = () => exchange(engine.send, {
        realm: realmUrl,
        service: challenge.service,
        scopes: asked,
        credential,
        preferences: adapter.tokenRequest,
        defaultLifetime: adapter.defaultTokenLifetime,
        maxBodyBytes: engine.maxBodyBytes,
        timeout: engine.timeout,
        emit: engine.emit
      }).pipe(
      Effect.tap((token) => {
        secrets.remember(Redacted.value(token.value))
        return engine.emit(
          AuthEvent.TokenIssued({ realm: label, scopes: scopeStrings, granted: Option.map(token.granted, grantedText), expiresAt: token.expiresAt })
        )
      }),
      Effect.tapError((error) =>
        // The token server refused the credential: ask its source again next time.
        error._tag === "TokenRequestError" && error.reason === "Unauthorized" && credential._tag !== "Anonymous"
          ? engine.forgetCredential(credentialKey)
          : Effect.void
      ),
      Effect.withSpan("ociauth.token_request", { kind: "client", captureStackTrace: false, attributes: { "ociauth.realm": label, "ociauth.scopes": scopeStrings.join(" ") } })
    )
    // The cache outcome on the span of the request being authorised, and the event if anyone listens.
    const onLookup = (lookup: Lookup) =>
      Effect.contextWithEffect((context: Context.Context<never>) => {
        const span = Context.getOption(context, Tracer.ParentSpan)
        if (Option.isSome(span) && span.value._tag === "Span") span.value.attribute("ociauth.token_cache", lookup)
        if ((lookup !== "hit" && lookup !== "refresh-ahead") || !engine.emit.observedIn(context)) return Effect.void
        return engine.emit(
          lookup === "hit"
            ? AuthEvent.TokenCacheHit({ realm: label, scopes: scopeStrings })
            : AuthEvent.TokenRefreshAhead({ realm: label, scopes: scopeStrings })
        )
      })
    const lookup = { group, key, scopes: asked, label, fetch, onLookup, ...(refused === undefined ? {} : { refused }) }
    return engine.tokens.get(lookup, request.refused?.source.token).pipe(
      Effect.flatMap(({ key, token }): Effect.Effect<Authenticator.Authorization, RegistryError> => {
        rememberToken(token)
        if (Option.isSome(token.granted)) {
          const missing = scope.missing(token.granted.value, needed)
          // The plan's token was granted less than this request needs (capped or narrowed): its own token.
          if (missing.length > 0 && asked !== needed) {
            return answerBearer(engine, origin, adapter, challenge, { ...request, optional: [] }, credential, credentialKey)
          }
          if (missing.length > 0) {
            return Effect.fail(
              new InsufficientScope({ requested: scopeStrings, granted: grantedText(token.granted.value), missing: missing.map(scope.format) })
            )
          }
        }
        return Effect.succeed(answerOf(token, credentialKey, key))
      })
    )
  })
}

/** Tokens whose secret is known to the scrubber: one read from a shared store, or fetched by another process, is sent by this one too. */
const rememberedTokens = new WeakSet<Token.Token>()
const rememberToken = (token: Token.Token): void => {
  if (rememberedTokens.has(token)) return
  rememberedTokens.add(token)
  secrets.remember(Redacted.value(token.value))
}

/** The origin of a request as a URL, or the typed refusal of one that is not a URL (parsed once per origin). */
export const originOf = (origin: string): Either.Either<URL, RealmRejected> =>
  origins.getOrSet(origin, () => {
    try {
      return Either.right(new URL(origin))
    } catch {
      return Either.left(new RealmRejected({ realm: redactUrl(origin), reason: "the registry origin is not a URL" }))
    }
  })
const origins = new Lru<string, Either.Either<URL, RealmRejected>>(256)
