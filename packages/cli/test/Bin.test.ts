/**
 * The executables as processes: `ociauth` keeps tokens between invocations
 * (the second `ociauth request` in a fresh process makes no token request: the
 * file token store in `$XDG_CACHE_HOME/ociauth`); `ociauth --version` and
 * `docker-credential-ociauth version` answer without loading the SDK; a closed
 * pipe ends either quietly, as it ends a Unix tool.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { runBin, runProcess } from "./utils.js"

const root = join(import.meta.dirname, "..", "..", "..")
const tsx = join(root, "scripts", "tsx.mjs")
const helperBin = join(root, "packages", "cli", "src", "credentialHelperBin.ts")
const ociauthBin = join(root, "packages", "cli", "src", "bin.ts")
const packageVersion = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { readonly version: string }).version

/** Runs `node scripts/tsx.mjs <bin> …` with its standard output closed before it writes: its exit code and standard error. */
const runWithClosedStdout = (bin: string, args: ReadonlyArray<string>, env: Record<string, string>): Promise<{ readonly code: number | null; readonly signal: string | null; readonly stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, bin, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"], cwd: root })
    // The reader goes away at once, as `head -1` does once it has its line.
    child.stdout.destroy()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stderr }))
    child.stdin.end("")
  })

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

describe("start-up and closed pipes", () => {
  it("ociauth --version and docker-credential-ociauth version: package.json's version, the SDK never imported", async () => {
    // A resolve hook that fails any import of the SDK or effect: the version answers before them.
    const hook = join(cache, "no-sdk.mjs")
    writeFileSync(
      hook,
      `import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) {
  if (/^(effect|@effect\\/|@ociauth\\/|ociauth$)/.test(specifier)) throw new Error("the SDK was imported: " + specifier)
  return next(specifier, context)
} })
`
    )
    const env = { NODE_OPTIONS: `--import ${new URL(`file://${hook}`).href}`, XDG_CACHE_HOME: cache, HOME: cache }
    const ociauth = await runBin(["--version"], { env })
    assert.strictEqual(ociauth.code, 0, ociauth.stderr)
    assert.strictEqual(ociauth.stdout, `${packageVersion}\n`)
    const helper = await runProcess(process.execPath, [tsx, helperBin, "version"], { ...process.env, ...env }, "", root)
    assert.strictEqual(helper.code, 0, helper.stderr)
    assert.strictEqual(helper.stdout, `docker-credential-ociauth ${packageVersion}\n`)
    // Anything else loads the program (the hook then refuses it): the fast path is for these alone.
    const help = await runBin(["--version", "--help"], { env })
    assert.notStrictEqual(help.code, 0)
    assert.include(help.stderr, "the SDK was imported")
  }, Budget.scaled(60_000))

  it("a closed standard output ends ociauth probe --transcript and the helper quietly: exit 141, no stack trace", async () => {
    const env = { XDG_CACHE_HOME: cache, HOME: cache, NO_COLOR: "1", DOCKER_CONFIG: join(cache, "docker") }
    const runs = [
      await runWithClosedStdout(ociauthBin, ["probe", emulator.host, "pub/app", "--insecure", "--transcript"], env),
      await runWithClosedStdout(ociauthBin, ["--version"], env),
      await runWithClosedStdout(helperBin, ["version"], env),
      await runWithClosedStdout(helperBin, ["list"], { ...env, XDG_STATE_HOME: join(cache, "state"), XDG_CONFIG_HOME: join(cache, "config") })
    ]
    for (const run of runs) {
      assert.strictEqual(run.code, 141, run.stderr)
      assert.strictEqual(run.stderr, "")
    }
  }, Budget.scaled(90_000))
})
