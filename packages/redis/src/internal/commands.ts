import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Redis } from "ioredis"
import { markSilent, usable } from "./health.js"

/** A Redis command that failed or did not answer in time: callers treat the store as unavailable. */
export class RedisUnavailable {
  readonly _tag = "RedisUnavailable"
  constructor(readonly cause: unknown) {}
}

const down = Effect.fail(new RedisUnavailable("connection down"))

/**
 * Runs one command on `redis`, bounded in time. Not sent at all, and failing at
 * once, while the connection is known to be closed or silent (see `health.ts`);
 * a command that times out marks it silent for every store on the connection.
 */
export const command = <A>(redis: Redis, timeout: Duration.Input, run: () => Promise<A>): Effect.Effect<A, RedisUnavailable> =>
  Effect.suspend(() =>
    usable(redis)
      ? Effect.tryPromise({ try: run, catch: (cause) => new RedisUnavailable(cause) }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.andThen(Effect.sync(() => markSilent(redis)), Effect.fail(new RedisUnavailable("timeout")))
        })
      )
      : down
  )

/**
 * What every store does when Redis is unavailable: answers `fallback` (a miss, a
 * dropped write, a limiter that steps aside) and logs `operation` at debug level.
 */
export const orElse = <A, E>(self: Effect.Effect<A, E>, fallback: A, operation: string): Effect.Effect<A> =>
  Effect.catch(self, (error) =>
    Effect.as(Effect.logDebug(`ociauth redis: ${operation} failed`, error instanceof RedisUnavailable ? error.cause : error), fallback)
  )

/** A bulk-string reply (`GET`): anything else (an integer, an array, a status) is no value. */
export const bulkString = (reply: unknown): string | null => (typeof reply === "string" ? reply : null)

/** An integer reply (`PTTL`, a script's count): `fallback` for anything else. */
export const integer = (reply: unknown, fallback: number): number =>
  typeof reply === "number" && Number.isSafeInteger(reply) ? reply : fallback

/** Deletes the key only while it holds `owner`. */
export const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`

/** Extends the key's expiry only while it holds `owner`. */
export const EXTEND = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`

export const evalScript = (redis: Redis, timeout: Duration.Input, script: string, key: string, ...args: Array<string | number>) =>
  command(redis, timeout, () => redis.eval(script, 1, key, ...args) as Promise<unknown>)

export const millis = (duration: Duration.Input): number => Duration.toMillis(duration)
