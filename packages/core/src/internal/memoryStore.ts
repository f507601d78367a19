import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Lru } from "../Lru.js"
import type { Token } from "../Token.js"
import * as DateTime from "effect/DateTime"
/** A key-value store in memory: bounded (least recently used first out), each value served until it expires. */
export interface MemoryStore<V> {
  readonly get: (key: string) => Effect.Effect<Option.Option<V>>
  readonly set: (key: string, value: V) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
  /** The value under `key` at `now`, read in place: what `get` answers then. */
  readonly peek: (key: string, now: number) => Option.Option<V>
}

export interface MemoryStoreOptions<V> {
  readonly capacity: number
  /** How long a value may be kept (an upper bound: `expiresAt` is checked on every read). */
  readonly timeToLive: (value: V) => Duration.Duration
  /** When a value stops being served, in epoch milliseconds. */
  readonly expiresAt: (value: V) => number
}

/**
 * The store on the one `Lru`, with time read from Effect's `Clock` (so
 * `TestClock` drives expiry): a read is a clock read and a map lookup. A value
 * is served until its `expiresAt` or its time to live from when it was set,
 * whichever comes first, and dropped at the first read after.
 */
export const makeMemoryStore = <V>(options: MemoryStoreOptions<V>): Effect.Effect<MemoryStore<V>> =>
  Effect.sync(() => {
    const entries = new Lru<string, { readonly value: V; readonly until: number }>(Math.max(1, options.capacity))
    const peek = (key: string, now: number): Option.Option<V> => {
      const entry = entries.get(key)
      if (entry === undefined) return Option.none()
      if (now < entry.until) return Option.some(entry.value)
      entries.delete(key)
      return Option.none()
    }
    return {
      get: (key) => Effect.map(Clock.currentTimeMillis, (now) => peek(key, now)),
      peek,
      set: (key, value) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const until = Math.min(options.expiresAt(value), now + Duration.toMillis(options.timeToLive(value)))
          entries.set(key, { value, until })
        }),
      remove: (key) => Effect.sync(() => void entries.delete(key))
    }
  })

/** Tokens in memory (or values that hold one: `tokenOf`), each for its token's lifetime. */
export const makeTokenMemory: {
  (capacity: number): Effect.Effect<MemoryStore<Token>>
  <V>(capacity: number, tokenOf: (value: V) => Token): Effect.Effect<MemoryStore<V>>
} = <V>(capacity: number, tokenOf: (value: V) => Token = (value) => value as unknown as Token) =>
  makeMemoryStore<V>({
    capacity,
    timeToLive: (value) => {
      const token = tokenOf(value)
      return Duration.millis(Math.max(0, DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt)))
    },
    expiresAt: (value) => DateTime.toEpochMillis(tokenOf(value).expiresAt)
  })
