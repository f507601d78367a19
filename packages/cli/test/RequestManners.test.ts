/**
 * What `request` and `token` say, checked against the emulator: a binary body
 * on a terminal ("an application/octet-stream body"), `token -v` when the
 * token server grants nothing (the flow before the failure), and the hint for
 * a one-component name on a Docker Hub–like registry that is not docker.io
 * (`alpine` where it keeps `library/alpine`); a textual body ends its line on
 * a terminal and stays byte for byte as it came to a file or a pipe.
 */
import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ExitCode } from "@ociauth/cli"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import { runCli } from "./utils.js"

let distribution: RegistryEmulator.RegistryEmulator
let hub: RegistryEmulator.RegistryEmulator
let layer: string
let manifestDigest: string
beforeAll(async () => {
  distribution = await RegistryEmulator.start({ profile: "distribution" })
  const pushed = distribution.pushImage("pub/app", "1.0")
  layer = pushed.layers[0]!
  manifestDigest = pushed.digest
  hub = await RegistryEmulator.start({ profile: "dockerHub" })
  hub.pushImage("library/alpine", "latest")
})
afterAll(async () => {
  await distribution.close()
  await hub.close()
})

describe("request and token: what they say", () => {
  it.live("a binary body is not printed on a terminal: \"an application/octet-stream body\"", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["request", `http://${distribution.host}/v2/pub/app/blobs/${layer}`], { tty: true })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.include(outcome.stderr, "(an application/octet-stream body is not printed on a terminal")
    }))

  it.live("a textual body without a final newline: one added on a terminal; to a file or a pipe the bytes are the digest's", () =>
    Effect.gen(function* () {
      const target = `${distribution.host}/pub/app:1.0`
      const piped = yield* runCli(["request", target, "--insecure"])
      assert.strictEqual(piped.code, 0, piped.stderr)
      assert.isFalse(piped.stdout.endsWith("\n"), "the emulator's manifest has no final newline")
      assert.strictEqual(`sha256:${createHash("sha256").update(piped.stdout).digest("hex")}`, manifestDigest)

      const terminal = yield* runCli(["request", target, "--insecure"], { tty: true })
      assert.strictEqual(terminal.code, 0, terminal.stderr)
      assert.strictEqual(terminal.stdout, `${piped.stdout}\n`)
    }))

  it.live("a one-component name granted nothing on a Docker Hub–like registry: the hint names library/; request and token -v show the flow", () =>
    Effect.gen(function* () {
      const request = yield* runCli(["request", "-v", "HEAD", `${hub.host}/alpine`, "--insecure"])
      assert.strictEqual(request.code, ExitCode.ExitCode.auth, request.stderr)
      assert.include(request.stderr, "granted nothing")
      assert.include(request.stderr, "needs library/alpine")

      const token = yield* runCli(["token", "-v", `${hub.host}/alpine`, "--insecure"])
      assert.strictEqual(token.code, ExitCode.ExitCode.auth, token.stderr)
      assert.strictEqual(token.stdout, "")
      // What happened before the failure: the token asked for, as whom, and what it granted.
      assert.match(token.stderr, /· token request: GET \S+ service=registry\.docker\.io scopes=repository:alpine:pull as anonymous/)
      assert.include(token.stderr, "· token issued for repository:alpine:pull: grants nothing")
      assert.include(token.stderr, "needs library/alpine")

      // The same with the name the registry keeps: granted, and the flow before the summary.
      const granted = yield* runCli(["token", "-v", `${hub.host}/library/alpine`, "--insecure"])
      assert.strictEqual(granted.code, 0, granted.stderr)
      assert.include(granted.stderr, "· token issued for repository:library/alpine:pull: grants repository:library/alpine:pull")
      assert.include(granted.stderr, "granted  repository:library/alpine:pull")
    }))

  it.live("a grant short of a two-component name keeps the plain advice", () =>
    Effect.gen(function* () {
      const request = yield* runCli(["request", "HEAD", `${hub.host}/someone/private`, "--insecure"])
      assert.strictEqual(request.code, ExitCode.ExitCode.auth, request.stderr)
      assert.include(request.stderr, "log in with an account that has the access")
      assert.notInclude(request.stderr, "library/")
    }))
})
