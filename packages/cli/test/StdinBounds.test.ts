/**
 * Standard input is read with a bound: `--password-stdin` up to its first
 * newline or 64 KiB (more is a usage error, exit 2), the credential helper up
 * to its end or 64 KiB (more is an error answer, exit 1); either stops reading
 * then, so that `< /dev/zero` neither fills the memory nor hangs.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ExitCode } from "@ociauth/cli"
import { Budget } from "@ociauth/testing"
import { Effect } from "effect"
import { runBinWithFile, runCli } from "./utils.js"

let home: string
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ociauth-cli-stdin-"))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe("standard input, bounded", () => {
  it.live("--password-stdin: more than 64 KiB before a newline is a usage error, the input never echoed", () =>
    Effect.gen(function* () {
      const long = yield* runCli(["login", "127.0.0.1:1", "-u", "me", "--password-stdin"], { stdin: "x".repeat(65 * 1024) })
      assert.strictEqual(long.code, ExitCode.ExitCode.usage, long.stderr)
      assert.include(long.stderr, "more than 64 KiB")
      assert.notInclude(long.stderr, "xxxx")
    }))

  it("ociauth login --password-stdin < /dev/zero: exit 2 at once, no heap exhausted", async () => {
    const outcome = await runBinWithFile("bin.ts", ["login", "127.0.0.1:1", "-u", "me", "--password-stdin"], { home, stdin: "/dev/zero", budget: Budget.scaled(10_000) })
    assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, outcome.stderr.slice(0, 2000))
    assert.include(outcome.stderr, "more than 64 KiB")
    assert.notInclude(outcome.stderr, "    at ")
  }, Budget.scaled(30_000))

  it("docker-credential-ociauth get < /dev/zero: an error answer, exit 1, without hanging", async () => {
    const outcome = await runBinWithFile("credentialHelperBin.ts", ["get"], { home, stdin: "/dev/zero", budget: Budget.scaled(10_000) })
    assert.strictEqual(outcome.code, 1, outcome.stderr.slice(0, 2000))
    assert.include(outcome.stdout, "more than 64 KiB")
    assert.notInclude(outcome.stderr, "    at ")
  }, Budget.scaled(30_000))
})
