import { Cache, Clock, Duration, Effect, Exit, Option } from "effect"
import { NoSuchElementException } from "effect/Cause"

/** A key-value store in memory, bounded by Effect's `Cache`: capacity, and a time to live per value. */
export interface MemoryStore<V> {
  readonly get: (key: string) => Effect.Effect<Option.Option<V>>
  readonly set: (key: string, value: V) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
}

export interface MemoryStoreOptions<V> {
  readonly capacity: number
  /** How long a value may be kept (an upper bound: `expiresAt` is checked on every read). */
  readonly timeToLive: (value: V) => Duration.Duration
  /** When a value stops being served, in epoch milliseconds. */
  readonly expiresAt: (value: V) => number
}

export const makeMemoryStore = <V>(options: MemoryStoreOptions<V>): Effect.Effect<MemoryStore<V>> =>
  Effect.map(
    Cache.makeWith({
      capacity: options.capacity,
      // Values only enter through `set`: a lookup means "absent".
      lookup: (_key: string) => Effect.fail(new NoSuchElementException()) as Effect.Effect<V, NoSuchElementException>,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? options.timeToLive(exit.value) : Duration.zero)
    }),
    (cache): MemoryStore<V> => ({
      get: (key) =>
        cache.getOptionComplete(key).pipe(
          Effect.flatMap((found) =>
            Option.isNone(found)
              ? Effect.succeedNone
              : Effect.map(Clock.currentTimeMillis, (now) => (now < options.expiresAt(found.value) ? found : Option.none()))
          )
        ),
      set: (key, value) => cache.set(key, value),
      remove: (key) => cache.invalidate(key)
    })
  )
