/**
 * The executable keeps tokens between invocations: the second `ociauth request`
 * in a fresh process makes no token request (the file token store in
 * `$XDG_CACHE_HOME/ociauth`).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { runBin } from "./utils.js"

let emulator: RegistryEmulator.RegistryEmulator
let cache: string
beforeAll(async () => {
  emulator = await RegistryEmulator.start({ profile: "distribution" })
  emulator.pushImage("pub/app", "1.0")
  cache = mkdtempSync(join(tmpdir(), "ociauth-cli-cache-"))
})
afterAll(async () => {
  await emulator.close()
  rmSync(cache, { recursive: true, force: true })
})

describe("bin.ts", () => {
  it("a second invocation reuses the first one's token from the cache folder", async () => {
    const env = { XDG_CACHE_HOME: cache, HOME: cache, NO_COLOR: "1", DOCKER_CONFIG: join(cache, "docker") }
    const target = `${emulator.host}/pub/app:1.0`
    const first = await runBin(["request", target, "--insecure"], { env })
    assert.strictEqual(first.code, 0, first.stderr)
    assert.strictEqual(JSON.parse(first.stdout).schemaVersion, 2)
    assert.strictEqual(emulator.log.count({ server: "token" }), 1, emulator.log.format())
    assert.isAbove(readdirSync(join(cache, "ociauth"), { recursive: true }).length, 0)

    const second = await runBin(["request", target, "--insecure"], { env })
    assert.strictEqual(second.code, 0, second.stderr)
    assert.strictEqual(second.stdout, first.stdout)
    assert.strictEqual(emulator.log.count({ server: "token" }), 1, emulator.log.format())
  }, Budget.scaled(60_000))
})
