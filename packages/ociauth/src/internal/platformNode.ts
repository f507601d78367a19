/**
 * The machine's file system, path and processes on Node, Bun and Deno (the
 * `node` condition of `#platform` in package.json). Loaded lazily, when a layer
 * that reads the machine's credentials is built.
 */
import { Effect, FileSystem, Layer } from "effect"
import type { Path } from "effect"
import type { ChildProcessSpawner } from "effect/process"

/**
 * `exists` by `stat`, not `access`: Deno's `node:fs` `access` asks for the
 * user id (`--allow-sys=uid`) and, when it is refused, throws outside the
 * callback, so the process dies of an unhandled rejection and the lookup never
 * answers. `stat` needs only `--allow-read`, and a refusal comes back as a
 * failure the default chain turns into a `CredentialError`.
 */
const existsByStat = (fs: FileSystem.FileSystem): FileSystem.FileSystem =>
  FileSystem.FileSystem.of({
    ...fs,
    exists: (path) =>
      fs.stat(path).pipe(
        Effect.as(true),
        Effect.catchTag("PlatformError", (e) => e.reason._tag === "NotFound" ? Effect.succeed(false) : Effect.fail(e))
      )
  })

export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> = Layer.unwrap(
  Effect.promise(() =>
    Promise.all([
      import("@effect/platform-node-shared/NodeFileSystem"),
      import("@effect/platform-node-shared/NodePath"),
      import("@effect/platform-node-shared/NodeChildProcessSpawner")
    ])
  ).pipe(
    Effect.map(([NodeFileSystem, NodePath, NodeChildProcessSpawner]) => {
      const fileSystem = Layer.effect(FileSystem.FileSystem, Effect.map(FileSystem.FileSystem, existsByStat)).pipe(
        Layer.provide(NodeFileSystem.layer)
      )
      return NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.mergeAll(fileSystem, NodePath.layer)))
    })
  )
)
