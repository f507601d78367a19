/**
 * The `ioredis` client the Redis stores and the rate limiter share: one
 * connection per program, closed when the program's scope closes. Connection
 * errors surface on the commands that meet them, where the stores treat them as
 * misses.
 *
 * @since 0.2.0
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"

/**
 * @since 0.2.0
 * @category tags
 */
export class RedisConnection extends Context.Tag("@ociauth/redis/RedisConnection")<RedisConnection, Redis>() {}

/**
 * A client for `url` (`redis://host:port/db`) or `options`, closed (`QUIT`) with the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: string | RedisOptions): Effect.Effect<Redis, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const redis = typeof options === "string" ? new Redis(options) : new Redis(options)
      // Connection errors surface on the commands (the stores treat them as misses): not as unhandled events.
      redis.on("error", () => {})
      return redis
    }),
    (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
  )

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: string | RedisOptions): Layer.Layer<RedisConnection> => Layer.scoped(RedisConnection, make(options))

/**
 * A client the program already has (it stays open: its owner closes it).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClient = (redis: Redis): Layer.Layer<RedisConnection> => Layer.succeed(RedisConnection, redis)
