/**
 * A port fetch refuses (the Fetch standard's bad ports: 1, 6000, 6665–6669, …)
 * fails at once, and the hint says to use another port — not to check that a
 * registry listens there, which cannot help.
 */
import { assert, describe, it } from "@effect/vitest"
import { ExitCode } from "@ociauth/cli"
import { Effect } from "effect"
import { runCli } from "./utils.js"

describe("a port fetch refuses", () => {
  it.live("request, token, login and probe: exit 4, the hint says to use another port", () =>
    Effect.gen(function* () {
      for (const argv of [
        ["request", "GET", "http://127.0.0.1:6000/v2/"],
        ["request", "127.0.0.1:6000/team/app:1.0", "--insecure"],
        ["token", "127.0.0.1:6000/team/app", "--insecure"],
        ["login", "127.0.0.1:6000", "-u", "me", "--password-stdin", "--insecure"],
        ["probe", "127.0.0.1:6000", "--insecure"]
      ]) {
        const outcome = yield* runCli(argv, { stdin: "secret\n" })
        assert.strictEqual(outcome.code, ExitCode.ExitCode.network, `${argv.join(" ")}: ${outcome.stderr}`)
        assert.include(outcome.stderr, "fetch refuses port 6000 whatever listens there: run the registry on another port", argv.join(" "))
        assert.notInclude(outcome.stderr, "Check that a registry listens", argv.join(" "))
        assert.notInclude(outcome.stderr, "the registry's API host?", argv.join(" "))
      }
    }))
})
