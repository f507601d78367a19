/**
 * A `TokenStore` on Redis, for fleets: a token issued to one process serves
 * every process that shares the credential identity (the engine's key holds a
 * digest of it), until Redis lets it expire with the token (the key's TTL is the
 * token's remaining life). Values are encrypted at rest (AES-256-GCM, a key you
 * provide: a shared cache is a shared secret); names are SHA-256 digests.
 *
 * One token request across the fleet: the store implements
 * `TokenStore.singleFlight`. The process that gets the short lock
 * (`SET <prefix>lock:<digest> <owner> NX PX <lockTimeout>`, renewed while it
 * fetches) fetches and stores the token; the others poll for it, and take the
 * lock themselves when the holder gave up or died (its lock lapses within
 * `lockTimeout`). If Redis fails or does not answer, a process fetches on its own:
 * the store degrades to a per-process cache, never to a failure.
 *
 * @example
 * ```ts
 * import { Authenticator } from "@ociauth/core"
 * import { RedisConnection, RedisTokenStore } from "@ociauth/redis"
 * import { Layer, Redacted } from "effect"
 *
 * const AuthenticatorLive = Authenticator.layer().pipe(
 *   Layer.provide(RedisTokenStore.layer({ key: Redacted.make(process.env.OCIAUTH_STORE_KEY!) })),
 *   Layer.provide(RedisConnection.layer("redis://127.0.0.1:6379"))
 * )
 * ```
 *
 * Why not `@effect/experimental`'s `Persistence/Redis` is not used: it opens its own
 * connection from options (the lock would need a second one), and offers
 * get/set/remove only (no `NX`, no compare-and-delete), which is all of what this
 * store needs beyond three plain commands.
 *
 * @since 0.2.0
 */
import { TokenStore } from "@ociauth/core"
import { Effect, Layer } from "effect"
import type { Duration, Redacted } from "effect"
import * as Encryption from "./Encryption.js"
import * as internal from "./internal/tokenStore.js"
import { RedisConnection } from "./RedisConnection.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The secret tokens are encrypted with (at least 32 random bytes; text or bytes). */
  readonly key: Redacted.Redacted<string | Uint8Array>
  /** Prefix of every Redis key; default `ociauth:`. */
  readonly prefix?: string
  /** How long a fetch's lock lasts without renewal (how long others wait for a dead holder); default 10 s. */
  readonly lockTimeout?: Duration.DurationInput
  /** How often a waiting process looks for the token; default 25 ms. */
  readonly pollInterval?: Duration.DurationInput
  /** How long one Redis command may take before the store is treated as unavailable; default 2 s. */
  readonly commandTimeout?: Duration.DurationInput
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<TokenStore.Service, never, RedisConnection> =>
  Effect.gen(function* () {
    const redis = yield* RedisConnection
    const cipher = yield* Encryption.make(options.key)
    return internal.make(redis, cipher, options)
  })

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore, never, RedisConnection> =>
  Layer.effect(TokenStore.TokenStore, make(options))
