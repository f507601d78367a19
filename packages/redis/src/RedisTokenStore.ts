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
 * `layer` puts a memory tier in front (`TokenStore.tiered`): a warm read does no
 * Redis I/O; an entry is read again from Redis once it is older than
 * `memory.recheckInterval` (default 5 s); `remove` — a token refused by a
 * registry — deletes the key and announces it on the pub/sub channel
 * `<prefix>invalidate` (the key sealed with the store's key), which every
 * process's tier listens to on a second connection, so a token one process
 * refused stops being served by the others within the pub/sub latency, and at
 * the latest within `recheckInterval` if a message is lost.
 * `layerWithoutMemory` is the store alone (every read a Redis `GET`).
 *
 * @example
 * ```ts
 * import { Authenticator } from "@ociauth/core"
 * import { RedisConnection, RedisTokenStore } from "@ociauth/redis"
 * import { Config, Layer } from "effect"
 *
 * // OCIAUTH_STORE_KEY=$(openssl rand -base64 32); building the layer fails when it is missing or short
 * const AuthenticatorLive = Authenticator.layer().pipe(
 *   Layer.provide(RedisTokenStore.layerConfig({ key: Config.Redacted("OCIAUTH_STORE_KEY") })),
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
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Duration, Redacted, Scope } from "effect"
import * as Encryption from "./Encryption.js"
import * as internal from "./internal/tokenStore.js"
import { RedisConnection } from "./RedisConnection.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * The secret tokens are encrypted with: at least 32 random bytes (text or
   * bytes; `openssl rand -base64 32` makes one). A shorter one fails the layer
   * with `Encryption.KeyError`.
   */
  readonly key: Redacted.Redacted<string | Uint8Array>
  /** How a text `key` is read: its UTF-8 bytes (default), or the bytes it encodes in `base64` or `hex`. */
  readonly keyEncoding?: Encryption.KeyEncoding
  /** Prefix of every Redis key; default `ociauth:`. */
  readonly prefix?: string
  /** How long a fetch's lock lasts without renewal (how long others wait for a dead holder); default 10 s. */
  readonly lockTimeout?: Duration.Input
  /** How often a waiting process looks for the token; default 25 ms. */
  readonly pollInterval?: Duration.Input
  /**
   * How long one Redis command may take before the store is treated as
   * unavailable (a read is a miss, a write is dropped); default 2 s. A Redis that
   * went silent delays the requests under way by at most this; the connection is
   * then known silent and later requests do not wait (see `RedisConnection`).
   */
  readonly commandTimeout?: Duration.Input
  /** The memory tier `layer` and `layerConfig` put in front (see `TokenStore.tiered`). */
  readonly memory?: TokenStore.TieredOptions
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<TokenStore.Service, Encryption.KeyError, RedisConnection> =>
  Effect.gen(function* () {
    const cipher = yield* Encryption.make(options.key, options.keyEncoding)
    const redis = yield* RedisConnection
    return internal.make(redis, cipher, options)
  })

/**
 * The store behind a memory tier (`TokenStore.tiered`, listening to the store's
 * invalidations): the tier and its subscription last as long as the layer.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeTiered = (options: Options): Effect.Effect<TokenStore.Service, Encryption.KeyError, RedisConnection | Scope.Scope> =>
  Effect.flatMap(make(options), (shared) => TokenStore.tiered(shared, options.memory))

/**
 * The store behind a memory tier (see the module's documentation).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore, Encryption.KeyError, RedisConnection> =>
  Layer.effect(TokenStore.TokenStore, makeTiered(options))

/**
 * The store alone, without a memory tier: every read is a Redis `GET` (what
 * `TokenStore.layerTiered` can wrap with tiers of your own).
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutMemory = (options: Options): Layer.Layer<TokenStore.TokenStore, Encryption.KeyError, RedisConnection> =>
  Layer.effect(TokenStore.TokenStore, make(options))

/**
 * `layer` with its options read from `Config`: a missing key is a
 * `ConfigError`, a weak one an `Encryption.KeyError`, both when the layer is built.
 *
 * @example
 * ```ts
 * import { RedisTokenStore } from "@ociauth/redis"
 * import { Config } from "effect"
 *
 * // OCIAUTH_STORE_KEY=$(openssl rand -base64 32)
 * const Store = RedisTokenStore.layerConfig({ key: Config.Redacted("OCIAUTH_STORE_KEY") })
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<Options>
): Layer.Layer<TokenStore.TokenStore, Encryption.KeyError | Config.ConfigError, RedisConnection> =>
  Layer.effect(TokenStore.TokenStore, Effect.flatMap(Config.unwrap(config), makeTiered))
