/**
 * What the runtime assumes of @effect/platform's internals, pinned: a platform
 * release that breaks an assumption fails here.
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { HttpSteps } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { nativeResponse } from "../src/internal/platform.js"
import { SanitizedResponse } from "../src/internal/sanitizedResponse.js"

let server: Server
let origin: string
beforeAll(async () => {
  server = createServer((_, res) => res.writeHead(200, { "content-type": "text/plain" }).end("body"))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe("@effect/platform internals the runtime reads", () => {
  it.live("a FetchHttpClient response wraps the web Response as `source`, found under a SanitizedResponse too", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(HttpClientRequest.get(`${origin}/`).pipe(HttpClientRequest.setHeader("authorization", "Bearer x")))
      const web = nativeResponse(response)
      assert.instanceOf(web, Response)
      assert.strictEqual(web!.status, 200)
      const sanitized = new SanitizedResponse(response, undefined, HttpSteps.withoutCredentials)
      assert.strictEqual(nativeResponse(sanitized), web)
      assert.strictEqual(yield* Effect.promise(() => web!.text()), "body")
    }).pipe(Effect.provide(RegistryClient.layerFetchTransport)))
})
