import { HttpClientRequest } from "@effect/platform"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Effect, Layer } from "effect"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/** A registry and its realm on one loopback server, recording every request's headers. */
let server: Server
let origin: string
const seen: Array<{ readonly path: string; readonly headers: IncomingHttpHeaders }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers })
    if (req.url?.startsWith("/token")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "t0ken-value", expires_in: 300 }))
    } else if (req.headers.authorization === "Bearer t0ken-value") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "app", tags: ["v1"] }))
    } else {
      res.writeHead(401, { "www-authenticate": `Bearer realm="${origin}/token",service="loopback"` }).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const propagationHeaders = (headers: IncomingHttpHeaders) => ["traceparent", "b3", "tracestate"].filter((name) => headers[name] !== undefined)

const tagsThrough = (options: RegistryClient.Options, engine: Authenticator.Options = {}) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(HttpClientRequest.get(`${origin}/v2/app/tags/list`))).pipe(
    Effect.withSpan("the user's own span"),
    Effect.provide(
      RegistryClient.layerClient(options).pipe(
        Layer.provide(Authenticator.layer(engine)),
        Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, Registries.layer([]), CredentialProvider.layerAnonymous))
      )
    )
  )

describe("trace propagation headers go to no registry or realm unless named", () => {
  it.live("by default: none on the discovery, the token request or the authorised request", () =>
    Effect.gen(function* () {
      seen.length = 0
      const response = yield* tagsThrough({})
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(seen.map((s) => s.path.split("?")[0]), ["/v2/app/tags/list", "/token", "/v2/app/tags/list"])
      for (const request of seen) assert.deepStrictEqual(propagationHeaders(request.headers), [], request.path)
    }))

  it.live("named hosts get them: the registry's for registry requests, the realm's for token requests", () =>
    Effect.gen(function* () {
      const host = new URL(origin).host
      seen.length = 0
      yield* tagsThrough({ tracePropagation: [host] })
      assert.deepStrictEqual(seen.map((s) => propagationHeaders(s.headers).length > 0), [true, false, true])
      seen.length = 0
      yield* tagsThrough({}, { tracePropagation: [host] })
      assert.deepStrictEqual(seen.map((s) => propagationHeaders(s.headers).length > 0), [false, true, false])
      seen.length = 0
      yield* tagsThrough({ tracePropagation: ["other.example"] }, { tracePropagation: true })
      assert.deepStrictEqual(seen.map((s) => propagationHeaders(s.headers).length > 0), [false, true, false])
    }))

  it("the fetch façade sends none by default, and passes the option to the engine too", async () => {
    for (const [options, expected] of [
      [{}, [false, false, false]],
      [{ tracePropagation: true }, [true, true, true]]
    ] as const) {
      const registryFetch = makeRegistryFetch(options)
      seen.length = 0
      const response = await registryFetch(`${origin}/v2/app/tags/list`)
      assert.strictEqual(response.status, 200)
      await response.arrayBuffer()
      assert.deepStrictEqual(seen.map((s) => propagationHeaders(s.headers).length > 0), [...expected])
      await registryFetch.close()
    }
  })
})
