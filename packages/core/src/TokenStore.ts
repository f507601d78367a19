/**
 * Where the engine keeps the tokens it was issued. The `Authenticator` owns
 * single-flight, refresh-ahead and invalidation; a store only keeps values by
 * key. Keys never reveal a secret: they name the realm, the service, the merged
 * scopes and a digest of the credential identity. The default keeps tokens in
 * memory (Effect's `Cache`: a capacity, and each token for its lifetime); a file
 * or Redis store provides the same tag to share tokens across processes, and may
 * offer `singleFlight` to make one fetch per key across them.
 *
 * @since 0.2.0
 */
import { Context, DateTime, Duration, Effect, Layer } from "effect"
import type { Option } from "effect"
import { makeMemoryStore } from "./internal/memoryStore.js"
import type { Token } from "./Token.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** The token under `key`, if one is kept and not expired. */
  readonly get: (key: string) => Effect.Effect<Option.Option<Token>>
  readonly set: (key: string, token: Token) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
  /**
   * Optional: one fetch per key across every process that shares the store.
   * The engine calls it (once per key in a process) instead of running `fetch`
   * itself: the store runs `fetch` in one process at a time, stores its token
   * before it lets the others go, and hands the others the token it stored. The
   * engine does not `set` what it returns. Without it, one fetch per key per process.
   *
   * @since 0.2.0
   */
  readonly singleFlight?: <E>(key: string, fetch: Effect.Effect<Token, E>) => Effect.Effect<Token, E>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class TokenStore extends Context.Tag("@ociauth/core/TokenStore")<TokenStore, Service>() {}

/**
 * @since 0.2.0
 * @category models
 */
export interface MemoryOptions {
  /** Most tokens kept (least recently used go first); default 1,000. */
  readonly capacity?: number
}

/**
 * A store in memory.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Service> =>
  makeMemoryStore<Token>({
    capacity: options.capacity ?? 1000,
    timeToLive: (token) => Duration.millis(DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt)),
    expiresAt: (token) => DateTime.toEpochMillis(token.expiresAt)
  })

/**
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<TokenStore> => Layer.effect(TokenStore, makeMemory(options))
