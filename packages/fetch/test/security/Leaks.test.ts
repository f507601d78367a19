/**
 * Attacks on the runtime: secrets must not surface through any error or event,
 * hostile endpoints must end in typed errors within the configured bounds.
 */
import { inspect } from "node:util"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter, Retry } from "@ociauth/core"
import type { AuthEvent } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Budget } from "@ociauth/testing"
import { Cause, Effect, Exit, Layer } from "effect"
import { assertClean, CANARY, drip, listen, surfaces } from "./attack.js"
import type { HostileServer } from "./attack.js"

const PASSWORD = CANARY.password
const TOKEN = CANARY.issuedToken

const challenge = { scheme: "bearer", realm: "https://registry.example/token", service: "registry.example", scopes: [] } as const
const adapter = RegistryAdapter.make({ name: "hostile", hosts: ["registry.example"], challenge })

describe("transport failures after an authorised request", () => {
  const failingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    if (request.url.includes("/token")) return Response.json({ token: TOKEN, expires_in: 300 })
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" })
    throw new TypeError("fetch failed", { cause })
  }

  it("the façade's rejection holds no secret at any depth, and keeps the native cause", async () => {
    const registryFetch = makeRegistryFetch({
      adapters: [adapter],
      fetch: failingFetch,
      credentials: { "registry.example": { username: "alice", password: PASSWORD } },
      retry: Retry.never
    })
    try {
      const error = await registryFetch("https://registry.example/v2/team/app/manifests/latest").catch((e: unknown) => e)
      assert.instanceOf(error, TypeError)
      assert.strictEqual(((error as TypeError).cause as { readonly code?: string }).code, "ECONNREFUSED")
      assertClean(surfaces(error))
    } finally {
      await registryFetch.close()
    }
  })

  it.effect("the Effect API's failure (and Cause.pretty) holds no secret", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const exit = yield* Effect.exit(client.get("https://registry.example/v2/team/app/manifests/latest"))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        assertClean([Cause.pretty(exit.cause), inspect(exit.cause, { depth: Infinity }), JSON.stringify(exit.cause)])
        const failure = Cause.findErrorOption(exit.cause)
        assertClean(surfaces(failure))
      }
    }).pipe(
      Effect.provide(
        RegistryClient.layerWith({ retry: Retry.never }).pipe(
          Layer.provide(Authenticator.layer({ retry: Retry.never })),
          Layer.provide([
            Registries.layer([adapter]),
            CredentialProvider.layerStatic({ "registry.example": { username: "alice", password: PASSWORD } }),
            RegistryClient.layerFetchTransport.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, failingFetch)))
          ])
        )
      )
    ))
})

describe("hostile servers", () => {
  let origin = ""
  let server: HostileServer
  beforeAll(async () => {
    server = await listen((request, response) => {
      const url = new URL(request.url, "http://x")
      if (url.pathname === "/drip-token") {
        // Status and headers at once, then a byte every 200 ms, forever.
        response.writeHead(200, { "content-type": "application/json" })
        response.write("{")
        return drip(response, " ", 200)
      }
      if (url.pathname === "/echo-token") {
        // Echoes the credential it received in its error message.
        const received = request.headers.authorization ?? ""
        response.writeHead(401, { "content-type": "application/json" })
        return void response.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: `bad credentials: ${received}`, detail: { got: received } }] }))
      }
      if (url.pathname.startsWith("/v2/")) {
        const realm = url.pathname.includes("echo") ? "echo-token" : "drip-token"
        return void response.writeHead(401, { "www-authenticate": `Bearer realm="${origin}/${realm}",service="hostile"` }).end()
      }
      response.writeHead(404).end()
    })
    origin = server.origin
  })
  afterAll(() => server.close())

  it("a dripping token body ends in a typed error within the timeout, and does not wedge later requests", async () => {
    const registryFetch = makeRegistryFetch({
      credentials: { [new URL(origin).host]: { username: "alice", password: PASSWORD } },
      authenticator: { requestTimeout: "1 second", retry: Retry.never }
    })
    try {
      // The body drips for ever: only the request timeout ends these (a hang would be the test's timeout).
      const [first, second] = await Promise.all([
        registryFetch(`${origin}/v2/team/app/manifests/latest`).catch((e: { readonly _tag?: string; readonly reason?: string }) => e),
        registryFetch(`${origin}/v2/team/app/manifests/latest`).catch((e: { readonly _tag?: string; readonly reason?: string }) => e)
      ])
      for (const error of [first, second]) {
        assert.strictEqual((error as { readonly _tag?: string })._tag, "TokenRequestError")
        assert.strictEqual((error as { readonly reason?: string }).reason, "Transport")
      }
      const third = await registryFetch(`${origin}/v2/team/app/manifests/latest`).catch((e: { readonly _tag?: string }) => e)
      assert.strictEqual((third as { readonly _tag?: string })._tag, "TokenRequestError")
    } finally {
      await registryFetch.close()
    }
  }, Budget.scaled(20_000))

  it("a token server that echoes the credential: no secret in the error or any event", async () => {
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({
      credentials: { [new URL(origin).host]: { username: "alice", password: PASSWORD } },
      authenticator: { retry: Retry.never },
      onEvent: (e) => events.push(e)
    })
    try {
      const error = await registryFetch(`${origin}/v2/echo/app/manifests/latest`).catch((e: unknown) => e)
      assert.strictEqual((error as { readonly _tag?: string })._tag, "TokenRequestError")
      assertClean(surfaces(error))
      assertClean(events.map((e) => inspect(e, { depth: Infinity })))
      assert.include(String(error), "<redacted>")
    } finally {
      await registryFetch.close()
    }
  })
})

describe("redirects", () => {
  it.effect("every credential-bearing header is dropped on an origin change", () => {
    const seen: Array<{ readonly host: string; readonly headers: Record<string, string> }> = []
    const transport = HttpClient.make((request, url) =>
      Effect.sync(() => {
        seen.push({ host: url.host, headers: { ...request.headers } })
        return url.host === "registry.example"
          ? HttpClientResponse.fromWeb(request, new Response(null, { status: 307, headers: { location: "https://cdn.example/blob" } }))
          : HttpClientResponse.fromWeb(request, new Response("ok"))
      })
    )
    const open = RegistryAdapter.make({ name: "open", hosts: ["registry.example"] })
    return Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      yield* client.execute(
        HttpClientRequest.get("https://registry.example/v2/team/app/blobs/sha256:abc").pipe(
          HttpClientRequest.setHeaders({ cookie: "session=1", "proxy-authorization": "Basic x", "x-registry-auth": "e30=", "x-trace": "keep" })
        )
      )
      const cdn = seen.find((s) => s.host === "cdn.example")!
      for (const name of ["authorization", "cookie", "proxy-authorization", "x-registry-auth"]) assert.isUndefined(cdn.headers[name])
      assert.strictEqual(cdn.headers["x-trace"], "keep")
    }).pipe(
      Effect.provide(RegistryClient.layer.pipe(Layer.provide(RegistryClient.layerAuthenticator))),
      Effect.provide([Layer.succeed(HttpClient.HttpClient, transport), Registries.layer([open]), CredentialProvider.layerAnonymous])
    )
  })
})
