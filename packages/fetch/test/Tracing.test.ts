import { HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, Option, Tracer } from "effect"
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

/** A tracer that keeps every span it starts. */
const recording = () => {
  const spans: Array<NativeSpanLike> = []
  const native = Tracer.make({
    span: (options) => {
      const span = new NativeSpanLike(options.name, options.parent, options.annotations, options.links, options.startTime, options.kind)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer: native }
}

class NativeSpanLike implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = Math.random().toString(16).slice(2)
  readonly traceId = "trace"
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  readonly events: Array<unknown> = []
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly annotations: import("effect").Context.Context<never>,
    readonly links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: import("effect").Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", endTime, exit, startTime: (this.status as { startTime: bigint }).startTime }
  }
  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }
  event(name: string) {
    this.events.push(name)
  }
  addLinks() {}
}

describe("spans: where the time goes, with no secret", () => {
  it.live("a cold and a warm request: ociauth.request (with the token cache outcome), ociauth.discover and ociauth.token_request", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recording()
      const password = "s3cret-canary-pw"
      yield* Effect.gen(function* () {
        const client = yield* RegistryClient.RegistryClient
        for (let i = 0; i < 2; i++) {
          const response = yield* client.execute(HttpClientRequest.get(`${origin}/v2/app/tags/list`))
          assert.strictEqual(response.status, 200)
        }
      }).pipe(
        Effect.provide(
          RegistryClient.layerClient({}).pipe(
            Layer.provide(Authenticator.layer()),
            Layer.provide(
              Layer.mergeAll(
                RegistryClient.layerFetchTransport,
                Registries.layer([]),
                CredentialProvider.layerStatic({ [new URL(origin).host]: { username: "alice", password } })
              )
            )
          )
        ),
        Effect.withTracer(tracer)
      )
      const named = (name: string) => spans.filter((s) => s.name === name)
      assert.strictEqual(named("ociauth.request").length, 2)
      assert.strictEqual(named("ociauth.discover").length, 1)
      assert.strictEqual(named("ociauth.token_request").length, 1)
      const [cold, warm] = named("ociauth.request")
      assert.strictEqual(cold!.attributes.get("ociauth.registry"), new URL(origin).host)
      assert.strictEqual(cold!.attributes.get("ociauth.route"), "Tags")
      assert.strictEqual(cold!.attributes.get("ociauth.token_cache"), "fetch")
      assert.strictEqual(warm!.attributes.get("ociauth.token_cache"), "hit")
      assert.strictEqual(named("ociauth.token_request")[0]!.attributes.get("ociauth.scopes"), "repository:app:pull")
      const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: [...s.attributes] })), (_, v) => (typeof v === "bigint" ? String(v) : v))
      for (const secret of [password, "t0ken-value", Buffer.from(`alice:${password}`).toString("base64")]) assert.notInclude(text, secret)
    }))
})
