/**
 * A `TokenStore` on files, for CLIs, CI steps and jobs on one machine: a token
 * issued to one process serves the next until it expires. Each entry holds the
 * token and its expiry (`Token.TokenSchema`), under the SHA-256 of the engine's
 * key; an entry that cannot be read, or was tampered with, is a miss, and an
 * expired one is removed when it is next read. The token is in clear in a `0600`
 * file of a `0700` folder: the same protection as docker's own config.
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
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
import type { FileSystem, Path } from "@effect/platform"
import type { KeyValueStore } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Token, TokenStore } from "@ociauth/core"
import { DateTime, Effect, Layer } from "effect"
import type { ConfigError } from "effect"
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
 * The token store in the user's cache folder (or `options.directory`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options?: FileStore.Options
): Layer.Layer<TokenStore.TokenStore, PlatformError | ConfigError.ConfigError, FileSystem.FileSystem | Path.Path> =>
  layerKeyValueStore.pipe(Layer.provide(FileStore.layerKeyValueStore(options)))
