/**
 * Issue 26 §3: servers that echo the canary password back — in bodies, in
 * headers, in a challenge's `error_description`, in token response fields;
 * raw, JSON-escaped, percent- and form-encoded, base64 (alone, in
 * `Basic user:password`, inside a longer encoded text) — × every output mode of
 * the CLI (probe's summary, `--json`, `--transcript`, `--suggest-adapter`;
 * `request -v`; `token -v`): no form of the password reaches standard output or
 * standard error, and no form of a token the probe was issued either.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { CredentialProvider } from "@ociauth/core"
import { Effect } from "effect"
import { runCli } from "../utils.js"
import type { Received, Server } from "./attack.js"
import { assertNoSecret, basic, CANARY, echoAll, ISSUED_FORMS, LEAKS, listen } from "./attack.js"

let tokens: Server
let registry: Server

/** What the peer received, echoed back whole: its Authorization, its URL (query) and its body. */
const received = (r: Received) => `got ${r.headers.authorization ?? ""} ${r.url} ${r.body}`
/** The password written with a JSON `\u` escape for every character: only a JSON reader sees it. */
const unicodeEscaped = [...CANARY.password].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")
/** A quoted-string parameter value (`"` and `\` escaped). */
const quoted = (text: string) => JSON.stringify(text)

beforeAll(async () => {
  tokens = await listen((r, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "x-echo": CANARY.password,
      "x-echo-basic": r.headers.authorization ?? "none",
      "www-authenticate": `Bearer realm="x",error="invalid_request",error_description=${quoted(CANARY.password)}`
    })
    response.end(
      JSON.stringify({
        token: CANARY.issued,
        access_token: CANARY.issued,
        refresh_token: `rt-${CANARY.password}`,
        expires_in: 300,
        issued_at: new Date(0).toISOString(),
        details: echoAll(),
        echo: received(r),
        [CANARY.password]: "a field named after it",
        escaped: "UNICODE-ESCAPED"
      }).replace("UNICODE-ESCAPED", unicodeEscaped)
    )
  })
  registry = await listen((r, response) => {
    const authorized = r.headers.authorization === `Bearer ${CANARY.issued}`
    const echo = { "x-echo": CANARY.password, "x-echo-received": received(r).replace(/[^\t\x20-\x7e]/g, "?") }
    if (r.url === "/") {
      response.writeHead(404, { ...echo, "content-type": `text/plain; ${CANARY.password}`, location: `/?p=${encodeURIComponent(CANARY.password)}` })
      return void response.end(`not here: ${echoAll()}`)
    }
    if (!authorized) {
      response.writeHead(401, {
        ...echo,
        "content-type": "application/json",
        "www-authenticate": `Bearer realm="${tokens.origin}/token",service="echo",scope="repository:team/app:pull",error="invalid_token",error_description=${quoted(CANARY.password)}`
      })
      return void response.end(JSON.stringify({ errors: [{ code: CANARY.password, message: echoAll(), detail: received(r) }], details: CANARY.password }))
    }
    if (r.method === "DELETE") {
      response.writeHead(405, { ...echo, "content-type": "application/json" })
      return void response.end(JSON.stringify({ errors: [{ code: CANARY.password, message: echoAll() }] }))
    }
    if (r.url.startsWith("/v2/team/app/manifests/")) {
      response.writeHead(200, {
        ...echo,
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "ratelimit-limit": CANARY.password,
        "ratelimit-remaining": encodeURIComponent(CANARY.password),
        "docker-ratelimit-source": Buffer.from(`${CANARY.username}:${CANARY.password}`).toString("base64")
      })
      return void response.end(r.method === "HEAD" ? undefined : JSON.stringify({ schemaVersion: 2, annotations: { echo: echoAll() } }))
    }
    if (r.url.startsWith("/v2/team/app/tags/list")) {
      response.writeHead(200, { ...echo, "content-type": "application/json" })
      return void response.end(JSON.stringify({ name: "team/app", tags: ["1.0"], echo: echoAll(), received: received(r), hidden: "HIDDEN" }).replace("HIDDEN", unicodeEscaped))
    }
    if (r.url.startsWith("/v2/missing")) {
      response.writeHead(404, { ...echo, "content-type": "text/plain" })
      return void response.end(`no such thing, ${echoAll()}`)
    }
    response.writeHead(200, { ...echo, "content-type": "application/json", "docker-distribution-api-version": CANARY.password })
    response.end(JSON.stringify({ echo: echoAll(), repositories: [CANARY.password] }))
  })
})
afterAll(async () => {
  await registry.close()
  await tokens.close()
})

const PROBE_MODES: ReadonlyArray<ReadonlyArray<string>> = [
  [],
  ["--json"],
  ["--transcript"],
  ["--suggest-adapter"],
  ["--json", "--transcript", "--suggest-adapter"]
]

describe("echoing servers × probe's output modes", () => {
  for (const mode of PROBE_MODES) {
    it.live(`probe ${mode.join(" ") || "(summary)"}`, () =>
      Effect.gen(function* () {
        const outcome = yield* runCli(["probe", registry.host, "team/app", "--insecure", "--user", CANARY.username, "--password-stdin", ...mode], {
          stdin: `${CANARY.password}\n`
        })
        assert.strictEqual(outcome.code, 0, outcome.stderr)
        // The servers were asked, and echoed: the harness did its part.
        assert.isTrue(tokens.received.length > 0 && registry.received.length > 0)
        assertNoSecret([outcome.stdout, outcome.stderr], [...LEAKS, ...ISSUED_FORMS], `probe ${mode.join(" ")}`)
        if (mode.includes("--json")) JSON.parse(outcome.stdout)
        if (mode.includes("--transcript")) assert.include(outcome.stdout, "<redacted>")
      }))
  }

  it.live("probe --identity-token-stdin --json --transcript: the refresh token never printed", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["probe", registry.host, "team/app", "--insecure", "--identity-token-stdin", "--json", "--transcript"], {
        stdin: `${CANARY.password}\n`
      })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assertNoSecret([outcome.stdout, outcome.stderr], [...LEAKS, ...ISSUED_FORMS], "probe --identity-token-stdin")
    }))
})

describe("echoing servers × request -v and token -v", () => {
  const credentials = () => CredentialProvider.layerStatic({ [registry.host]: basic })

  it.live("request -v: a 200 body, its headers and the flow", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["request", `${registry.origin}/v2/team/app/tags/list`, "-v", "--insecure"], { credentials: credentials() })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.include(outcome.stdout, "team/app")
      assert.include(outcome.stderr, "< x-echo: <redacted>")
      assertNoSecret([outcome.stdout, outcome.stderr], [...LEAKS, ...ISSUED_FORMS], "request -v")
    }))

  it.live("request -v: a manifest (a +json body)", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["request", `${registry.host}/team/app:1.0`, "-v", "--insecure"], { credentials: credentials() })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.include(outcome.stdout, "schemaVersion")
      assertNoSecret([outcome.stdout, outcome.stderr], [...LEAKS, ...ISSUED_FORMS], "request -v manifest")
    }))

  it.live("request -v: an error body (404, text) and an error status (405 DELETE)", () =>
    Effect.gen(function* () {
      const missing = yield* runCli(["request", `${registry.origin}/v2/missing/tags/list`, "-v", "--insecure"], { credentials: credentials() })
      assert.notStrictEqual(missing.code, 0)
      const deletion = yield* runCli(["request", "DELETE", `${registry.origin}/v2/team/app/manifests/sha256:${"0".repeat(64)}`, "-v", "--insecure"], {
        credentials: credentials()
      })
      assert.notStrictEqual(deletion.code, 0)
      for (const outcome of [missing, deletion]) assertNoSecret([outcome.stdout, outcome.stderr], [...LEAKS, ...ISSUED_FORMS], "request -v error")
    }))

  it.live("token -v: the token is the output; the password in no form", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["token", `${registry.host}/team/app`, "-v", "--insecure"], { credentials: credentials() })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.strictEqual(outcome.stdout.trim(), CANARY.issued)
      assertNoSecret([outcome.stdout, outcome.stderr], LEAKS, "token -v")
    }))
})
