/**
 * What the runtime has learned about each registry origin: the realm and
 * service of its challenge, or that it asks for no credentials. A challenge's
 * realm and service belong to the origin; its scope belongs to the request that
 * drew it, so the store never keeps a scope. In memory by default (Effect's
 * `Cache`: a capacity and a time to live).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { AuthChallenge } from "./Challenge.js"
import { makeMemoryStore } from "./internal/memoryStore.js"

/**
 * `Some(challenge)`: the origin asks for credentials this way. `None`: the
 * origin answered without asking.
 *
 * @since 0.2.0
 * @category models
 */
export type Entry = Option.Option<AuthChallenge>

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  readonly get: (origin: string) => Effect.Effect<Option.Option<Entry>>
  /** Remembers what an origin answered; a Bearer challenge is kept without its scope. */
  readonly set: (origin: string, entry: Entry) => Effect.Effect<void>
  readonly remove: (origin: string) => Effect.Effect<void>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class ChallengeStore extends Context.Service<ChallengeStore, Service>()("@ociauth/core/ChallengeStore") {}

/**
 * A challenge as an origin's knowledge: realm and service, no scope.
 *
 * @since 0.2.0
 * @category utils
 */
export const forOrigin = (challenge: AuthChallenge): AuthChallenge =>
  challenge.scheme === "bearer" && challenge.scopes.length > 0 ? { ...challenge, scopes: [] } : challenge

/**
 * @since 0.2.0
 * @category models
 */
export interface MemoryOptions {
  /** Most origins remembered; default 1,024. */
  readonly capacity?: number
  /** How long an origin's answer is trusted before it is found out again; default 1 hour. */
  readonly timeToLive?: Duration.Input
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Service> => {
  const ttl = Duration.fromInputUnsafe(options.timeToLive ?? Duration.hours(1))
  return Effect.map(
    makeMemoryStore<Entry>({ capacity: options.capacity ?? 1024, timeToLive: () => ttl, expiresAt: () => Number.POSITIVE_INFINITY }),
    (store): Service => ({
      get: store.get,
      set: (origin, entry) => store.set(origin, Option.map(entry, forOrigin)),
      remove: store.remove
    })
  )
}

/**
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<ChallengeStore> =>
  Layer.effect(ChallengeStore, makeMemory(options))
