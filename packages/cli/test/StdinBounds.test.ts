/**
 * Standard input is read with a bound: `--password-stdin` up to its first
 * newline or 64 KiB (more is a usage error, exit 2), the credential helper up
 * to its end or 64 KiB (more is an error answer, exit 1); either stops reading
 * then, so that `< /dev/zero` neither fills the memory nor hangs.
 */
import { spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ExitCode } from "@ociauth/cli"
import { Budget } from "@ociauth/testing"
import { Effect } from "effect"
import { runCli } from "./utils.js"

const root = join(import.meta.dirname, "..", "..", "..")
const tsx = join(root, "scripts", "tsx.mjs")

let home: string
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ociauth-cli-stdin-"))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

/** Runs `node scripts/tsx.mjs <bin> …` with /dev/zero as its standard input; killed (its process group) past `budget` (then `code` is null). */
const withZeroes = (bin: string, args: ReadonlyArray<string>, budget: number) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve, reject) => {
    const zero = openSync("/dev/zero", "r")
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=256`.trim(), HOME: home, XDG_CACHE_HOME: home, XDG_CONFIG_HOME: home, XDG_STATE_HOME: home, DOCKER_CONFIG: join(home, "docker"), NO_COLOR: "1" }
    const child = spawn(process.execPath, [tsx, join(root, "packages", "cli", "src", bin), ...args], { env, stdio: [zero, "pipe", "pipe"], cwd: root, detached: true })
    closeSync(zero)
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    // tsx runs the program in a child of its own: the whole process group goes.
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), budget)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

describe("standard input, bounded", () => {
  it.live("--password-stdin: more than 64 KiB before a newline is a usage error, the input never echoed", () =>
    Effect.gen(function* () {
      const long = yield* runCli(["login", "127.0.0.1:1", "-u", "me", "--password-stdin"], { stdin: "x".repeat(65 * 1024) })
      assert.strictEqual(long.code, ExitCode.ExitCode.usage, long.stderr)
      assert.include(long.stderr, "more than 64 KiB")
      assert.notInclude(long.stderr, "xxxx")
    }))

  it("ociauth login --password-stdin < /dev/zero: exit 2 at once, no heap exhausted", async () => {
    const outcome = await withZeroes("bin.ts", ["login", "127.0.0.1:1", "-u", "me", "--password-stdin"], Budget.scaled(10_000))
    assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, outcome.stderr.slice(0, 2000))
    assert.include(outcome.stderr, "more than 64 KiB")
    assert.notInclude(outcome.stderr, "    at ")
  }, Budget.scaled(30_000))

  it("docker-credential-ociauth get < /dev/zero: an error answer, exit 1, without hanging", async () => {
    const outcome = await withZeroes("credentialHelperBin.ts", ["get"], Budget.scaled(10_000))
    assert.strictEqual(outcome.code, 1, outcome.stderr.slice(0, 2000))
    assert.include(outcome.stdout, "more than 64 KiB")
    assert.notInclude(outcome.stderr, "    at ")
  }, Budget.scaled(30_000))
})
