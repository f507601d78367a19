/**
 * What stands for the machine where there is none (browsers, workers, edge
 * runtimes: the `default` condition of `#platform` in package.json, so a
 * bundler for the browser never reaches Node's modules). No file exists and no
 * process starts: the default chain answers from the given credentials and the
 * environment (when the runtime has one), else anonymously.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import * as PlatformError from "effect/PlatformError"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"

const noProcesses = ChildProcessSpawner.make(() =>
  Effect.fail(
    PlatformError.systemError({
      _tag: "NotFound",
      module: "ChildProcess",
      method: "spawn",
      description: "this runtime starts no processes (ociauth's default export for runtimes without Node's modules)"
    })
  )
)

export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> = Layer.mergeAll(
  Layer.succeed(FileSystem.FileSystem, FileSystem.makeNoop({})),
  Path.layer,
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, noProcesses)
)
