/**
 * Where the file stores keep their entries, and the `KeyValueStore` they keep
 * them in: `$XDG_CACHE_HOME/ociauth`, else `$HOME/.cache/ociauth`; a folder
 * `0700` of files `0600`, each written to a temporary file and renamed over the
 * entry, so that processes writing at once never leave a torn file.
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import type { FileSystem } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import * as internal from "./internal/fileKeyValueStore.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The folder; default `directory`. */
  readonly directory?: string
}

/**
 * The cache folder of the user: `$XDG_CACHE_HOME/ociauth`, else
 * `$HOME/.cache/ociauth` (read through `Config`, so a `ConfigProvider` can set them).
 *
 * @since 0.2.0
 * @category constructors
 */
export const directory: Effect.Effect<string, Config.ConfigError, Path.Path> = Effect.gen(function* () {
  const path = yield* Path.Path
  const xdg = yield* Config.option(Config.NonEmptyString("XDG_CACHE_HOME"))
  if (Option.isSome(xdg) && path.isAbsolute(xdg.value)) return path.join(xdg.value, "ociauth")
  const home = yield* Config.NonEmptyString("HOME")
  return path.join(home, ".cache", "ociauth")
})

/**
 * The file `KeyValueStore` in a folder (created `0700`): atomic writes, files `0600`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeKeyValueStore: (
  directory: string
) => Effect.Effect<KeyValueStore.KeyValueStore, PlatformError, FileSystem.FileSystem | Path.Path> = internal.make

/**
 * The file `KeyValueStore` in `options.directory`, or the user's cache folder.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerKeyValueStore = (
  options: Options = {}
): Layer.Layer<KeyValueStore.KeyValueStore, PlatformError | Config.ConfigError, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    KeyValueStore.KeyValueStore,
    Effect.flatMap(options.directory === undefined ? directory : Effect.succeed(options.directory), internal.make)
  )
