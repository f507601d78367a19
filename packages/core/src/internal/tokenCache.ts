import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Cause, FiberSet } from "effect"
import type { RealmRejected, TokenRequestError } from "../RegistryError.js"
import type { Scope } from "../Scope.js"
import type * as Token from "../Token.js"
import { type LeasePolicy, Leases, type Lookup, type Storage } from "./lease.js"
import { Lru } from "../Lru.js"
import * as scope from "./scope.js"

type FetchError = TokenRequestError | RealmRejected

/** A token and the store key it is kept under. */
export interface Held {
  readonly key: string
  readonly token: Token.Token
}

/** One token lookup: what the request needs, and how to get a token when none is held. */
export interface TokenLookup {
  /** (realm, service, credential identity): the tokens of a group are interchangeable where their scopes cover. */
  readonly group: string
  /** The group and the merged scopes asked for. */
  readonly key: string
  readonly scopes: ReadonlyArray<Scope>
  /** The realm as events show it. */
  readonly label: string
  readonly fetch: () => Effect.Effect<Token.Token, FetchError>
  /** The token the registry just refused: never handed out again. */
  readonly refused?: Token.Token
  readonly onLookup: (lookup: Lookup) => Effect.Effect<void>
}

export interface TokenCacheOptions {
  /** The `TokenStore`, or the engine's own memory (read in place: `peek`). */
  readonly store: Storage<Token.Token>
  readonly policy: LeasePolicy
  readonly fibers: FiberSet.FiberSet<unknown, unknown>
  readonly onRenewalFailure: (label: string, cause: Cause.Cause<FetchError>) => Effect.Effect<void>
}

const sameToken = (a: Token.Token) => (b: Token.Token) => Redacted.value(a.value) === Redacted.value(b.value)

/**
 * The engine's tokens: leases over the `TokenStore` (its only cache: one read
 * per request, one fetch in flight per key, renewal ahead of expiry), and an
 * index of the keys of each group, so that a token whose scopes cover a
 * request serves it.
 */
export const makeTokenCache = (options: TokenCacheOptions) => {
  const { store } = options
  /** Realm labels by token key, for events about background work. */
  const labels = new Lru<string, string>(4096)
  /** Token keys and the scopes they were asked for, by group. */
  const groups = new Lru<string, Lru<string, ReadonlyArray<Scope>>>(1024)
  const leases = new Leases<Token.Token, FetchError>(
    store,
    (token) => ({ issuedAt: DateTime.toEpochMillis(token.issuedAt), expiresAt: DateTime.toEpochMillis(token.expiresAt) }),
    options.policy,
    options.fibers,
    (key, cause) => options.onRenewalFailure(labels.get(key) ?? "token endpoint", cause)
  )

  const index = (lookup: TokenLookup) => {
    const keys = groups.getOrSet(lookup.group, () => new Lru(64))
    if (!keys.has(lookup.key)) keys.set(lookup.key, lookup.scopes)
    if (!labels.has(lookup.key)) labels.set(lookup.key, lookup.label)
  }

  /** A fresh token of the group, under another key, whose scopes cover the lookup's. */
  const covering = (lookup: TokenLookup): Effect.Effect<Option.Option<Held>> => {
    const keys = groups.get(lookup.group)
    if (keys === undefined || keys.size < 2 && keys.has(lookup.key)) return Effect.succeedNone
    const candidates = [...keys].filter(([other, granted]) => other !== lookup.key && scope.missing(granted, lookup.scopes).length === 0)
    if (candidates.length === 0) return Effect.succeedNone
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.reduce(candidates, () => Option.none<Held>(), (found, [other]) =>
        Option.isSome(found)
          ? Effect.succeed(found)
          : Effect.map(store.get(other), (stored) =>
              Option.filter(
                Option.map(stored, (token) => ({ key: other, token })),
                ({ token }) =>
                  leases.state(token, now) === "fresh" &&
                  Option.match(token.granted, { onNone: () => true, onSome: (granted) => scope.missing(granted, lookup.scopes).length === 0 })
              )
            )
      )
    )
  }

  /**
   * The token for a lookup: the one stored under its key, one of its group that
   * covers it, the fetch under way, or a new fetch. A refused token is first
   * dropped from the store (only its own key) and never handed out.
   */
  const get = (lookup: TokenLookup, refusedKey?: string): Effect.Effect<Held, FetchError> => {
    const fetch = () => Effect.tap(lookup.fetch(), () => Effect.sync(() => index(lookup)))
    const refused = lookup.refused
    let served = lookup.key
    const held = leases.get(
      lookup.key,
      fetch,
      refused === undefined
        ? {
            onLookup: lookup.onLookup,
            otherwise: () => Effect.map(covering(lookup), (found) =>
              Option.map(found, (hit) => {
                served = hit.key
                return hit.token
              })
            )
          }
        : { onLookup: lookup.onLookup, refuse: sameToken(refused) }
    )
    const evict = refused === undefined || refusedKey === undefined ? Effect.void : leases.removeIf(refusedKey, sameToken(refused))
    return Effect.andThen(evict, Effect.map(held, (token) => ({ key: served, token })))
  }

  /** Forgets the token under `key` if it is still `token` (one renewed meanwhile stays); true if it did. */
  const invalidate = (key: string, token: Token.Token): Effect.Effect<boolean> => leases.removeIf(key, sameToken(token))

  return { get, invalidate, label: (key: string) => labels.get(key) ?? "token endpoint" } as const
}

export type TokenCache = ReturnType<typeof makeTokenCache>
