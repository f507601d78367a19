/**
 * What the runtime assumes of effect/http's internals, pinned: an effect
 * release that breaks an assumption fails here.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"

import { RegistryClient } from "@ociauth/fetch"
import { Effect, Option } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { nativeResponse, WebSourceKey } from "../src/internal/platform.js"
import { SanitizedResponse } from "../src/internal/sanitizedResponse.js"
import * as Unstable from "@ociauth/core/Unstable"

let server: Server
let origin: string
beforeAll(async () => {
  server = createServer((_, res) => res.writeHead(200, { "content-type": "text/plain" }).end("body"))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe("effect/http internals the runtime reads", () => {
  it.live("a FetchHttpClient response hands its web Response to toWeb through the WebSource key, under a SanitizedResponse too", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(HttpClientRequest.get(`${origin}/`).pipe(HttpClientRequest.setHeader("authorization", "Bearer x")))
      // The platform's own wrappers forward the web Response under this key: ours does the same.
      assert.isTrue(WebSourceKey in response)
      const web = nativeResponse(response)
      assert.instanceOf(web, Response)
      assert.strictEqual(web!.status, 200)
      const sanitized = new SanitizedResponse(response, undefined, Unstable.withoutCredentials)
      assert.strictEqual(nativeResponse(sanitized), web)
      assert.strictEqual(Option.getOrUndefined(HttpClientResponse.toWeb(sanitized)), web)
      assert.isUndefined(sanitized.request.headers["authorization"])
      assert.strictEqual(yield* Effect.promise(() => web!.text()), "body")
    }).pipe(Effect.provide(RegistryClient.layerFetchTransport)))
})
