/**
 * Issue 26 §8, through the CLI: no request any command sends — probe's own,
 * token's discovery, the engine's token requests, request, login's check —
 * carries the tracer's propagation headers.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { CredentialProvider, CredentialStore } from "@ociauth/core"
import { Effect, Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cli } from "@ociauth/cli"
import { runCli } from "../utils.js"
import { basic, CANARY, listen, type Server } from "./attack.js"

let server: Server
beforeAll(async () => {
  server = await listen((received, response) => {
    if (received.url.startsWith("/token")) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: CANARY.issued, expires_in: 300 }))
    } else if (received.headers.authorization === `Bearer ${CANARY.issued}`) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "team/app", tags: ["v1"] }))
    } else {
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": `Bearer realm="${server.origin}/token",service="loopback"` })
      response.end(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
    }
  })
})
afterAll(() => server.close())

const traced = () => server.received.filter((r) => r.headers["traceparent"] !== undefined || r.headers["b3"] !== undefined)

describe("the CLI sends no trace propagation header", () => {
  const credentials = () => CredentialProvider.layerStatic({ [server.host]: basic })
  const commands: ReadonlyArray<readonly [string, () => ReadonlyArray<string>]> = [
    ["probe", () => ["probe", server.host, "team/app", "--insecure", "--json", "--user", CANARY.username, "--password-stdin"]],
    ["token", () => ["token", `${server.host}/team/app`, "--insecure"]],
    ["request", () => ["request", `${server.origin}/v2/team/app/tags/list`, "--insecure", "-v"]],
    ["login", () => ["login", server.host, "-u", CANARY.username, "--password-stdin", "--insecure"]]
  ]
  for (const [name, args] of commands) {
    it.live(name, () =>
      Effect.gen(function* () {
        server.received.length = 0
        const file = join(mkdtempSync(join(tmpdir(), "ociauth-trace-")), "config.json")
        const outcome = yield* runCli(args(), {
          stdin: `${CANARY.password}\n`,
          credentials: credentials(),
          store: CredentialStore.layerDockerConfig({ path: file }).pipe(Layer.provide(Cli.layerPlatform))
        })
        assert.isAbove(server.received.length, 0, `${name} reached the server: ${outcome.stderr}`)
        assert.deepStrictEqual(traced().map((r) => `${r.method} ${r.url}`), [], `${name}: ${outcome.stdout}${outcome.stderr}`)
      }))
  }
})
