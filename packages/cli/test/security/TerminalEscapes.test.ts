/**
 * Issue 26 §4: terminal escape injection. A registry and its token server put
 * C0 and C1 controls and escape sequences (OSC 52 clipboard writes, OSC 8
 * hyperlinks, clear-screen, CSI written as the 8-bit U+009B, bidirectional
 * overrides) into every field they supply: challenge parameters, headers,
 * error bodies (JSON and text), token response fields. Whatever the output
 * mode, no raw control character reaches standard output or standard error:
 * each is shown escaped (`\x1b`, `\u009b`).
 *
 * Header values can carry only C1 (bytes 0x80–0x9F, as HTTP's obs-text): C0 in
 * a header is refused by the HTTP stack on both ends. Bodies carry everything.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cli, Io } from "@ociauth/cli"
import { CredentialProvider } from "@ociauth/core"
import { Effect, Layer } from "effect"
import { runCli } from "../utils.js"
import type { Server } from "./attack.js"
import { assertNoControl, basic, CANARY, listen } from "./attack.js"

/** Sequences a body may carry. */
const BODY = [
  "\u001b]52;c;Y2FuYXJ5\u0007", // OSC 52: write the clipboard
  "\u001b[2J\u001b[H", // clear the screen
  "\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\", // OSC 8 hyperlink
  "\u009b31m", // 8-bit CSI: red
  "\u009d52;c;Y2FuYXJ5\u009c", // 8-bit OSC 52
  "\u0085", // NEL
  "over\rwritten", // a bare carriage return
  "\u202eevil\u202c", // right-to-left override
  "\u0000\u0007\u007f\u0008"
].join("|")

/** Sequences a header value may carry: C1 only. */
const HEADER = ["\u009b2J", "\u009d8;;https://evil.example/\u009cclick", "\u009b31m", "\u0085", "\u0090q\u009c"].join("|")

let tokens: Server
let registry: Server
beforeAll(async () => {
  tokens = await listen((_, response) => {
    response.writeHead(200, { "content-type": "application/json", "x-hostile": HEADER })
    response.end(
      JSON.stringify({
        token: CANARY.issued,
        expires_in: 300,
        issued_at: BODY,
        scope: BODY,
        [BODY]: "a field named with escapes",
        details: BODY
      })
    )
  })
  registry = await listen((r, response) => {
    const hostile = {
      "x-hostile": HEADER,
      "docker-distribution-api-version": HEADER,
      "ratelimit-limit": HEADER,
      "ratelimit-remaining": HEADER,
      "docker-ratelimit-source": HEADER
    }
    if (r.url === "/") {
      response.writeHead(302, { ...hostile, "content-type": `text/html; ${HEADER}`, location: `/${HEADER}` })
      return void response.end(BODY)
    }
    if (r.headers.authorization !== `Bearer ${CANARY.issued}`) {
      response.writeHead(401, {
        ...hostile,
        "content-type": "application/json",
        "www-authenticate": `Bearer realm="${tokens.origin}/token",service="svc${HEADER}",scope="repository:team/app:pull",error="invalid_token",error_description="${HEADER}"`
      })
      return void response.end(JSON.stringify({ errors: [{ code: BODY, message: BODY, detail: { [BODY]: BODY } }], details: BODY }))
    }
    if (r.method === "DELETE") {
      response.writeHead(405, { ...hostile, "content-type": "application/json" })
      return void response.end(JSON.stringify({ errors: [{ code: BODY, message: BODY }] }))
    }
    if (r.url.startsWith("/v2/team/app/manifests/")) {
      response.writeHead(200, { ...hostile, "content-type": "application/vnd.oci.image.manifest.v1+json" })
      return void response.end(r.method === "HEAD" ? undefined : JSON.stringify({ schemaVersion: 2, annotations: { [BODY]: BODY } }))
    }
    if (r.url.startsWith("/v2/team/app/tags/list")) {
      response.writeHead(200, { ...hostile, "content-type": "application/json" })
      return void response.end(JSON.stringify({ name: "team/app", tags: ["1.0", BODY], note: BODY }))
    }
    if (r.url.startsWith("/v2/text")) {
      response.writeHead(404, { ...hostile, "content-type": "text/plain" })
      return void response.end(`not found ${BODY}`)
    }
    response.writeHead(200, { ...hostile, "content-type": "application/json" })
    response.end(JSON.stringify({ repositories: [BODY] }))
  })
})
afterAll(async () => {
  await registry.close()
  await tokens.close()
})

const MODES: ReadonlyArray<ReadonlyArray<string>> = [[], ["--json"], ["--transcript"], ["--suggest-adapter"], ["--json", "--transcript", "--suggest-adapter"]]

describe("escapes in every server-supplied field × every output mode", () => {
  for (const mode of MODES) {
    for (const identity of ["anonymous", "credentials"] as const) {
      it.live(`probe ${mode.join(" ") || "(summary)"}, ${identity}`, () =>
        Effect.gen(function* () {
          const outcome = yield* runCli(
            ["probe", registry.host, "team/app", "--insecure", ...mode, ...(identity === "credentials" ? ["--user", CANARY.username, "--password-stdin"] : [])],
            { stdin: `${CANARY.password}\n` }
          )
          assert.strictEqual(outcome.code, 0, outcome.stderr)
          assertNoControl([outcome.stdout, outcome.stderr], `probe ${mode.join(" ")}`)
          // Shown, not dropped: what the server sent can still be read.
          assert.match(outcome.stdout, /\\u009b|\\x1b|\\u001b/)
          if (mode.includes("--json")) JSON.parse(outcome.stdout)
        }))
    }
  }

  it.live("the CLI's own layout survives: lines and the summary's columns", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["probe", registry.host, "team/app", "--insecure"])
      assert.isAbove(outcome.stdout.split("\n").length, 10)
      // A server's value never starts a line of its own.
      for (const line of outcome.stdout.split("\n")) assert.notMatch(line, /^(over|written|click)/)
    }))
})

describe("on a colour terminal", () => {
  it.live("only the CLI's own colours and progress erase pass; every escape a server sent is shown escaped", () =>
    Effect.gen(function* () {
      let stdout = ""
      let stderr = ""
      const terminal = Layer.succeed(Io.Io, {
        stdout: (chunk) => Effect.sync(() => void (stdout += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk))),
        stderr: (text) => Effect.sync(() => void (stderr += text)),
        stdin: Effect.succeed(""),
        stdoutIsTTY: true,
        stderrIsTTY: true,
        stdinIsTTY: true,
        color: true
      })
      const code = yield* Cli.run(["node", "ociauth", "probe", registry.host, "team/app", "--insecure"]).pipe(Effect.provide(Layer.merge(Cli.layerPlatform, terminal)))
      assert.strictEqual(code, 0, stderr)
      assert.include(stdout, "\u001b[1m", "the summary's own colours are kept")
      assert.include(stderr, "\r\u001b[2K", "the progress line's own erase is kept")
      // With the CLI's own sequences taken out, nothing a terminal acts on is left.
      assertNoControl([stdout.replace(/\u001b\[[0-9;]*m/g, ""), stderr.replace(/\r\u001b\[2K/g, "")], "colour terminal")
      assert.include(stdout, "\\u009b")
    }))
})

describe("escapes × request -v and token -v", () => {
  const credentials = () => CredentialProvider.layerStatic({ [registry.host]: basic })
  const cases: ReadonlyArray<ReadonlyArray<string>> = [
    ["request", `REGISTRY/v2/team/app/tags/list`, "-v", "--insecure"],
    ["request", `REGISTRY/v2/text`, "-v", "--insecure"],
    ["request", "DELETE", `REGISTRY/v2/team/app/manifests/sha256:${"0".repeat(64)}`, "-v", "--insecure"],
    ["request", "HOST/team/app:1.0", "-v", "--insecure"],
    ["token", "HOST/team/app", "-v", "--insecure"]
  ]
  for (const args of cases) {
    it.live(args.join(" "), () =>
      Effect.gen(function* () {
        const concrete = args.map((a) => a.replace("REGISTRY", registry.origin).replace("HOST", registry.host))
        const outcome = yield* runCli(concrete, { credentials: credentials() })
        assertNoControl([outcome.stdout, outcome.stderr], concrete.join(" "))
        assert.match(outcome.stdout + outcome.stderr, /\\u009b|\\x1b/)
      }))
  }
})
