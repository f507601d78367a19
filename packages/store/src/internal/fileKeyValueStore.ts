import * as FileSystem from "@effect/platform/FileSystem"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Path from "@effect/platform/Path"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option } from "effect"

const DIRECTORY_MODE = 0o700
const FILE_MODE = 0o600
const TEMP = /^\..*\.tmp$/

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
    const missing = <A>(self: Effect.Effect<A, PlatformError>): Effect.Effect<Option.Option<A>, PlatformError> =>
      self.pipe(
        Effect.map(Option.some),
        Effect.catchTag("SystemError", (e) => (e.reason === "NotFound" ? Effect.succeedNone : Effect.fail(e)))
      )
    const write = (key: string, data: Uint8Array) => {
      const target = file(key)
      const temp = path.join(directory, `.${encodeURIComponent(key)}.${crypto.randomUUID()}.tmp`)
      return fs.writeFile(temp, data, { flag: "wx", mode: FILE_MODE }).pipe(
        Effect.zipRight(fs.rename(temp, target)),
        Effect.tapError(() => Effect.ignore(fs.remove(temp)))
      )
    }
    const entries = Effect.map(fs.readDirectory(directory), (names) => names.filter((name) => !TEMP.test(name)))
    return KeyValueStore.make({
      get: (key) => missing(fs.readFileString(file(key))),
      getUint8Array: (key) => missing(fs.readFile(file(key))),
      set: (key, value) => write(key, typeof value === "string" ? new TextEncoder().encode(value) : value),
      remove: (key) => Effect.asVoid(missing(fs.remove(file(key)))),
      clear: Effect.flatMap(entries, Effect.forEach((name) => Effect.asVoid(missing(fs.remove(path.join(directory, name)))), { discard: true })),
      size: Effect.map(entries, (names) => names.length)
    })
  })
