import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import type { PlatformError } from "effect/PlatformError"
import * as KeyValueStore from "effect/persistence/KeyValueStore"

const DIRECTORY_MODE = 0o700
const FILE_MODE = 0o600
const TEMP = /^\..*\.tmp$/

/** The key a file name stands for; none for a name this store did not write (not URI-encoded). */
const keyOf = (name: string): Array<string> => {
  try {
    return [decodeURIComponent(name)]
  } catch {
    return []
  }
}

/**
 * `KeyValueStore` on files, safe for several processes: every write goes to a
 * temporary file (`0600`, created exclusively) in the same folder and is renamed
 * over the entry, so a reader sees the old value or the new one, never a torn
 * one. The folder is created `0700`. Keys become file names (URI-encoded).
 */
export const make = (directory: string): Effect.Effect<KeyValueStore.KeyValueStore, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(directory, { recursive: true, mode: DIRECTORY_MODE })
    // An existing folder keeps its mode unless we tighten it (when it is ours).
    yield* Effect.ignore(fs.chmod(directory, DIRECTORY_MODE))
    const file = (key: string) => path.join(directory, encodeURIComponent(key))
    const failed = (method: string, key?: string) => (cause: PlatformError) =>
      new KeyValueStore.KeyValueStoreError({
        method,
        ...(key === undefined ? {} : { key }),
        message: `ociauth file store: ${method} failed`,
        cause
      })
    /** `undefined` for a file that is not there; any other failure is the store's. */
    const missing = <A>(method: string, key: string, self: Effect.Effect<A, PlatformError>): Effect.Effect<A | undefined, KeyValueStore.KeyValueStoreError> =>
      self.pipe(
        Effect.catchTag("PlatformError", (e) => (e.reason._tag === "NotFound" ? Effect.undefined : Effect.fail(e))),
        Effect.mapError(failed(method, key))
      )
    const write = (key: string, data: Uint8Array) => {
      const target = file(key)
      const temp = path.join(directory, `.${encodeURIComponent(key)}.${crypto.randomUUID()}.tmp`)
      return fs.writeFile(temp, data, { flag: "wx", mode: FILE_MODE }).pipe(
        Effect.andThen(fs.rename(temp, target)),
        Effect.tapError(() => Effect.ignore(fs.remove(temp))),
        Effect.mapError(failed("set", key))
      )
    }
    const entries = Effect.mapError(
      Effect.map(fs.readDirectory(directory), (names) => names.filter((name) => !TEMP.test(name))),
      failed("keys")
    )
    return KeyValueStore.make({
      get: (key) => missing("get", key, fs.readFileString(file(key))),
      getUint8Array: (key) => missing("getUint8Array", key, fs.readFile(file(key))),
      set: (key, value) => write(key, typeof value === "string" ? new TextEncoder().encode(value) : value),
      remove: (key) => Effect.asVoid(missing("remove", key, fs.remove(file(key)))),
      clear: Effect.flatMap(
        entries,
        Effect.forEach((name) => Effect.asVoid(missing("clear", name, fs.remove(path.join(directory, name)))), { discard: true })
      ),
      size: Effect.map(entries, (names) => names.length),
      keys: Effect.map(entries, (names) => names.flatMap(keyOf))
    })
  })
