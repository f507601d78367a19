import type { TokenStore } from "@ociauth/core"
import { Token } from "@ociauth/core"
import { StoreKey } from "@ociauth/store"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { Duration, Scope } from "effect"
import { hostname } from "node:os"
import type { Redis } from "ioredis"
import type { Cipher } from "../Encryption.js"
import { close } from "../RedisConnection.js"
import type { Options } from "../RedisTokenStore.js"
import { bulkString, command, evalScript, EXTEND, millis, orElse, RedisUnavailable, RELEASE } from "./commands.js"

const TokenJson = Schema.fromJsonString(Schema.toCodecJson(Token.TokenSchema))
const decodeToken = Schema.decodeUnknownOption(TokenJson)
const encodeToken = Schema.encodeEffect(TokenJson)

/** What a process found when it asked for the fetch of a key. */
type Turn =
  | { readonly _tag: "Stored"; readonly token: Token.Token }
  | { readonly _tag: "Acquired" }
  | { readonly _tag: "Unavailable" }

export const make = (redis: Redis, cipher: Cipher, options: Options): TokenStore.Service => {
  const prefix = options.prefix ?? "ociauth:"
  const timeout = options.commandTimeout ?? "2 seconds"
  const lockTtl = millis(options.lockTimeout ?? "10 seconds")
  const poll = options.pollInterval ?? "25 millis"
  // Removals are announced here, sealed like the tokens (a subscriber without the key learns nothing, and cannot forge one).
  const channel = `${prefix}invalidate`
  const names = (key: string) =>
    Effect.map(StoreKey.digest(key), (id) => ({ token: `${prefix}token:${id}`, lock: `${prefix}lock:${id}` }))

  const read = (name: string): Effect.Effect<Option.Option<{ readonly raw: string; readonly token: Token.Token }>, RedisUnavailable> =>
    Effect.flatMap(Effect.map(command(redis, timeout, () => redis.get(name)), bulkString), (raw) =>
      raw === null
        ? Effect.succeedNone
        : Effect.map(cipher.decrypt(raw, name), (plain) =>
            Option.flatMap(plain, (text) => Option.map(decodeToken(text), (token) => ({ raw, token })))
          )
    )

  const write: (name: string, token: Token.Token) => Effect.Effect<void, RedisUnavailable> = Effect.fnUntraced(function* (name, token) {
    const ttl = DateTime.toEpochMillis(token.expiresAt) - (yield* Clock.currentTimeMillis)
    if (ttl <= 0) return
    const text = yield* Effect.orDie(encodeToken(token))
    const sealed = yield* cipher.encrypt(text, name)
    yield* command(redis, timeout, () => redis.set(name, sealed, "PX", ttl))
  })

  /**
   * A stored token answers a waiter when it is not the one the waiter saw before
   * asking (it was stored since), or when it is fresh (more than half its life
   * left: no engine renews such a token, so it was not what made it ask).
   */
  const answers = (found: { readonly raw: string; readonly token: Token.Token }, before: string | undefined, now: number) => {
    const issued = DateTime.toEpochMillis(found.token.issuedAt)
    const expires = DateTime.toEpochMillis(found.token.expiresAt)
    return found.raw !== before || expires - now > (expires - issued) / 2
  }

  const singleFlight = <E>(key: string, fetch: Effect.Effect<Token.Token, E>): Effect.Effect<Token.Token, E> =>
    Effect.gen(function* () {
      const { token: name, lock } = yield* names(key)
      const owner = `${hostname()}:${process.pid}:${crypto.randomUUID()}`
      const stored = (before: string | undefined) =>
        Effect.flatMap(Effect.zip(read(name), Clock.currentTimeMillis), ([found, now]) =>
          Effect.succeed(Option.filter(found, (f) => answers(f, before, now)))
        )
      // Until the lock is ours or a token someone stored answers: take the lock if free, look, wait a poll interval.
      const decide = (before: string | undefined): Effect.Effect<Turn, RedisUnavailable> =>
        Effect.gen(function* () {
          while (true) {
            const acquired: unknown = yield* command(redis, timeout, () => redis.set(lock, owner, "PX", lockTtl, "NX"))
            // `SET … NX` answers OK or nil: any other reply is not a Redis this store can lock on.
            if (acquired !== "OK" && acquired !== null) return yield* Effect.fail(new RedisUnavailable("unexpected reply"))
            const found = yield* stored(before)
            if (Option.isSome(found)) {
              if (acquired === "OK") yield* evalScript(redis, timeout, RELEASE, lock, owner)
              return { _tag: "Stored", token: found.value.token } as const
            }
            if (acquired === "OK") return { _tag: "Acquired" } as const
            yield* Effect.sleep(poll)
          }
        })
      const decided = yield* orElse(
        Effect.flatMap(read(name), (before) => decide(Option.getOrUndefined(Option.map(before, (b) => b.raw)))),
        { _tag: "Unavailable" } as Turn,
        "single-flight"
      )
      switch (decided._tag) {
        case "Stored":
          return decided.token
        case "Unavailable":
          return yield* Effect.tap(fetch, (token) => orElse(write(name, token), undefined, "write"))
        case "Acquired": {
          // Keep the lock while the fetch runs; if this process dies the lock lapses within `lockTimeout`.
          const heartbeat = evalScript(redis, timeout, EXTEND, lock, owner, lockTtl).pipe(
            Effect.ignore,
            Effect.repeat(Schedule.spaced(Math.max(1, Math.floor(lockTtl / 3))))
          )
          const release = orElse(Effect.asVoid(evalScript(redis, timeout, RELEASE, lock, owner)), undefined, "unlock")
          return yield* Effect.scoped(
            Effect.andThen(
              Effect.forkScoped(heartbeat),
              Effect.tap(fetch, (token) => orElse(write(name, token), undefined, "write"))
            )
          ).pipe(Effect.ensuring(release))
        }
      }
    })

  return {
    get: (key) =>
      orElse(
        Effect.flatMap(names(key), ({ token }) => Effect.map(read(token), Option.map((found) => found.token))),
        Option.none(),
        "read"
      ),
    set: (key, token) => orElse(Effect.flatMap(names(key), (n) => write(n.token, token)), undefined, "write"),
    remove: (key) =>
      Effect.andThen(
        orElse(Effect.flatMap(names(key), (n) => Effect.asVoid(command(redis, timeout, () => redis.del(n.token)))), undefined, "remove"),
        orElse(
          Effect.flatMap(cipher.encrypt(key, channel), (message) => Effect.asVoid(command(redis, timeout, () => redis.publish(channel, message)))),
          undefined,
          "publish"
        )
      ),
    singleFlight,
    subscribe: (onRemoved) => subscribe(redis, cipher, channel, timeout, onRemoved)
  }
}

/**
 * Listens to `channel` on a connection of its own (a subscribed connection runs no
 * other command), closed with the scope. ioredis subscribes again after a
 * reconnection; a message that does not decrypt is ignored.
 */
const subscribe = (
  redis: Redis,
  cipher: Cipher,
  channel: string,
  timeout: Duration.Input,
  onRemoved: (key: string) => Effect.Effect<void>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const duplicate = redis.duplicate()
        duplicate.on("error", () => {})
        return duplicate
      }),
      (duplicate) => close(duplicate, { closeTimeout: timeout })
    )
    subscriber.on("message", (from: unknown, message: unknown) => {
      if (from !== channel || typeof message !== "string") return
      runFork(Effect.flatMap(cipher.decrypt(message, channel), Option.match({ onNone: () => Effect.void, onSome: onRemoved })))
    })
    // ioredis throws an uncaught exception when SUBSCRIBE is answered with anything but an array: subscribe
    // only on a connection that answers PING as Redis does (a hostile server still gets the re-check).
    let state: "idle" | "trying" | "subscribed" = "idle"
    const attempt = Effect.suspend(() => {
      if (state !== "idle") return Effect.void
      state = "trying"
      return Effect.gen(function* () {
        const pong: unknown = yield* command(subscriber, timeout, () => subscriber.ping())
        if (pong !== "PONG") return yield* Effect.fail(new RedisUnavailable("PING was not answered PONG"))
        yield* command(subscriber, timeout, () => subscriber.subscribe(channel))
        state = "subscribed"
      }).pipe(
        (self) => orElse(self, undefined, "subscribe (memory tiers re-check until Redis is back)"),
        Effect.ensuring(Effect.sync(() => {
          if (state === "trying") state = "idle"
        }))
      )
    })
    // Redis was unavailable when the layer was built: subscribe once it is back (ioredis re-subscribes after that).
    subscriber.on("ready", () => runFork(attempt))
    yield* attempt
  })
