/**
 * A memory tier in front of a shared token store. The coherence rules are
 * written on `TokenStore.tiered`; this file is their implementation:
 *
 * - `read` serves a memory entry younger than the re-check interval, and
 *   otherwise reads the shared tier and fills memory with its answer;
 * - `generation` counts removals (this process's and the invalidation
 *   channel's): a shared read fills memory only when no removal happened while
 *   it ran, so a token removed meanwhile is not put back;
 * - `singleFlight` is the shared store's, filling memory with its token.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Scope } from "effect"
import type { Token } from "../Token.js"
import type { Service, TieredOptions } from "../TokenStore.js"
import { makeTokenMemory } from "./memoryStore.js"
import type { MemoryStore } from "./memoryStore.js"

/** A token in memory, and when the shared tier last agreed it was there. */
interface Entry {
  readonly token: Token
  readonly checkedAt: number
}

interface Tiers {
  readonly memory: MemoryStore<Entry>
  readonly shared: Service
  readonly recheckMillis: number
  /** Removals seen so far (one counter for every key: a removal makes at most one read re-ask the shared tier). */
  generation: number
}

export const make = (shared: Service, options: TieredOptions = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function* () {
    const memory = yield* makeTokenMemory(options.capacity ?? 1000, (entry: Entry) => entry.token)
    const tiers: Tiers = {
      memory,
      shared,
      recheckMillis: Duration.toMillis(Duration.fromInputUnsafe(options.recheckInterval ?? Duration.seconds(5))),
      generation: 0
    }
    if (options.invalidations !== false && shared.subscribe !== undefined) {
      yield* shared.subscribe((key) => forget(tiers, key))
    }
    const service: Service = {
      get: (key) => read(tiers, key),
      set: (key, token) => write(tiers, key, token),
      remove: (key) => remove(tiers, key)
    }
    const singleFlight = shared.singleFlight
    return singleFlight === undefined
      ? service
      : { ...service, singleFlight: (key, fetch) => Effect.tap(singleFlight(key, fetch), (token) => fill(tiers, key, token)) }
  })

/** Memory when it was checked recently enough; the shared tier otherwise. */
const read = (tiers: Tiers, key: string): Effect.Effect<Option.Option<Token>> =>
  Effect.flatMap(Effect.zip(tiers.memory.get(key), Clock.currentTimeMillis), ([found, now]) =>
    Option.isSome(found) && now - found.value.checkedAt < tiers.recheckMillis
      ? Effect.succeed(Option.some(found.value.token))
      : readShared(tiers, key)
  )

const readShared = (tiers: Tiers, key: string): Effect.Effect<Option.Option<Token>> => {
  const generation = tiers.generation
  return Effect.flatMap(tiers.shared.get(key), (found): Effect.Effect<Option.Option<Token>> =>
    tiers.generation !== generation
      ? // removed while the shared tier was read: serve nothing older than the removal, keep nothing
        Effect.succeed(Option.none())
      : Option.isSome(found)
      ? Effect.as(fill(tiers, key, found.value), found)
      : Effect.as(tiers.memory.remove(key), found)
  ).pipe(Effect.withSpan("ociauth.TokenStore.tiered.readShared", { attributes: { "ociauth.store.generation": generation } }))
}

const fill = (tiers: Tiers, key: string, token: Token): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => tiers.memory.set(key, { token, checkedAt: now }))

const write = (tiers: Tiers, key: string, token: Token): Effect.Effect<void> =>
  Effect.andThen(tiers.shared.set(key, token), fill(tiers, key, token))

/** Gone from memory before anything else can read it, then from the shared tier. */
const remove = (tiers: Tiers, key: string): Effect.Effect<void> =>
  Effect.andThen(forget(tiers, key), tiers.shared.remove(key))

const forget = (tiers: Tiers, key: string): Effect.Effect<void> =>
  Effect.suspend(() => {
    tiers.generation++
    return tiers.memory.remove(key)
  })
