/**
 * The executables' compile cache lives in the user's private cache folder,
 * never in the shared temporary folder (where another user could plant code
 * V8 would run), and stays off when that folder is not the user's alone.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { runProcess } from "./utils.js"

const root = join(import.meta.dirname, "..", "..", "..")
const tsx = join(root, "scripts", "tsx.mjs")

describe("the executables' compile cache", () => {
  let home: string
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "ociauth-compile-cache-"))
  })
  afterEach(() => rmSync(home, { recursive: true, force: true }))

  /** Runs `CompileCache.enable()` in a fresh process: the folder Node then caches in, or null. */
  const enabledIn = async (env: NodeJS.ProcessEnv): Promise<string | null> => {
    const script = join(home, "probe-cache.mts")
    writeFileSync(script, [
      `import * as NodeModule from "node:module"`,
      `import * as CompileCache from ${JSON.stringify(join(root, "packages", "cli", "src", "internal", "bin", "compileCache.ts"))}`,
      `CompileCache.enable()`,
      `console.log(JSON.stringify(NodeModule.getCompileCacheDir?.() ?? null))`
    ].join("\n"))
    const outcome = await runProcess(process.execPath, [tsx, script], { ...env, PATH: process.env.PATH ?? "" })
    assert.strictEqual(outcome.code, 0, outcome.stderr)
    return JSON.parse(outcome.stdout.trim().split("\n").pop()!) as string | null
  }

  it("in $XDG_CACHE_HOME/ociauth/node-compile-cache, created for the user alone (0700), not in TMPDIR", async () => {
    const tmp = join(home, "tmp")
    mkdirSync(tmp)
    const directory = join(home, "cache", "ociauth", "node-compile-cache")
    // Node caches in a subfolder per Node version and user.
    assert.isTrue((await enabledIn({ HOME: home, XDG_CACHE_HOME: join(home, "cache"), TMPDIR: tmp }))?.startsWith(`${directory}/`))
    assert.strictEqual(statSync(directory).mode & 0o777, 0o700)
  })

  it("else in ~/.cache/ociauth/node-compile-cache", async () => {
    assert.isTrue((await enabledIn({ HOME: home, TMPDIR: home }))?.startsWith(`${join(home, ".cache", "ociauth", "node-compile-cache")}/`))
  })

  it("off when the folder is writable by others (someone else made it, or opened it up)", async () => {
    const shared = join(home, "cache", "ociauth", "node-compile-cache")
    mkdirSync(shared, { recursive: true })
    chmodSync(shared, 0o777)
    assert.isNull(await enabledIn({ HOME: home, XDG_CACHE_HOME: join(home, "cache"), TMPDIR: home }))
  })

  it("NODE_COMPILE_CACHE, the user's own choice, wins", async () => {
    const chosen = join(home, "chosen")
    assert.isTrue((await enabledIn({ HOME: home, NODE_COMPILE_CACHE: chosen, TMPDIR: home }))?.startsWith(`${chosen}/`))
  })
})
