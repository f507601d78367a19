import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Base64 from "effect/encoding/Base64"
import type * as Authenticator from "../Authenticator.js"
import type * as Credential from "../Credential.js"
import { Lru } from "../Lru.js"
import { RealmRejected } from "../RegistryError.js"
import { redactUrl } from "./errorBody.js"
import type { Scope } from "../Scope.js"
import type * as Token from "../Token.js"
import * as scope from "./scope.js"
import * as secrets from "./secrets.js"

/**
 * What answering a challenge computes once and reuses: the runtime hands the
 * same scope lists, realm URLs and tokens in for every request of a plan, so
 * each derived value (merged scopes, their text, token keys, the answer) is
 * kept per input object rather than rebuilt and re-hashed per request.
 */

/** A realm as events show it (redacted), per validated realm URL (the same object while its verdict is kept). */
const labels = new WeakMap<URL, string>()
export const labelOf = (realm: URL): string => {
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
export const tokenKeys = (realm: URL, service: string, identity: string, scopes: ReadonlyArray<Scope>, text: ReadonlyArray<string>) => {
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
export const formatAll = (scopes: ReadonlyArray<Scope>): ReadonlyArray<string> => {
  let text = formatted.get(scopes)
  if (text === undefined) {
    text = scopes.map(scope.format)
    formatted.set(scopes, text)
  }
  return text
}

/** Merged scope lists, per list and per (list, optional list): the runtime hands the same lists in for every request of a plan. */
const merged = new WeakMap<ReadonlyArray<Scope>, ReadonlyArray<Scope>>()
const mergeOnce = (scopes: ReadonlyArray<Scope>): ReadonlyArray<Scope> => {
  let result = merged.get(scopes)
  if (result === undefined) {
    result = scope.merge(scopes)
    merged.set(scopes, result)
  }
  return result
}

/** `f` of two scope lists, computed once per pair of list objects (kept while both lists are). */
const perPair = (f: (a: ReadonlyArray<Scope>, b: ReadonlyArray<Scope>) => ReadonlyArray<Scope>) => {
  const results = new WeakMap<ReadonlyArray<Scope>, WeakMap<ReadonlyArray<Scope>, ReadonlyArray<Scope>>>()
  return (a: ReadonlyArray<Scope>, b: ReadonlyArray<Scope>): ReadonlyArray<Scope> => {
    let byB = results.get(a)
    if (byB === undefined) {
      byB = new WeakMap()
      results.set(a, byB)
    }
    let result = byB.get(b)
    if (result === undefined) {
      result = f(a, b)
      byB.set(b, result)
    }
    return result
  }
}
const mergeWithOnce = perPair((needed, optional) => scope.merge([...needed, ...optional]))

/** What a token's granted scopes lack of a request's, per (granted, needed) list: a warm request checks the same two lists. */
export const missingOnce = perPair(scope.missing)

/** The scopes to ask a token for: the request's, and an access plan's unless the registry just refused a token. */
export const scopesOf = (request: Authenticator.AuthorizeRequest): { readonly needed: ReadonlyArray<Scope>; readonly asked: ReadonlyArray<Scope> } => {
  const needed = mergeOnce(request.scopes)
  const optional = request.refused === undefined ? request.optional ?? [] : []
  return { needed, asked: optional.length === 0 ? needed : mergeWithOnce(needed, optional) }
}

/** The answer per token, for as long as the same token is handed out under the same keys. */
const answers = new WeakMap<Token.Token, Authenticator.Authorization>()
export const answerOf = (token: Token.Token, credentialKey: string, tokenKey: string): Authenticator.Authorization => {
  const known = answers.get(token)
  if (known !== undefined && known.source.credential === credentialKey && known.source.token === tokenKey) return known
  const answer: Authenticator.Authorization = { scheme: "Bearer", credentials: token.value, token: Option.some(token), source: { credential: credentialKey, token: tokenKey } }
  answers.set(token, answer)
  return answer
}

/** Tokens whose secret is known to the scrubber: one read from a shared store, or fetched by another process, is sent by this one too. */
const rememberedTokens = new WeakSet<Token.Token>()
export const rememberToken = (token: Token.Token): void => {
  if (rememberedTokens.has(token)) return
  rememberedTokens.add(token)
  secrets.remember(Redacted.value(token.value))
}

/** The origin of a request as a URL, or the typed refusal of one that is not a URL (parsed once per origin). */
export const originOf = (origin: string): Result.Result<URL, RealmRejected> =>
  origins.getOrSet(origin, () => {
    try {
      return Result.succeed(new URL(origin))
    } catch {
      return Result.fail(new RealmRejected({ realm: redactUrl(origin), reason: "the registry origin is not a URL" }))
    }
  })
const origins = new Lru<string, Result.Result<URL, RealmRejected>>(256)

type Basic = Extract<Credential.Credential, { readonly _tag: "Basic" }>

/** `base64(username:password)` per Basic credential, encoded once: what is sent, and what a refusal is compared with. */
const basicValues = new WeakMap<Basic, Redacted.Redacted<string>>()
export const basicValue = (credential: Basic): Redacted.Redacted<string> => {
  let value = basicValues.get(credential)
  if (value === undefined) {
    value = Redacted.make(Base64.encode(`${credential.username}:${Redacted.value(credential.password)}`))
    basicValues.set(credential, value)
  }
  return value
}

/** The Basic answer per credential, for as long as it is handed out under the same key. */
const basicAnswers = new WeakMap<Basic, Authenticator.Authorization>()
export const basicAnswerOf = (credential: Basic, credentialKey: string): Authenticator.Authorization => {
  const known = basicAnswers.get(credential)
  if (known !== undefined && known.source.credential === credentialKey) return known
  const answer: Authenticator.Authorization = { scheme: "Basic", credentials: basicValue(credential), token: Option.none(), source: { credential: credentialKey } }
  basicAnswers.set(credential, answer)
  return answer
}
