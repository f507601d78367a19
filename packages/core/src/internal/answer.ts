import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Tracer from "effect/Tracer"
import { AuthEvent } from "../AuthEvent.js"
import type { Emitter } from "../AuthEvent.js"
import type * as Authenticator from "../Authenticator.js"
import type { BearerChallenge } from "../Challenge.js"
import * as Credential from "../Credential.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import type { RegistryError } from "../RegistryError.js"
import { InsufficientScope, RealmRejected, TokenRequestError } from "../RegistryError.js"
import { redactUrl } from "./errorBody.js"
import type { Scope } from "../Scope.js"
import type { Send } from "./http.js"
import type { Lookup } from "./lease.js"
import { Lru } from "../Lru.js"
import { answerOf, basicAnswerOf, formatAll, labelOf, missingOnce, rememberToken, scopesOf, tokenKeys } from "./answerMemo.js"
import { validateRealm } from "./realm.js"
import * as scope from "./scope.js"
import * as secrets from "./secrets.js"
import type { TokenCache } from "./tokenCache.js"
import { credentialKind, exchange } from "./tokenExchange.js"

/** What answering a challenge needs besides the request: the engine's parts and settings. */
export interface Answering {
  readonly tokens: TokenCache
  readonly send: Send
  readonly emit: Emitter
  /** The realm policy's verdict on a realm for a registry origin (see `realmPolicy`). */
  readonly validate: (realm: string, origin: string) => Result.Result<URL, RealmRejected>
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
  if (credential._tag === "Basic") return Effect.succeed(basicAnswerOf(credential, credentialKey))
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
  const verdicts = new Lru<string, Result.Result<URL, RealmRejected>>(1024)
  return (realm: string, origin: string): Result.Result<URL, RealmRejected> =>
    verdicts.getOrSet(`${realm}\u0000${origin}`, () => validateRealm(realm, origin, { insecure }))
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
  if (Result.isFailure(realm)) return Effect.fail(realm.failure)
  const realmUrl = realm.success
  const label = labelOf(realmUrl)
  const { asked, needed } = scopesOf(request)
  const scopeStrings = formatAll(asked)
  const refused = Option.getOrUndefined(Option.flatMap(Option.fromNullishOr(request.refused), (a) => a.token))

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
      Effect.withSpan(
        "ociauth.token_request",
        { kind: "client", attributes: { "ociauth.realm": label, "ociauth.scopes": scopeStrings.join(" ") } },
        { captureStackTrace: false }
      )
    )
    // The cache outcome on the span of the request being authorised, and the event if anyone listens.
    const onLookup = (lookup: Lookup) =>
      Effect.contextWith((context: Context.Context<never>) => {
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
          const missing = missingOnce(token.granted.value, needed)
          // The plan's token was granted less than this request needs (capped or narrowed): its own token.
          if (missing.length > 0 && asked !== needed) {
            return answerBearer(engine, origin, adapter, challenge, { ...request, optional: [] }, credential, credentialKey)
          }
          if (missing.length > 0) {
            return Effect.fail(
              new InsufficientScope({
                requested: scopeStrings,
                granted: grantedText(token.granted.value),
                missing: missing.map(scope.format),
                credential: credentialKind(credential)
              })
            )
          }
        }
        return Effect.succeed(answerOf(token, credentialKey, key))
      })
    )
  })
}

export { originOf } from "./answerMemo.js"
