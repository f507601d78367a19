/**
 * Warm requests (a request whose plan and challenge are known, its token held):
 * what they must still do — refused tokens never sent again, renewal ahead of
 * expiry, events, access plans, scope hints, moving realms — probed from
 * outside with the public API. There is one pipeline: these are behaviours, not
 * a check that two paths agree.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpClient, HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, AuthEvent, CredentialProvider, Registries, RegistryAdapter, RegistryError, Retry, Scope } from "@ociauth/core"
import type { Credential } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { RegistryEmulator } from "@ociauth/testing"
import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import { TestClock } from "effect/testing"

const fastRetry: Retry.Policy = {
  schedule: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(3)]),
  maxRetryAfter: Duration.seconds(2)
}

/** What went on the wire: method, URL, the bearer token (if any) and when (the fiber's clock). */
interface Sent {
  readonly method: string
  readonly url: string
  readonly bearer: string | undefined
  readonly at: number
}

const recordingTransport = (sent: Array<Sent>) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.tapRequest(client, (request) =>
        Effect.map(Clock.currentTimeMillis, (at) => {
          const header = request.headers["authorization"]
          sent.push({
            method: request.method,
            url: request.url,
            bearer: header !== undefined && header.startsWith("Bearer ") ? header.slice(7) : undefined,
            at
          })
        })
      ))
  ).pipe(Layer.provide(RegistryClient.layerFetchTransport))

interface Setup {
  readonly sent?: Array<Sent>
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  readonly credentials?: Record<string, Credential.Input>
  readonly events?: Array<AuthEvent.AuthEvent>
  readonly authenticator?: Authenticator.Options
  readonly client?: RegistryClient.Options
}

/** The engine's dependencies, and the engine, without a client. */
const engineLayer = (setup: Setup) =>
  Authenticator.layer({ retry: fastRetry, ...setup.authenticator }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        setup.sent === undefined ? RegistryClient.layerFetchTransport : recordingTransport(setup.sent),
        Registries.layer(setup.adapters ?? []),
        setup.credentials === undefined ? CredentialProvider.layerAnonymous : CredentialProvider.layerStatic(setup.credentials),
        setup.events === undefined ? Layer.empty : AuthEvent.layer((e) => Effect.sync(() => setup.events!.push(e)))
      )
    )
  )

const clientLayer = (setup: Setup = {}) =>
  Layer.provideMerge(Layer.effect(RegistryClient.RegistryClient, RegistryClient.make({ retry: fastRetry, ...setup.client })), engineLayer(setup))

const run = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(request))

const status = (client: RegistryClient.Executor, request: HttpClientRequest.HttpClientRequest) =>
  Effect.map(client.execute(request), (response) => response.status)

const knowing = (emulator: RegistryEmulator.RegistryEmulator) =>
  RegistryAdapter.make({ name: `emulator-${emulator.profile}`, hosts: [emulator.host], challenge: emulator.challenge })

const tokenScopes = (emulator: RegistryEmulator.RegistryEmulator) =>
  emulator.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query).getAll("scope").sort().join(" "))

const toRegistry = (sent: ReadonlyArray<Sent>, origin: string) => sent.filter((s) => s.url.startsWith(`${origin}/v2/`))

describe("warm requests against the emulator", () => {
  let emulator: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    emulator = await RegistryEmulator.start({ users: { alice: "pw" } })
    for (const name of ["team/app", "team/r1", "team/r2", "alice/app", "alice/web"]) emulator.pushImage(name, "v1")
  })
  afterAll(() => emulator.close())
  const manifest = (repository = "team/app") => `${emulator.origin}/v2/${repository}/manifests/v1`
  const alice = () => ({ [emulator.host]: { username: "alice", password: "pw" } })

  it.live("a refused token is never sent again, by this client or another one sharing the engine", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      const a = yield* RegistryClient.make({ retry: fastRetry })
      const b = yield* RegistryClient.make({ retry: fastRetry })
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(yield* status(a, HttpClientRequest.head(manifest())), 200)
        assert.strictEqual(yield* status(b, HttpClientRequest.head(manifest())), 200)
      }
      const registry = () => toRegistry(sent, emulator.origin)
      const held = registry().at(-1)!.bearer
      assert.isDefined(held)
      // b's warm request is refused; a holds the same token in its own plan.
      emulator.log.clear()
      emulator.faults.add({ path: "/v2/team/app/manifests/v1", expireToken: true, times: 1 })
      const before = registry().length
      assert.strictEqual(yield* status(b, HttpClientRequest.head(manifest())), 200)
      assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.server} ${e.status}`), ["registry 401", "token 200", "registry 200"])
      assert.strictEqual(registry()[before]!.bearer, held, "the refused request carried the held token")
      for (let i = 0; i < 10; i++) {
        assert.strictEqual(yield* status(a, HttpClientRequest.head(manifest())), 200)
        assert.strictEqual(yield* status(b, HttpClientRequest.head(manifest())), 200)
        assert.strictEqual(yield* status(a, HttpClientRequest.get(manifest())), 200)
      }
      const after = registry().slice(before + 1)
      assert.strictEqual(after.length, 31)
      assert.isTrue(after.every((s) => s.bearer !== undefined && s.bearer !== held), "the refused token went out again")
      assert.strictEqual(emulator.log.count({ server: "token" }), 1, "one renewal serves both clients")
    }).pipe(Effect.scoped, Effect.provide(engineLayer({ sent, adapters: [knowing(emulator)], credentials: alice() })))
  })

  it.live("a refused token is not served again to concurrent warm requests", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      for (let i = 0; i < 2; i++) yield* run(HttpClientRequest.head(manifest()))
      const held = toRegistry(sent, emulator.origin).at(-1)!.bearer
      emulator.faults.add({ path: "/v2/team/app/manifests/v1", expireToken: true, times: 1 })
      const before = toRegistry(sent, emulator.origin).length
      const statuses = yield* Effect.all(Array.from({ length: 50 }, () => Effect.map(run(HttpClientRequest.head(manifest())), (r) => r.status)), {
        concurrency: 10
      })
      assert.isTrue(statuses.every((s) => s === 200))
      const during = toRegistry(sent, emulator.origin).slice(before)
      const refusedAt = during.findIndex((s) => s.bearer === held)
      assert.notStrictEqual(refusedAt, -1)
      // Requests already in flight with it may carry it; once a renewed token went out, never again.
      const firstRenewed = during.findIndex((s) => s.bearer !== held)
      assert.isTrue(during.slice(firstRenewed).every((s) => s.bearer !== held), "the refused token reappeared after its renewal")
      for (let i = 0; i < 5; i++) yield* run(HttpClientRequest.head(manifest()))
      assert.isTrue(toRegistry(sent, emulator.origin).slice(-5).every((s) => s.bearer !== held))
    }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)], credentials: alice() })))
  })

  it.live("tokens refused again and again under load from two clients: none reappears once renewed", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      const clients = [yield* RegistryClient.make({ retry: fastRetry }), yield* RegistryClient.make({ retry: fastRetry })]
      const head = (i: number) => status(clients[i % 2]!, HttpClientRequest.head(manifest()))
      yield* Effect.all([head(0), head(1)])
      for (let round = 0; round < 5; round++) {
        const before = toRegistry(sent, emulator.origin).length
        const held = toRegistry(sent, emulator.origin).at(-1)!.bearer
        emulator.faults.add({ path: "/v2/team/app/manifests/v1", expireToken: true, times: 3 })
        const statuses = yield* Effect.all(Array.from({ length: 40 }, (_, i) => head(i)), { concurrency: 20 })
        emulator.faults.clear()
        assert.isTrue(statuses.every((s) => s === 200), `round ${round}`)
        const during = toRegistry(sent, emulator.origin).slice(before).map((s) => s.bearer)
        const renewed = during.findIndex((b) => b !== held)
        assert.notStrictEqual(renewed, -1, `round ${round}: never renewed`)
        assert.notInclude(during.slice(renewed), held, `round ${round}: the refused token reappeared`)
      }
    }).pipe(Effect.scoped, Effect.provide(engineLayer({ sent, adapters: [knowing(emulator)], credentials: alice() })))
  })

  it.live("an Authenticator decorated by overriding authorize is asked for every request, warm ones too", () => {
    let revoked = false
    const asked: Array<string> = []
    const policy = Layer.effect(
      Authenticator.Authenticator,
      Effect.map(Authenticator.Authenticator, (engine): Authenticator.Service => ({
        ...engine,
        authorize: (request) => {
          asked.push(request.origin)
          return revoked
            ? Effect.fail(new RegistryError.RealmRejected({ realm: request.origin, reason: "revoked by policy" }))
            : engine.authorize(request)
        }
      }))
    )
    return Effect.gen(function* () {
      const client = yield* RegistryClient.make({ retry: fastRetry })
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* status(client, HttpClientRequest.head(manifest())), 200)
      assert.strictEqual(asked.length, 3, "warm requests skipped the decorated authorize")
      revoked = true
      emulator.log.clear()
      const refused = yield* Effect.flip(client.execute(HttpClientRequest.head(manifest())))
      assert.strictEqual(refused._tag, "RealmRejected")
      assert.strictEqual(emulator.log.count({ server: "registry" }), 0)
    }).pipe(Effect.scoped, Effect.provide(Layer.provideMerge(policy, engineLayer({ adapters: [knowing(emulator)] }))))
  })

  it.live("TokenCacheHit for every warm request: handler at the engine layer", () => {
    const events: Array<AuthEvent.AuthEvent> = []
    return Effect.gen(function* () {
      yield* run(HttpClientRequest.head(manifest()))
      events.length = 0
      for (let i = 0; i < 5; i++) assert.strictEqual((yield* run(HttpClientRequest.head(manifest()))).status, 200)
      assert.deepStrictEqual(events.map((e) => e._tag), Array(5).fill("TokenCacheHit"))
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)], events })))
  })

  it.live("TokenCacheHit for every warm request: handler only around concurrent requests", () =>
    Effect.gen(function* () {
      yield* run(HttpClientRequest.head(manifest()))
      yield* run(HttpClientRequest.head(manifest()))
      let hits = 0
      const statuses = yield* Effect.all(Array.from({ length: 20 }, () => Effect.map(run(HttpClientRequest.head(manifest())), (r) => r.status)), {
        concurrency: 5
      }).pipe(Effect.provideService(AuthEvent.AuthEvents, { emit: (e) => Effect.sync(() => void (e._tag === "TokenCacheHit" && hits++)) }))
      assert.isTrue(statuses.every((s) => s === 200))
      assert.strictEqual(hits, 20)
      // And not captured by anything: the next unobserved request reports nowhere.
      yield* run(HttpClientRequest.head(manifest()))
      assert.strictEqual(hits, 20)
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it("TokenCacheHit for every warm request: makeRegistryFetch's onEvent", async () => {
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({ adapters: [knowing(emulator)], onEvent: (e) => events.push(e) })
    try {
      await registryFetch(manifest(), { method: "HEAD" })
      events.length = 0
      for (let i = 0; i < 5; i++) assert.strictEqual((await registryFetch(manifest(), { method: "HEAD" })).status, 200)
      assert.deepStrictEqual(events.map((e) => e._tag), Array(5).fill("TokenCacheHit"))
    } finally {
      await registryFetch.close()
    }
  })

  it.live("an access plan entered after warm requests asks for the plan's token; leaving it goes back", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      for (let i = 0; i < 3; i++) yield* run(HttpClientRequest.head(manifest()))
      const plain = toRegistry(sent, emulator.origin).at(-1)!.bearer
      emulator.log.clear()
      const access = ["team/app", "team/r1", "team/r2"].map((repository) => ({ registry: emulator.host, repository }))
      const inside = yield* Effect.forEach([manifest(), manifest(), manifest("team/r1"), manifest("team/r2")], (url) =>
        Effect.map(run(HttpClientRequest.head(url)), (r) => r.status)).pipe(RegistryClient.withAccess(access))
      assert.deepStrictEqual(inside, [200, 200, 200, 200])
      assert.deepStrictEqual(tokenScopes(emulator), ["repository:team/app:pull repository:team/r1:pull repository:team/r2:pull"])
      const planned = toRegistry(sent, emulator.origin).slice(-4)
      assert.isTrue(planned.every((s) => s.bearer !== undefined && s.bearer !== plain), "a request in the plan sent the plan-less token")
      assert.strictEqual(new Set(planned.map((s) => s.bearer)).size, 1)
      emulator.log.clear()
      for (let i = 0; i < 2; i++) assert.strictEqual((yield* run(HttpClientRequest.head(manifest()))).status, 200)
      assert.strictEqual(emulator.log.count({ server: "token" }), 0)
      assert.deepStrictEqual(toRegistry(sent, emulator.origin).slice(-2).map((s) => s.bearer), [plain, plain])
      // Another plan on the same warm URL: not the plan-less token, which does not cover it.
      yield* run(HttpClientRequest.head(manifest())).pipe(RegistryClient.withAccess([{ registry: emulator.host, repository: "team/r1" }]))
      assert.notStrictEqual(toRegistry(sent, emulator.origin).at(-1)!.bearer, plain)
    }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)] })))
  })

  it.live("a plan in context on top of the client's own plan: the union, then the client's plan again", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      for (let i = 0; i < 3; i++) yield* run(HttpClientRequest.head(manifest()))
      const own = toRegistry(sent, emulator.origin).at(-1)!.bearer
      assert.deepStrictEqual(tokenScopes(emulator), ["repository:team/app:pull repository:team/r1:pull"])
      emulator.log.clear()
      for (let i = 0; i < 2; i++) {
        yield* run(HttpClientRequest.head(manifest())).pipe(RegistryClient.withAccess([{ registry: emulator.host, repository: "team/r2" }]))
      }
      assert.deepStrictEqual(tokenScopes(emulator), ["repository:team/app:pull repository:team/r1:pull repository:team/r2:pull"])
      const union = toRegistry(sent, emulator.origin).slice(-2).map((s) => s.bearer)
      assert.isTrue(union.every((b) => b !== undefined && b !== own))
      yield* run(HttpClientRequest.head(manifest()))
      assert.strictEqual(toRegistry(sent, emulator.origin).at(-1)!.bearer, own)
      assert.strictEqual(emulator.log.count({ server: "token" }), 1)
    }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)], client: { access: [{ registry: emulator.host, repository: "team/r1" }] } })))
  })

  it.live("scope hints on a warm request: a delete hint on a warm HEAD gets a token with delete", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      for (let i = 0; i < 3; i++) yield* run(HttpClientRequest.head(manifest("alice/app")))
      const pull = toRegistry(sent, emulator.origin).at(-1)!.bearer
      emulator.log.clear()
      const hinted = yield* run(HttpClientRequest.head(manifest("alice/app"))).pipe(
        RegistryClient.withScopes([Scope.repository("alice/app", ["pull", "delete"])])
      )
      assert.strictEqual(hinted.status, 200)
      assert.deepStrictEqual(tokenScopes(emulator), ["repository:alice/app:delete,pull"])
      const widened = toRegistry(sent, emulator.origin).at(-1)!.bearer
      assert.notStrictEqual(widened, pull)
      // Without the hint the warm path serves its own token, and asks for nothing.
      yield* run(HttpClientRequest.head(manifest("alice/app")))
      assert.strictEqual(emulator.log.count({ server: "token" }), 1)
    }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)], credentials: alice() })))
  })

  it.live("one URL, several methods: a pull token never goes out with a push or a delete", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      const url = manifest("alice/web")
      const head = () => run(HttpClientRequest.head(url))
      const put = () =>
        run(
          HttpClientRequest.put(url).pipe(
            HttpClientRequest.bodyText("{}", "application/vnd.oci.image.manifest.v1+json")
          )
        )
      const del = () => run(HttpClientRequest.delete(url))
      for (let i = 0; i < 3; i++) yield* head()
      yield* put()
      yield* head()
      yield* put()
      yield* head()
      yield* del()
      yield* head()
      yield* del()
      const bearers = (method: string) => new Set(toRegistry(sent, emulator.origin).filter((s) => s.method === method).map((s) => s.bearer))
      const heads = bearers("HEAD")
      for (const method of ["PUT", "DELETE"]) {
        for (const bearer of bearers(method)) {
          assert.isDefined(bearer, `${method} without a token`)
          assert.isFalse(heads.has(bearer), `${method} sent a HEAD's token`)
        }
      }
      assert.strictEqual(emulator.log.count({ server: "registry", status: 401 }), 0, emulator.log.format())
      const scopes = tokenScopes(emulator)
      assert.isTrue(scopes.some((s) => s.includes("push")), scopes.join(" | "))
      assert.isTrue(scopes.some((s) => s.includes("delete")), scopes.join(" | "))
    }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)], credentials: alice() })))
  })
})

/** A JWT's `exp`, in epoch milliseconds. */
const expiresAt = (jwt: string): number => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).exp * 1000

describe("warm requests and refresh-ahead (TestClock, nobody listening)", () => {
  it.effect("60 s tokens, a request every 3 s for 10 min: renewed ahead, never sent in its last seconds", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const emulator = yield* RegistryEmulator.make({ tokenTtl: "60 seconds" })
        emulator.pushImage("team/app", "v1")
        const sent: Array<Sent> = []
        yield* Effect.gen(function* () {
          for (let i = 0; i < 200; i++) {
            const response = yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
            assert.strictEqual(response.status, 200, `request ${i}`)
            yield* TestClock.adjust("3 seconds")
            // Let a background renewal that the request started finish.
            for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
          }
        }).pipe(Effect.provide(clientLayer({ sent, adapters: [knowing(emulator)], authenticator: { requestTimeout: "1 hour" } })))
        assert.strictEqual(emulator.log.count({ server: "registry", status: 401 }), 0, "no request met an expired token")
        const issued = emulator.log.count({ server: "token" })
        assert.isAtLeast(issued, 10, "600 s of 60 s tokens")
        assert.isAtMost(issued, 20, "renewed ahead, not on every request")
        // Renewal starts 6 s before expiry (10 %, at least 5 s); a token renewed only once unusable goes out with 3 s left.
        const left = toRegistry(sent, emulator.origin).map((s) => expiresAt(s.bearer!) - s.at)
        assert.isAtLeast(Math.min(...left), 5_000)
      })
    ))
})

/**
 * A registry whose realm can move: tokens of one realm are refused
 * (`invalid_token`) once the registry names another.
 */
const movableRegistry = async () => {
  let realm = 1
  let issued = 0
  const tokens = new Map<string, number>()
  const tokenRequests: Array<string> = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const token = /^\/token(\d)$/.exec(url.pathname)
    if (token !== null) {
      tokenRequests.push(url.pathname)
      const value = `realm${token[1]}-${++issued}`
      tokens.set(value, Number(token[1]))
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ token: value, expires_in: 300, issued_at: new Date().toISOString() }))
      return
    }
    const header = req.headers.authorization
    const presented = header?.startsWith("Bearer ") ? header.slice(7) : undefined
    if (presented !== undefined && tokens.get(presented) === realm) {
      res.writeHead(200, { "docker-content-digest": "sha256:0", "content-length": "0" })
      res.end()
      return
    }
    const repository = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1] ?? "x"
    const error = presented === undefined ? "" : `,error="invalid_token"`
    res.writeHead(401, {
      "www-authenticate": `Bearer realm="${origin}/token${realm}",service="movable",scope="repository:${repository}:pull"${error}`,
      "content-type": "application/json"
    })
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    tokenRequests,
    move: (to: number) => void (realm = to),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("a challenge that moves", () => {
  let registry: Awaited<ReturnType<typeof movableRegistry>>
  beforeAll(async () => {
    registry = await movableRegistry()
  })
  afterAll(() => registry.close())

  it.live("a new realm learnt by another URL of the origin is used by the next warm request of a memoized plan", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      const x = `${registry.origin}/v2/team/x/manifests/v1`
      const y = `${registry.origin}/v2/team/y/manifests/v1`
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* run(HttpClientRequest.head(x))).status, 200)
      assert.isTrue(toRegistry(sent, registry.origin).at(-1)!.bearer!.startsWith("realm1-"))
      registry.move(2)
      // y finds the new realm out (cold: discovery or a 401 on realm 1).
      assert.strictEqual((yield* run(HttpClientRequest.head(y))).status, 200)
      assert.isTrue(toRegistry(sent, registry.origin).at(-1)!.bearer!.startsWith("realm2-"))
      registry.tokenRequests.length = 0
      const before = toRegistry(sent, registry.origin).length
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* run(HttpClientRequest.head(x))).status, 200)
      const after = toRegistry(sent, registry.origin).slice(before)
      assert.deepStrictEqual(after.map((s) => s.bearer?.split("-")[0]), ["realm2", "realm2", "realm2"], "x kept its old realm")
      assert.deepStrictEqual(registry.tokenRequests, ["/token2"])
    }).pipe(Effect.provide(clientLayer({ sent })))
  })

  it.live("a refusal that names a new realm moves this URL's warm requests to it", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function* () {
      registry.move(1)
      const x = `${registry.origin}/v2/team/z/manifests/v1`
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* run(HttpClientRequest.head(x))).status, 200)
      registry.move(2)
      registry.tokenRequests.length = 0
      const before = toRegistry(sent, registry.origin).length
      for (let i = 0; i < 4; i++) assert.strictEqual((yield* run(HttpClientRequest.head(x))).status, 200)
      const after = toRegistry(sent, registry.origin).slice(before).map((s) => s.bearer?.split("-")[0])
      assert.deepStrictEqual(after, ["realm1", "realm2", "realm2", "realm2", "realm2"])
      assert.deepStrictEqual(registry.tokenRequests, ["/token2"])
    }).pipe(Effect.provide(clientLayer({ sent })))
  })
})
