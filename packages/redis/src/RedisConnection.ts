/**
 * The `ioredis` client the Redis stores and the rate limiter share: one
 * connection per program, closed when the program's scope closes. Connection
 * errors surface on the commands that meet them, where the stores treat them as
 * misses. Closing is bounded: `QUIT` waits at most `closeTimeout` (default 2 s)
 * for its answer, then the socket is dropped (`disconnect()`), so a Redis that
 * went silent or answers a byte at a time never holds a program's shutdown.
 *
 * @since 0.2.0
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"

/**
 * @since 0.2.0
 * @category services
 */
export class RedisConnection extends Context.Service<RedisConnection, Redis>()("@ociauth/redis/RedisConnection") {}

/**
 * @since 0.3.0
 * @category models
 */
export interface CloseOptions {
  /** How long `QUIT` may take when the scope closes before the socket is dropped; default 2 s. */
  readonly closeTimeout?: Duration.Input
}

/**
 * Opens a client for `url` (`redis://host:port/db`) or `options`: connection
 * errors do not surface as unhandled events (the commands that meet them fail).
 *
 * @since 0.3.0
 * @category constructors
 */
export const open = (options: string | RedisOptions): Redis => {
  const redis = typeof options === "string" ? new Redis(options) : new Redis(options)
  redis.on("error", () => {})
  return redis
}

/**
 * Closes a client within `closeTimeout`: `QUIT`, and `disconnect()` when it fails
 * or does not answer in time. Never fails.
 *
 * @since 0.3.0
 * @category destructors
 */
export const close = (redis: Redis, options: CloseOptions = {}): Effect.Effect<void> =>
  Effect.tryPromise(() => redis.quit()).pipe(
    // a scope's release is uninterruptible: the wait for QUIT's answer must not be, or the timeout cannot end it
    Effect.interruptible,
    Effect.timeout(options.closeTimeout ?? Duration.seconds(2)),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => redis.disconnect()))
  )

/**
 * A client for `url` (`redis://host:port/db`) or `options`, closed (`QUIT`, bounded by `closeTimeout`) with the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: string | RedisOptions, closeOptions: CloseOptions = {}): Effect.Effect<Redis, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => open(options)), (redis) => close(redis, closeOptions))

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: string | RedisOptions, closeOptions?: CloseOptions): Layer.Layer<RedisConnection> =>
  Layer.effect(RedisConnection, make(options, closeOptions))

/**
 * The connection from an ioredis client the program already has (it stays
 * open: its owner closes it). Was `layerClient`, a name `RegistryClient` uses
 * for its service's layer.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerFrom = (redis: Redis): Layer.Layer<RedisConnection> => Layer.succeed(RedisConnection, redis)
