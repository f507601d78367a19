/**
 * The machine's file system, path and processes on Node, Bun and Deno (the
 * `node` condition of `#platform` in package.json). Loaded lazily, when a layer
 * that reads the machine's credentials is built; the spawner on the first spawn.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type { Path } from "effect"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"

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

/**
 * Node's spawner, loaded and built on the first spawn (in the layer's scope):
 * most lookups never run a credential helper, and loading the spawner costs a
 * cold process more than the rest of the machine's layer.
 */
const lazySpawner: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner, never, FileSystem.FileSystem | Path.Path> = Layer.effect(
  ChildProcessSpawner.ChildProcessSpawner,
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const node = yield* Effect.cached(
      Effect.promise(() => import("@effect/platform-node-shared/NodeChildProcessSpawner")).pipe(
        Effect.flatMap((NodeChildProcessSpawner) => Layer.buildWithScope(NodeChildProcessSpawner.layer, scope)),
        Effect.map(Context.get(ChildProcessSpawner.ChildProcessSpawner)),
        Effect.provideContext(yield* Effect.context<FileSystem.FileSystem | Path.Path>())
      )
    )
    return ChildProcessSpawner.make((command) => Effect.flatMap(node, (spawner) => spawner.spawn(command)))
  })
)

export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> = Layer.unwrap(
  Effect.promise(() =>
    Promise.all([import("@effect/platform-node-shared/NodeFileSystem"), import("@effect/platform-node-shared/NodePath")])
  ).pipe(
    Effect.map(([NodeFileSystem, NodePath]) => {
      const fileSystem = Layer.effect(FileSystem.FileSystem, Effect.map(FileSystem.FileSystem, existsByStat)).pipe(
        Layer.provide(NodeFileSystem.layer)
      )
      return lazySpawner.pipe(Layer.provideMerge(Layer.mergeAll(fileSystem, NodePath.layer)))
    })
  )
)
