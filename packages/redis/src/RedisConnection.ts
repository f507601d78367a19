/**
 * The `ioredis` client the Redis stores and the rate limiter share: one
 * connection per program, closed when the program's scope closes. The stores of
 * one client share what they learn of it: while it is closed (refused, reset,
 * Redis stopped: until ioredis reconnects) or silent (a command went unanswered
 * for its whole `commandTimeout`: until Redis answers a `PING`), they send
 * nothing and answer at once — a miss, a dropped write, a limiter that steps
 * aside. Closing is bounded: `QUIT` waits at most `closeTimeout` (default 2 s)
 * for its answer, then the socket is dropped (`disconnect()`); a connection
 * that is closed or silent is dropped at once.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Scope } from "effect"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"
import { usable } from "./internal/health.js"

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
 * What `open` changes from ioredis's defaults (your `options` win):
 * `maxRetriesPerRequest: 0` — a command queued while the connection is down
 * fails when the connection attempt does, rather than after 20 reconnections;
 * `disconnectTimeout: 0` — a dropped connection does not keep the program
 * alive for 2 s more.
 *
 * @since 1.0.0
 * @category constructors
 */
export const defaults: RedisOptions = { maxRetriesPerRequest: 0, disconnectTimeout: 0 }

/**
 * Opens a client for `url` (`redis://host:port/db`) or `options`, on `defaults`:
 * connection errors do not surface as unhandled events (the commands that meet
 * them fail).
 *
 * @since 0.3.0
 * @category constructors
 */
export const open = (options: string | RedisOptions): Redis => {
  const redis = typeof options === "string" ? new Redis(options, defaults) : new Redis({ ...defaults, ...options })
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
  Effect.suspend(() =>
    // a connection that is closed or silent would only hold QUIT until the timeout
    usable(redis)
      ? Effect.tryPromise(() => redis.quit()).pipe(
        // a scope's release is uninterruptible: the wait for QUIT's answer must not be, or the timeout cannot end it
        Effect.interruptible,
        Effect.timeout(options.closeTimeout ?? Duration.seconds(2)),
        Effect.ignore
      )
      : Effect.void
  ).pipe(Effect.ensuring(Effect.sync(() => redis.disconnect())))

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
