/**
 * What the commands refuse before anything is sent, as usage errors (exit 2):
 * a URL (or a host) with a user or password in it — never echoed — and a URL
 * that is no http(s) one, or (probe) more than an origin.
 */
import { assert, describe, it } from "@effect/vitest"
import { ExitCode } from "@ociauth/cli"
import { Effect } from "effect"
import { runCli } from "./utils.js"

const PASSWORD = "TopSecret1"

describe("a user or password in a URL", () => {
  it.live("probe, request, token, login and logout refuse it, exit 2, the password never echoed", () =>
    Effect.gen(function* () {
      for (const argv of [
        ["probe", `http://alice:${PASSWORD}@127.0.0.1:5055`, "team/app", "--json"],
        ["probe", `alice:${PASSWORD}@127.0.0.1:5055/team/app`],
        ["request", "GET", `http://alice:${PASSWORD}@127.0.0.1:5055/v2/team/app/tags/list`],
        ["request", `alice:${PASSWORD}@127.0.0.1:5055/team/app:1.0`],
        ["token", `alice:${PASSWORD}@127.0.0.1:5055/team/app`],
        ["login", `https://alice:${PASSWORD}@127.0.0.1:5055`, "-u", "me", "--password-stdin"],
        ["logout", `alice:${PASSWORD}@127.0.0.1:5055`]
      ]) {
        const outcome = yield* runCli(argv, { stdin: "secret\n" })
        assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, `${argv.join(" ")}: ${outcome.stderr}`)
        assert.include(outcome.stderr, "a URL with a user or password: give credentials with --user/--password-stdin or docker login", argv.join(" "))
        assert.notInclude(outcome.stdout + outcome.stderr, PASSWORD, argv.join(" "))
      }
      // a digest is no user
      const digest = yield* runCli(["token", "alpine@sha256:abc"])
      assert.notInclude(digest.stderr, "a user or password")
    }))
})

describe("a URL that names no registry", () => {
  it.live("probe file:///etc/passwd, foo://x, ftp://…: a usage error, exit 2, no stack; a URL with a path is refused with the form to use", () =>
    Effect.gen(function* () {
      for (const argv of [
        ["probe", "file:///etc/passwd"],
        ["probe", "foo://x"],
        ["probe", "ftp://127.0.0.1:1"],
        ["login", "ftp://127.0.0.1:1", "-u", "me", "--password-stdin"],
        ["request", "GET", "ftp://127.0.0.1:1/v2/"]
      ]) {
        const outcome = yield* runCli(argv, { stdin: "secret\n" })
        assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, `${argv.join(" ")}: ${outcome.stderr}`)
        assert.include(outcome.stderr, "names no registry: only http:// and https:// do", argv.join(" "))
        assert.notInclude(outcome.stderr, "    at ", argv.join(" "))
      }
      const path = yield* runCli(["probe", "http://127.0.0.1:1/team/app"])
      assert.strictEqual(path.code, ExitCode.ExitCode.usage, path.stderr)
      assert.include(path.stderr, "a URL names the registry's origin only (http://127.0.0.1:1): give the repository apart")
      assert.include(path.stderr, "ociauth probe http://127.0.0.1:1 team/app")
      // an origin with a final slash is an origin
      const origin = yield* runCli(["probe", "http://127.0.0.1:1/"])
      assert.notStrictEqual(origin.code, ExitCode.ExitCode.usage, origin.stderr)
    }))
})
