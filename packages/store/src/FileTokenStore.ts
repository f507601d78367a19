/**
 * A `TokenStore` on files, for CLIs, CI steps and jobs on one machine: a token
 * issued to one process serves the next until it expires. Each entry holds the
 * token and its expiry (`Token.TokenSchema`), under the SHA-256 of the engine's
 * key; an entry that cannot be read, or was tampered with, is a miss, and an
 * expired one is removed when it is next read. The token is in clear in a `0600`
 * file of a `0700` folder: the same protection as docker's own config. An entry
 * written under `withRegistry(host)` names that registry (a host, in clear), so
 * that `FileTokenStore.forget(host)` — the CLI's `logout` — removes that
 * registry's tokens and no other's.
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node-shared/NodePath"
 * import { Authenticator } from "@ociauth/core"
 * import { FileTokenStore } from "@ociauth/store"
 * import { Layer } from "effect"
 *
 * // every process of the user shares the tokens kept in ~/.cache/ociauth
 * const AuthenticatorLive = Authenticator.layer().pipe(
 *   Layer.provide(FileTokenStore.layer().pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer])))
 * )
 * ```
 *
 * @since 0.2.0
 */
import { Token, TokenStore } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Config, Path } from "effect"
import { dual } from "effect/Function"
import type { PlatformError } from "effect/PlatformError"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as FileStore from "./FileStore.js"
import * as entries from "./internal/entries.js"

/**
 * A token store on the `KeyValueStore` in context (files with `FileStore`, or any other).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: Effect.Effect<TokenStore.Service, never, KeyValueStore.KeyValueStore> = Effect.map(
  entries.make("token", Token.TokenSchema),
  (store): TokenStore.Service => ({
    get: store.get,
    set: (key, token) => store.set(key, token, DateTime.toEpochMillis(token.expiresAt)),
    remove: store.remove
  })
)

/**
 * The token store on the `KeyValueStore` in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<TokenStore.TokenStore, never, KeyValueStore.KeyValueStore> = Layer.effect(
  TokenStore.TokenStore,
  make
)

/**
 * The registry host the tokens written in this fiber (and the fibers it starts)
 * are for; see `withRegistry`.
 *
 * @since 0.2.0
 * @category references
 */
export const currentRegistry: Context.Reference<Option.Option<string>> = entries.currentRegistry

/**
 * Runs `self` with the tokens it stores filed under the registry `host`
 * (normalised: `index.docker.io` is `docker.io`), so that `forget(host)` finds
 * them. Lookups are unchanged: a token is found by its key alone.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withRegistry: {
  (host: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, host: string): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, host: string) =>
  Effect.provideService(self, entries.currentRegistry, Option.some(Unstable.normalizeHost(host))))

/**
 * What the file token store offers besides `TokenStore`: forgetting a registry.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Removes every token written for the registry `host` (under `withRegistry`), expired or not; how many. */
  readonly forget: (host: string) => Effect.Effect<number>
}

/**
 * @since 0.2.0
 * @category services
 */
export class FileTokenStore extends Context.Service<FileTokenStore, Service>()("@ociauth/store/FileTokenStore") {}

const TEMP = /^\..*\.tmp$/

/**
 * The token store in a folder, and its `forget`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeFile = (
  directory: string
): Effect.Effect<{ readonly tokenStore: TokenStore.Service; readonly file: Service }, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const store = yield* FileStore.makeKeyValueStore(directory)
    const tokenStore = yield* Effect.provideService(make, KeyValueStore.KeyValueStore, store)
    const names = fs.readDirectory(directory).pipe(
      Effect.map((all) => all.filter((name) => name.startsWith("token-") && !TEMP.test(name))),
      Effect.catchCause((cause) => Effect.as(Effect.logDebug("ociauth store: cannot list the folder", cause), []))
    )
    const file: Service = {
      forget: (host) => Effect.flatMap(names, (found) => entries.forget(store, found, Unstable.normalizeHost(host)))
    }
    return { tokenStore, file }
  })

/**
 * Tokens in files of the user's cache folder (or `options.directory`), shared
 * by the processes of the machine, behind a memory tier (`TokenStore.tiered`):
 * a warm request reads no file, and a token another process removed stops being
 * served within `memory.recheckInterval` (default 5 s). Also provides
 * `FileTokenStore` (`forget`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: FileStore.Options & { readonly memory?: TokenStore.TieredOptions } = {}
): Layer.Layer<TokenStore.TokenStore | FileTokenStore, PlatformError | Config.ConfigError, FileSystem.FileSystem | Path.Path> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const directory = options.directory ?? (yield* FileStore.directory)
      const { file, tokenStore } = yield* makeFile(directory)
      const tiered = yield* TokenStore.tiered(tokenStore, options.memory)
      return Context.make(TokenStore.TokenStore, tiered).pipe(Context.add(FileTokenStore, file))
    })
  )

/**
 * The file store alone, every read a file read (a memory tier of your own goes
 * in front: `TokenStore.layerTiered`). Also provides `FileTokenStore`.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutMemory = (
  options: FileStore.Options = {}
): Layer.Layer<TokenStore.TokenStore | FileTokenStore, PlatformError | Config.ConfigError, FileSystem.FileSystem | Path.Path> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const directory = options.directory ?? (yield* FileStore.directory)
      const { file, tokenStore } = yield* makeFile(directory)
      return Context.make(TokenStore.TokenStore, tokenStore).pipe(Context.add(FileTokenStore, file))
    })
  )
