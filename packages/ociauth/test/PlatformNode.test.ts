/**
 * The machine's layer on Node loads the child-process spawner on the first
 * spawn, not when it is built: a credential lookup that runs no helper (most
 * do) never loads it, and a helper still runs as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { NodeCredentials } from "ociauth"
import { vi } from "vitest"

const imports = vi.hoisted(() => ({ spawner: 0 }))
vi.mock("@effect/platform-node-shared/NodeChildProcessSpawner", async (original) => {
  imports.spawner++
  return await original()
})

describe("ociauth: the Node platform layer", () => {
  const directory = mkdtempSync(join(tmpdir(), "ociauth-platform-"))
  const file = join(directory, "config.json")
  writeFileSync(file, "{}")
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  it.effect("builds and reads files without loading the spawner; the first spawn loads it, once", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      assert.strictEqual(yield* fs.readFileString(file), "{}")
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      assert.strictEqual(imports.spawner, 0)
      const run = spawner.string(ChildProcess.make(process.execPath, ["-e", "process.stdout.write('spawned')"]))
      assert.strictEqual(yield* run, "spawned")
      assert.strictEqual(yield* run, "spawned")
      assert.strictEqual(imports.spawner, 1)
      const lines = yield* Stream.runCollect(spawner.streamLines(ChildProcess.make(process.execPath, ["-e", "console.log('a'); console.log('b')"])))
      assert.deepStrictEqual(lines, ["a", "b"])
    }).pipe(Effect.provide(NodeCredentials.layerPlatform)))
})
