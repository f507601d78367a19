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
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Option, Scope } from "effect"
import { makeTokenMemory } from "./internal/memoryStore.js"
import * as tieredStore from "./internal/tieredStore.js"
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
  /**
   * Optional: the invalidation channel of a shared store. Calls `onRemoved`
   * with the key of every token removed from the store — by any process, this
   * one included — for as long as the scope lasts; succeeds once listening.
   * Best effort: a message may be lost (a store that cannot listen simply never
   * calls), so a memory tier still re-checks its entries (see `tiered`).
   *
   * @since 0.3.0
   */
  readonly subscribe?: (onRemoved: (key: string) => Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class TokenStore extends Context.Service<TokenStore, Service>()("@ociauth/core/TokenStore") {}

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
  Effect.map(makeTokenMemory(options.capacity ?? 1000), ({ get, remove, set }): Service => ({ get, set, remove }))

/**
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<TokenStore> => Layer.effect(TokenStore, makeMemory(options))

/**
 * @since 0.3.0
 * @category models
 */
export interface TieredOptions {
  /** Most tokens the memory tier keeps (least recently used go first); default 1,000. */
  readonly capacity?: number
  /**
   * How long a token read from (or written to) the shared tier is served from
   * memory without asking the shared tier again; default 5 s. A token another
   * process removed from the shared tier stops being served within this, even
   * when no invalidation arrives.
   */
  readonly recheckInterval?: Duration.Input
  /** Whether to listen to the shared store's invalidation channel (`subscribe`) when it has one; default true. */
  readonly invalidations?: boolean
}

/**
 * A memory tier in front of a shared store (files, Redis), with these coherence rules:
 *
 * - a warm read — a token in memory, checked against the shared tier less than
 *   `recheckInterval` ago — does no shared-store I/O at all;
 * - `remove` (a token refused anywhere in this process) removes the key from
 *   memory, then from the shared tier (which tells its other readers): no read of
 *   this process serves it afterwards, not even one already reading the shared
 *   tier when it was removed;
 * - a token removed from the shared tier by another process stops being served
 *   within the shared store's invalidation latency when it offers `subscribe`
 *   (Redis: pub/sub), and at the latest within `recheckInterval` (a memory entry
 *   older than that is read again from the shared tier; a miss there drops it);
 * - `singleFlight` is the shared store's, and fills memory with the token it returns;
 * - memory is bounded by `capacity` (Effect's `Cache`) and each token by its life.
 *
 * The store needs a scope when it listens to invalidations (it stops with the scope).
 *
 * @since 0.3.0
 * @category constructors
 */
export const tiered: (shared: Service, options?: TieredOptions) => Effect.Effect<Service, never, Scope.Scope> = tieredStore.make

/**
 * The `TokenStore` in context (a shared one) behind a memory tier (see `tiered`).
 *
 * @example
 * ```ts
 * import { TokenStore } from "@ociauth/core"
 * import { FileTokenStore } from "@ociauth/store"
 * import { Layer } from "effect"
 *
 * // the bare file store, with a memory tier that re-checks every second
 * const Tokens = TokenStore.layerTiered({ recheckInterval: "1 second" }).pipe(Layer.provide(FileTokenStore.layerWithoutMemory()))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerTiered = (options?: TieredOptions): Layer.Layer<TokenStore, never, TokenStore> =>
  Layer.effect(TokenStore, Effect.flatMap(TokenStore, (shared) => tiered(shared, options)))
