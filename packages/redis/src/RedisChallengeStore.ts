/**
 * A `ChallengeStore` on Redis: what a registry origin answered (its realm and
 * service, or that it asks for nothing) serves every process of the fleet, which
 * then skips the discovery round trip. Entries expire with Redis's TTL (default
 * 1 hour), under the SHA-256 of the origin. Realms and services are not secrets:
 * entries are kept as JSON, unencrypted. An unreadable entry is a miss; a Redis
 * that fails is an empty store.
 *
 * @since 0.2.0
 */
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { ChallengeEntry, StoreKey } from "@ociauth/store"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { bulkString, command, millis, orElse } from "./internal/commands.js"
import { RedisConnection } from "./RedisConnection.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Prefix of every Redis key; default `ociauth:`. */
  readonly prefix?: string
  /** How long an origin's answer is trusted before it is found out again; default 1 hour. */
  readonly timeToLive?: Duration.Input
  /** How long one Redis command may take before the store is treated as unavailable; default 2 s. */
  readonly commandTimeout?: Duration.Input
}

const EntryJson = Schema.fromJsonString(ChallengeEntry.schema)
const decode = Schema.decodeUnknownOption(EntryJson)
const encode = Schema.encodeEffect(EntryJson)

/**
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<ChallengeStore.Service, never, RedisConnection> =>
  Effect.map(RedisConnection, (redis): ChallengeStore.Service => {
    const prefix = options.prefix ?? "ociauth:"
    const timeout = options.commandTimeout ?? "2 seconds"
    const ttl = millis(options.timeToLive ?? Duration.hours(1))
    const name = (origin: string) => Effect.map(StoreKey.digest(origin), (id) => `${prefix}challenge:${id}`)
    return {
      get: (origin) =>
        orElse(
          Effect.flatMap(name(origin), (key) =>
            Effect.map(command(redis, timeout, () => redis.get(key)), (reply) => {
              const raw = bulkString(reply)
              return raw === null ? Option.none() : decode(raw)
            })
          ),
          Option.none(),
          "challenge read"
        ),
      set: (origin, entry) =>
        orElse(
          Effect.gen(function* () {
            const text = yield* encode(Option.map(entry, ChallengeStore.forOrigin))
            const key = yield* name(origin)
            yield* command(redis, timeout, () => redis.set(key, text, "PX", ttl))
          }),
          undefined,
          "challenge write"
        ),
      remove: (origin) =>
        orElse(Effect.asVoid(Effect.flatMap(name(origin), (key) => command(redis, timeout, () => redis.del(key)))), undefined, "challenge remove")
    }
  })

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<ChallengeStore.ChallengeStore, never, RedisConnection> =>
  Layer.effect(ChallengeStore.ChallengeStore, make(options))
