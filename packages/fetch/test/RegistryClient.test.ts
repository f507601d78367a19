import { HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, AuthEvent, CredentialProvider, Registries, RegistryAdapter, Retry } from "@ociauth/core"
import type { Credential } from "@ociauth/core"
import { RateLimit, RegistryClient } from "@ociauth/fetch"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { TestClock } from "effect/testing"

const fastRetry: Retry.Policy = {
  schedule: Schedule.max([Schedule.exponential("10 millis"), Schedule.recurs(3)]),
  maxRetryAfter: Duration.seconds(5)
}

interface Setup {
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  readonly credentials?: Record<string, Credential.Input>
  readonly options?: RegistryClient.Options
  readonly authenticator?: Authenticator.Options
  readonly events?: Array<AuthEvent.AuthEvent>
}

/**
 * The client's default bounds (10 s per response, 30 s in all), scaled: here they only catch a hang, and
 * 1,000 requests answered by an emulator in the same process on a busy machine can take longer than 10 s.
 */
const bounds: RegistryClient.Options = {
  responseTimeout: Duration.millis(Budget.scaled(10_000)),
  deadline: Duration.millis(Budget.scaled(30_000))
}

const clientLayer = (setup: Setup = {}) =>
  RegistryClient.layerClient({ retry: fastRetry, ...bounds, ...setup.options }).pipe(
    Layer.provide(Authenticator.layer({ retry: fastRetry, ...setup.authenticator })),
    Layer.provide(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer(setup.adapters ?? []),
        CredentialProvider.layerStatic(setup.credentials ?? {}),
        setup.events === undefined ? Layer.empty : AuthEvent.layer((e) => Effect.sync(() => setup.events!.push(e)))
      )
    )
  )

const run = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(request))

/** An adapter that knows the emulator's realm in advance. */
const knowing = (emulator: RegistryEmulator.RegistryEmulator, extra: Partial<RegistryAdapter.Options> = {}) =>
  RegistryAdapter.make({ name: `emulator-${emulator.profile}`, hosts: [emulator.host], challenge: emulator.challenge, ...extra })

describe("RegistryClient against the emulator (distribution)", () => {
  let emulator: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    emulator = await RegistryEmulator.start({ users: { alice: "pw" } })
    emulator.pushImage("team/app", "v1")
    for (let i = 0; i < 3; i++) emulator.pushImage(`team/repo${i}`, "latest")
  })
  afterAll(() => emulator.close())
  const registryRequests = () => emulator.log.count({ server: "registry" })
  const tokenRequests = () => emulator.log.count({ server: "token" })

  it.live("cold with an unknown realm: discovery + token + request = 3; warm: 1", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const cold = yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
      assert.strictEqual(cold.status, 200)
      assert.strictEqual(emulator.log.entries.length, 3, emulator.log.format())
      assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.server} ${e.status}`), ["registry 401", "token 200", "registry 200"])
      emulator.log.clear()
      yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
      assert.strictEqual(emulator.log.entries.length, 1)
    }).pipe(Effect.provide(clientLayer())))

  it.live("cold with a known realm: token + request = 2; warm: 1", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/tags/list`))
      assert.deepStrictEqual(emulator.log.entries.map((e) => e.server), ["token", "registry"])
      emulator.log.clear()
      yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/tags/list`))
      assert.strictEqual(emulator.log.entries.length, 1)
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("warm requests go through the engine, so a handler in the caller's context hears every TokenCacheHit", () =>
    Effect.gen(function* () {
      const url = `${emulator.origin}/v2/team/app/manifests/v1`
      yield* run(HttpClientRequest.head(url))
      emulator.log.clear()
      const heard: Array<AuthEvent.AuthEvent> = []
      const listening = AuthEvent.layer((e) => Effect.sync(() => heard.push(e)))
      for (let i = 0; i < 3; i++) {
        const response = yield* run(HttpClientRequest.head(url)).pipe(Effect.provide(listening))
        assert.strictEqual(response.status, 200)
      }
      assert.strictEqual((yield* run(HttpClientRequest.head(url))).status, 200)
      assert.deepStrictEqual(heard.map((e) => e._tag), ["TokenCacheHit", "TokenCacheHit", "TokenCacheHit"])
      assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.server} ${e.status}`), Array(4).fill("registry 200"))
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("1,000 concurrent cold requests: one discovery, one token request", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const responses = yield* Effect.all(
        Array.from({ length: 1000 }, () => run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))),
        { concurrency: "unbounded" }
      )
      assert.isTrue(responses.every((r) => r.status === 200))
      assert.strictEqual(emulator.log.count({ server: "registry", status: 401 }), 1, "one discovery")
      assert.strictEqual(tokenRequests(), 1, "one token request")
      assert.strictEqual(registryRequests(), 1001)
    }).pipe(Effect.provide(clientLayer())))

  it.live("invalid_token: the token is dropped, renewed once, and the request replayed", () =>
    Effect.gen(function* () {
      const events: Array<AuthEvent.AuthEvent> = []
      yield* Effect.gen(function* () {
        yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
        emulator.log.clear()
        emulator.faults.add({ path: "/v2/team/app/manifests/v1", expireToken: true, times: 1 })
        const response = yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
        assert.strictEqual(response.status, 200)
        assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.server} ${e.status}`), ["registry 401", "token 200", "registry 200"])
        assert.isTrue(events.some((e) => e._tag === "TokenInvalidated"))
      }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)], events })))
    }))

  it.live("a token refused twice is not retried forever: the 401 comes back", () =>
    Effect.gen(function* () {
      emulator.faults.add({ path: "/v2/team/app/tags/list", expireToken: true, times: 5 })
      emulator.log.clear()
      const response = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/tags/list`))
      assert.strictEqual(response.status, 401)
      assert.strictEqual(emulator.log.count({ server: "registry" }), 2)
      emulator.faults.clear()
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("5xx and 429 with Retry-After recover on the retry schedule", () =>
    Effect.gen(function* () {
      emulator.faults.add({ path: "/v2/team/app/manifests/v1", status: 503, times: 2 })
      emulator.faults.add({ path: "/v2/team/app/manifests/v1", status: 429, retryAfter: 1, times: 1 })
      emulator.log.clear()
      const response = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/manifests/v1`))
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(
        emulator.log.filter({ server: "registry" }).map((e) => e.status),
        [503, 503, 429, 200]
      )
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("a dropped connection is retried", () =>
    Effect.gen(function* () {
      emulator.faults.add({ path: "/v2/team/app/manifests/v1", drop: true, times: 1 })
      const response = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/manifests/v1`))
      assert.strictEqual(response.status, 200)
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("persistent 5xx: after the bounded retries the last response is returned", () =>
    Effect.gen(function* () {
      emulator.faults.add({ path: "/v2/team/repo0/manifests/latest", status: 502 })
      emulator.log.clear()
      const response = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/repo0/manifests/latest`))
      assert.strictEqual(response.status, 502)
      assert.strictEqual(emulator.log.count({ server: "registry" }), 4, "1 + 3 retries")
      emulator.faults.clear()
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))

  it.live("a push: streamed upload pre-authorized and sent once, then manifest PUT and pull back", () =>
    Effect.gen(function* () {
      const layer = new TextEncoder().encode("streamed layer ".repeat(1000))
      const digest = `sha256:${Buffer.from(yield* Effect.promise(() => crypto.subtle.digest("SHA-256", layer))).toString("hex")}`
      const start = yield* run(HttpClientRequest.post(`${emulator.origin}/v2/alice/pushed/blobs/uploads/`))
      assert.strictEqual(start.status, 202)
      emulator.log.clear()
      const location = new URL(start.headers["location"]!, emulator.origin)
      location.searchParams.set("digest", digest)
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < layer.length; i += 1000) controller.enqueue(layer.slice(i, i + 1000))
          controller.close()
        }
      })
      const { Stream } = yield* Effect.promise(() => import("effect"))
      const put = yield* run(
        HttpClientRequest.put(location).pipe(
          HttpClientRequest.bodyStream(Stream.fromReadableStream({ evaluate: () => stream, onError: (e) => e as Error }), { contentType: "application/octet-stream" })
        )
      )
      assert.strictEqual(put.status, 201)
      assert.strictEqual(emulator.log.count({ server: "registry", method: "PUT" }), 1, "the streamed body went once")
      const pulled = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/alice/pushed/blobs/${digest}`))
      assert.strictEqual((yield* pulled.arrayBuffer).byteLength, layer.length)
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)], credentials: { [emulator.host]: { username: "alice", password: "pw" } } }))))

  it.live("an operation the adapter says is unsupported fails before any request", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const error = yield* Effect.flip(run(HttpClientRequest.get(`${emulator.origin}/v2/_catalog`)))
      assert.strictEqual(error._tag, "Unsupported")
      assert.strictEqual(emulator.log.entries.length, 0)
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator, { capabilities: { catalog: false } })] }))))

  it.live("scope hints widen the token so a later request reuses it", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      yield* run(HttpClientRequest.get(`${emulator.origin}/v2/alice/repo1/manifests/latest`)).pipe(
        RegistryClient.withScopes([{ _tag: "Resource", type: "repository", name: "alice/repo1", actions: ["pull", "push"] }])
      )
      const token = emulator.log.filter({ server: "token" })[0]!
      assert.include(decodeURIComponent(token.query), "repository:alice/repo1:pull,push")
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)], credentials: { [emulator.host]: { username: "alice", password: "pw" } } }))))

  it.live("filterStatusOk decodes the OCI error body", () =>
    Effect.gen(function* () {
      const response = yield* run(HttpClientRequest.get(`${emulator.origin}/v2/team/app/manifests/nope`))
      const error = yield* Effect.flip(RegistryClient.filterStatusOk(response))
      assert.strictEqual(error._tag, "RegistryResponseError")
      if (error._tag === "RegistryResponseError") assert.strictEqual(error.errors[0]!.code, "MANIFEST_UNKNOWN")
    }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)] }))))
})

describe("RegistryClient against the emulator (dockerHub)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { me: "pw" } })
    hub.pushImage("library/alpine", "latest")
  })
  afterAll(() => hub.close())
  const hubLike = () =>
    knowing(hub, {
      normalizeRepository: (name) => (name.includes("/") ? name : `library/${name}`),
      capabilities: { catalog: false },
      defaultTokenLifetime: "300 seconds"
    })

  it.live("seed 002's request (`alpine`, no library/) succeeds through the adapter's normalisation", () =>
    Effect.gen(function* () {
      const response = yield* run(HttpClientRequest.get(`${hub.origin}/v2/alpine/manifests/latest`))
      assert.strictEqual(response.status, 200)
      assert.isTrue(Option.isSome(RateLimit.fromHeaders(response.headers, 0)))
      const rate = Option.getOrThrow(RateLimit.fromHeaders(response.headers, 0))
      assert.strictEqual(Option.getOrThrow(rate.limit).amount, 100)
      assert.strictEqual(Duration.toSeconds(Option.getOrThrow(Option.getOrThrow(rate.limit).window)), 21600)
      assert.strictEqual(Option.getOrThrow(rate.source), "127.0.0.1")
    }).pipe(Effect.provide(clientLayer({ adapters: [hubLike()] }))))

  it.live("a blob redirected to the CDN arrives, and Authorization never reaches the CDN", () =>
    Effect.gen(function* () {
      const events: Array<AuthEvent.AuthEvent> = []
      const image = hub.pushImage("library/busybox", "latest")
      yield* Effect.gen(function* () {
        const response = yield* run(HttpClientRequest.get(`${hub.origin}/v2/busybox/blobs/${image.layers[0]}`))
        assert.strictEqual(response.status, 200)
        assert.strictEqual((yield* response.arrayBuffer).byteLength, 512)
      }).pipe(Effect.provide(clientLayer({ adapters: [hubLike()], events })))
      assert.strictEqual(hub.log.count({ server: "cdn", authorization: "bearer" }), 0)
      assert.isTrue(events.some((e) => e._tag === "Redirected" && !e.authorization))
    }))

  it.live("an anonymous push is narrowed by the token server: InsufficientScope before the upload is sent", () =>
    Effect.gen(function* () {
      hub.log.clear()
      const error = yield* Effect.flip(run(HttpClientRequest.post(`${hub.origin}/v2/alpine/blobs/uploads/`)))
      assert.strictEqual(error._tag, "InsufficientScope")
      if (error._tag === "InsufficientScope") assert.deepStrictEqual(error.missing, ["repository:library/alpine:push"])
      assert.strictEqual(hub.log.count({ server: "registry" }), 0)
    }).pipe(Effect.provide(clientLayer({ adapters: [hubLike()] }))))

  it.live("_catalog is Unsupported without a request", () =>
    Effect.gen(function* () {
      hub.log.clear()
      const error = yield* Effect.flip(run(HttpClientRequest.get(`${hub.origin}/v2/_catalog`)))
      assert.strictEqual(error._tag, "Unsupported")
      assert.strictEqual(hub.log.entries.length, 0)
    }).pipe(Effect.provide(clientLayer({ adapters: [hubLike()] }))))
})

describe("RegistryClient against the emulator (ghcr)", () => {
  it.live("pull with an adapter that distrusts the placeholder; DELETE is Unsupported before or after sending", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const ghcr = yield* RegistryEmulator.make({ profile: "ghcr", users: { owner: "pw" } })
        ghcr.pushImage("owner/image", "1.0")
        const ok = yield* run(HttpClientRequest.head(`${ghcr.origin}/v2/owner/image/manifests/1.0`)).pipe(
          Effect.provide(clientLayer({ adapters: [knowing(ghcr, { trustChallengeScope: false, capabilities: { delete: false } })] }))
        )
        assert.strictEqual(ok.status, 200)
        const deleted = yield* Effect.flip(
          run(HttpClientRequest.delete(`${ghcr.origin}/v2/owner/image/manifests/1.0`)).pipe(
            Effect.provide(clientLayer({ adapters: [knowing(ghcr, { trustChallengeScope: false, capabilities: { delete: false } })] }))
          )
        )
        assert.strictEqual(deleted._tag, "Unsupported")
        // Anonymous and without the adapter: no token for `delete` (GHCR denies rather than narrows).
        const denied = yield* Effect.flip(run(HttpClientRequest.delete(`${ghcr.origin}/v2/owner/image/manifests/1.0`)).pipe(Effect.provide(clientLayer())))
        assert.strictEqual(denied._tag === "TokenRequestError" && denied.reason, "Denied")
        // The owner, without the adapter: DELETE goes out, GHCR answers 405 UNSUPPORTED, filterStatusOk types it.
        const response = yield* run(HttpClientRequest.delete(`${ghcr.origin}/v2/owner/image/manifests/1.0`)).pipe(
          Effect.provide(clientLayer({ credentials: { [ghcr.host]: { username: "owner", password: "pw" } } }))
        )
        assert.strictEqual(response.status, 405)
        const error = yield* Effect.flip(RegistryClient.filterStatusOk(response))
        assert.strictEqual(error._tag, "Unsupported")
      })
    ))
})

describe("RegistryClient expiry in the middle of a long sequence (TestClock)", () => {
  it.effect("60 s tokens, 40 requests 20 s apart: renewed ahead, no request ever meets an expired token", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const emulator = yield* RegistryEmulator.make({ tokenTtl: "60 seconds" })
        emulator.pushImage("team/app", "v1")
        const events: Array<AuthEvent.AuthEvent> = []
        yield* Effect.gen(function* () {
          for (let i = 0; i < 40; i++) {
            const response = yield* run(HttpClientRequest.head(`${emulator.origin}/v2/team/app/manifests/v1`))
            assert.strictEqual(response.status, 200, `request ${i}`)
            yield* TestClock.adjust("20 seconds")
            // Let a background renewal that the adjustment started finish.
            for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
          }
        }).pipe(Effect.provide(clientLayer({ adapters: [knowing(emulator)], events, authenticator: { requestTimeout: "1 hour" } })))
        assert.strictEqual(emulator.log.count({ server: "registry", status: 401 }), 0, "no request hit an expired token")
        const issued = events.filter((e) => e._tag === "TokenIssued").length
        assert.isAtLeast(issued, 13, "800 s of 60 s tokens")
        assert.isAtMost(issued, 41)
      })
    ))
})
