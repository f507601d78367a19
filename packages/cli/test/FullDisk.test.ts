/**
 * A standard output that cannot be written for another reason than a closed
 * pipe (a full disk: `>/dev/full`, ENOSPC) ends `ociauth` and
 * `docker-credential-ociauth` with one line on standard error and exit 1: no
 * stack trace, and never a success with nothing written.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Budget } from "@ociauth/testing"
import { runBinWithFile } from "./utils.js"

let home: string
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ociauth-cli-full-"))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe.skipIf(!existsSync("/dev/full"))("standard output on a full disk", () => {
  it("ociauth --version, --help, and the helper's version and list: one line on standard error, exit 1", async () => {
    for (const [bin, args, program] of [
      ["bin.ts", ["--version"], "ociauth"],
      ["bin.ts", ["--help"], "ociauth"],
      ["credentialHelperBin.ts", ["version"], "docker-credential-ociauth"],
      ["credentialHelperBin.ts", ["list"], "docker-credential-ociauth"]
    ] as const) {
      const outcome = await runBinWithFile(bin, args, { home, stdout: "/dev/full", budget: Budget.scaled(20_000) })
      assert.strictEqual(outcome.code, 1, `${bin} ${args.join(" ")}: ${outcome.stderr}`)
      assert.strictEqual(outcome.stderr, `${program}: cannot write standard output: ENOSPC\n`, `${bin} ${args.join(" ")}`)
    }
  }, Budget.scaled(90_000))
})
