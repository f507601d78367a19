/**
 * A `ChallengeStore` on files: what a registry origin answered (its realm and
 * service, or that it asks for nothing) serves the next process, which then
 * skips the discovery round trip. Entries are kept for a time to live (default
 * 1 hour) under the SHA-256 of the origin; unreadable ones are misses.
 *
 * @since 0.2.0
 */
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Config, FileSystem, Path } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as ChallengeEntry from "./ChallengeEntry.js"
import * as FileStore from "./FileStore.js"
import * as entries from "./internal/entries.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options extends FileStore.Options {
  /** How long an origin's answer is trusted before it is found out again; default 1 hour. */
  readonly timeToLive?: Duration.Input
}

/**
 * A challenge store on the `KeyValueStore` in context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Pick<Options, "timeToLive"> = {}
): Effect.Effect<ChallengeStore.Service, never, KeyValueStore.KeyValueStore> => {
  const ttl = Duration.toMillis(options.timeToLive ?? Duration.hours(1))
  return Effect.map(entries.make("challenge", ChallengeEntry.schema), (store): ChallengeStore.Service => ({
    get: store.get,
    set: (origin, entry) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => store.set(origin, Option.map(entry, ChallengeStore.forOrigin), now + ttl)),
    remove: store.remove
  }))
}

/**
 * The challenge store on the `KeyValueStore` in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerKeyValueStore = (
  options: Pick<Options, "timeToLive"> = {}
): Layer.Layer<ChallengeStore.ChallengeStore, never, KeyValueStore.KeyValueStore> => Layer.effect(ChallengeStore.ChallengeStore, make(options))

/**
 * The challenge store in the user's cache folder (or `options.directory`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<ChallengeStore.ChallengeStore, PlatformError | Config.ConfigError, FileSystem.FileSystem | Path.Path> =>
  layerKeyValueStore(options).pipe(Layer.provide(FileStore.layerKeyValueStore(options)))
