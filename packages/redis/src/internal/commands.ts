import { Duration, Effect } from "effect"
import type { Redis } from "ioredis"

/** A Redis command that failed or did not answer in time: callers treat the store as unavailable. */
export class RedisUnavailable {
  readonly _tag = "RedisUnavailable"
  constructor(readonly cause: unknown) {}
}

/** Runs one command, bounded in time (a client whose server is gone queues commands forever). */
export const command = <A>(timeout: Duration.Input, run: () => Promise<A>): Effect.Effect<A, RedisUnavailable> =>
  Effect.tryPromise({ try: run, catch: (cause) => new RedisUnavailable(cause) }).pipe(
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new RedisUnavailable("timeout")) })
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
  command(timeout, () => redis.eval(script, 1, key, ...args) as Promise<unknown>)

export const millis = (duration: Duration.Input): number => Duration.toMillis(duration)
