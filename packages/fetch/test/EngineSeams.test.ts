/**
 * Regression tests for the engine's seams: each defect found from outside the
 * project, reproduced with the public API.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter, Retry } from "@ociauth/core"
import type { AuthEvent } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer, Option, Schedule } from "effect"

const fastRetry: Retry.Policy = {
  schedule: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(4)]),
  maxRetryAfter: Duration.seconds(2)
}

/** Enough retries for a worker that meets every fault of its turn in a row. */
const patientRetry: Retry.Policy = {
  schedule: Schedule.max([Schedule.spaced("5 millis"), Schedule.recurs(8)]),
  maxRetryAfter: Duration.seconds(2)
}

const tokenScopes = (emulator: RegistryEmulator.RegistryEmulator) =>
  emulator.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query).getAll("scope").join(" "))

describe("a challenge's scope belongs to the request that drew it", () => {
  let corp: RegistryEmulator.RegistryEmulator
  let ghcr: RegistryEmulator.RegistryEmulator
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    corp = await RegistryEmulator.start({ users: { team: "pw" } })
    for (const name of ["team/a", "team/b", "team/c"]) corp.pushImage(name, "latest")
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { me: "ghp_me", other: "ghp_other" }, privateRepositories: ["other/*"] })
    ghcr.pushImage("me/app", "1.0")
    ghcr.pushImage("other/secret", "1.0")
    hub = await RegistryEmulator.start({ profile: "dockerHub" })
    hub.pushImage("library/alpine", "latest")
    hub.pushImage("library/redis", "latest")
  })
  afterAll(async () => {
    await corp.close()
    await ghcr.close()
    await hub.close()
  })

  it("generic adapter: HEADs for team/a, team/b, team/c ask for a, b, c (not a, a b, a c)", async () => {
    const registryFetch = makeRegistryFetch({ credentials: { [corp.host]: { username: "team", password: "pw" } } })
    try {
      corp.log.clear()
      for (const name of ["team/a", "team/b", "team/c"]) {
        const response = await registryFetch(`${corp.origin}/v2/${name}/manifests/latest`, { method: "HEAD" })
        assert.strictEqual(response.status, 200)
      }
      assert.deepStrictEqual(tokenScopes(corp), ["repository:team/a:pull", "repository:team/b:pull", "repository:team/c:pull"])
    } finally {
      await registryFetch.close()
    }
  })

  it("GHCR: one denied request for other/secret does not make me/app fail", async () => {
    const registryFetch = makeRegistryFetch({
      // GHCR's quirks as data: the challenge's scope is a placeholder, never trusted.
      adapters: [RegistryAdapter.make({ name: "ghcr-emulator", hosts: [ghcr.host], trustChallengeScope: false, catalogScope: null })],
      credentials: { [ghcr.host]: { username: "me", password: "ghp_me" } }
    })
    try {
      const denied = await registryFetch(`${ghcr.origin}/v2/other/secret/manifests/1.0`, { method: "HEAD" }).then(
        (r) => r.status,
        (e: { readonly _tag?: string }) => e._tag
      )
      assert.notStrictEqual(denied, 200)
      ghcr.log.clear()
      const mine = await registryFetch(`${ghcr.origin}/v2/me/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(mine.status, 200)
      for (const scopes of tokenScopes(ghcr)) assert.notInclude(scopes, "other/secret")
    } finally {
      await registryFetch.close()
    }
  })

  it("Docker Hub: after an invalid_token on alpine, the token for redis asks for redis only", async () => {
    const hubLike = RegistryAdapter.make({
      name: "hub-emulator",
      hosts: [hub.host],
      normalizeRepository: (name) => (name.includes("/") ? name : `library/${name}`)
    })
    const registryFetch = makeRegistryFetch({ adapters: [hubLike], credentials: {} })
    try {
      await registryFetch(`${hub.origin}/v2/alpine/manifests/latest`, { method: "HEAD" })
      hub.faults.add({ times: 1, expireToken: true, path: /alpine\/manifests/ })
      const again = await registryFetch(`${hub.origin}/v2/alpine/manifests/latest`, { method: "HEAD" })
      assert.strictEqual(again.status, 200)
      hub.log.clear()
      const redis = await registryFetch(`${hub.origin}/v2/redis/manifests/latest`, { method: "HEAD" })
      assert.strictEqual(redis.status, 200)
      assert.deepStrictEqual(tokenScopes(hub), ["repository:library/redis:pull"])
    } finally {
      await registryFetch.close()
    }
  })
})

describe("failures stay typed", () => {
  let corp: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    corp = await RegistryEmulator.start({ users: { team: "pw" } })
    corp.pushImage("team/app", "latest")
  })
  afterAll(() => corp.close())

  const layerFor = (credentials: Record<string, { username: string; password: string }>) =>
    RegistryClient.layerFetch.pipe(Layer.provide([Registries.layerGeneric, CredentialProvider.layerStatic(credentials)]))

  it.live("HttpClient.retryTransient never repeats a refused credential (1 token request, not 4)", () =>
    Effect.gen(function* () {
      corp.log.clear()
      const client = (yield* HttpClient.HttpClient).pipe(HttpClient.retryTransient({ times: 3, schedule: Schedule.spaced("1 millis") }))
      const error = yield* Effect.flip(client.head(`${corp.origin}/v2/team/app/manifests/latest`))
      assert.strictEqual(error._tag, "HttpClientError")
      assert.notStrictEqual(error._tag === "HttpClientError" && error.reason._tag, "TransportError")
      const cause = RegistryClient.registryError(error)
      assert.isTrue(Option.isSome(cause))
      assert.strictEqual(Option.getOrThrow(cause)._tag, "TokenRequestError")
      assert.strictEqual(corp.log.count({ server: "token" }), 1)
    }).pipe(Effect.provide(layerFor({ [corp.host]: { username: "team", password: "wrong" } }))))

  it.live("through the typed RegistryClient, catchTag on the registry error works", () =>
    Effect.gen(function* () {
      const client = yield* RegistryClient.RegistryClient
      const reason = yield* client.execute(HttpClientRequest.head(`${corp.origin}/v2/team/app/manifests/latest`)).pipe(
        Effect.as("ok"),
        Effect.catchTag("TokenRequestError", (e) => Effect.succeed(e.reason))
      )
      assert.strictEqual(reason, "Unauthorized")
    }).pipe(
      Effect.provide(
        RegistryClient.layerClient().pipe(
          Layer.provide(RegistryClient.layerAuthenticator),
          Layer.provide([RegistryClient.layerFetchTransport, Registries.layerGeneric, CredentialProvider.layerStatic({ [corp.host]: { username: "team", password: "wrong" } })])
        )
      )
    ))
})

describe("one Authenticator per program", () => {
  let corp: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    corp = await RegistryEmulator.start({ users: { team: "pw" } })
    corp.pushImage("team/app", "latest")
  })
  afterAll(() => corp.close())

  it.live("two clients in one program share its tokens", () =>
    Effect.gen(function* () {
      corp.log.clear()
      const first = yield* RegistryClient.make()
      const second = yield* RegistryClient.make()
      for (const client of [first, second]) {
        const response = yield* client.execute(HttpClientRequest.head(`${corp.origin}/v2/team/app/manifests/latest`))
        assert.strictEqual(response.status, 200)
      }
      assert.strictEqual(corp.log.count({ server: "token" }), 1)
    }).pipe(
      Effect.scoped,
      Effect.provide(RegistryClient.layerAuthenticator),
      Effect.provide([RegistryClient.layerFetchTransport, Registries.layerGeneric, CredentialProvider.layerStatic({ [corp.host]: { username: "team", password: "pw" } })])
    ))

  it.live("the engine can be replaced and observed: the runtime uses the Authenticator in context", () => {
    const seen: Array<string> = []
    const observing = Layer.succeed(Authenticator.Authenticator, {
      authorize: (request) => {
        seen.push(request.scopes.map((s) => (s._tag === "Resource" ? `${s.name}:${s.actions.join(",")}` : s.value)).join(" "))
        return Effect.fail(new (class extends Error {})() as never)
      },
      invalidate: () => Effect.void
    })
    return Effect.gen(function* () {
      const client = yield* RegistryClient.make()
      yield* Effect.exit(client.execute(HttpClientRequest.head(`${corp.origin}/v2/team/app/manifests/latest`)))
      assert.deepStrictEqual(seen, ["team/app:pull"])
    }).pipe(Effect.scoped, Effect.provide(observing), Effect.provide([RegistryClient.layerFetchTransport, Registries.layerGeneric]))
  })
})

describe("only registry API routes are authorised", () => {
  it.live("GET https://api.example.com/billing/v2/acme/invoices/tags/list passes through untouched", () => {
    const seen: Array<{ readonly url: string; readonly authorization: string | undefined }> = []
    const transport = HttpClient.make((request, url) =>
      Effect.sync(() => {
        seen.push({ url: url.href, authorization: request.headers["authorization"] })
        return HttpClientResponse.fromWeb(request, new Response("{}", { status: 401, headers: { "www-authenticate": 'Bearer realm="https://api.example.com/token"' } }))
      })
    )
    return Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get("https://api.example.com/billing/v2/acme/invoices/tags/list")
      assert.strictEqual(response.status, 401)
      assert.deepStrictEqual(seen, [{ url: "https://api.example.com/billing/v2/acme/invoices/tags/list", authorization: undefined }])
    }).pipe(
      Effect.provide(RegistryClient.layer.pipe(Layer.provide(Authenticator.layer()))),
      Effect.provide([Layer.succeed(HttpClient.HttpClient, transport), Registries.layerGeneric, CredentialProvider.layerStatic({ "api.example.com": { username: "u", password: "p" } })])
    )
  })

  it("an adapter's declared prefix is the API (Artifactory's repository path)", () => {
    const artifactory = RegistryAdapter.make({ name: "artifactory", hosts: ["art.example"], apiPrefix: /^\/artifactory\/api\/docker\/[^/]+$/ })
    assert.isTrue(Option.isSome(Unstable.apiRoute(artifactory, "/artifactory/api/docker/repo/v2/team/app/manifests/1")))
    assert.isTrue(Option.isNone(Unstable.apiRoute(artifactory, "/billing/v2/acme/invoices/tags/list")))
    assert.isTrue(Option.isNone(Unstable.apiRoute(RegistryAdapter.generic, "/billing/v2/acme/invoices/tags/list")))
    assert.isTrue(Option.isSome(Unstable.apiRoute(RegistryAdapter.generic, "/v2/team/app/tags/list")))
  })
})

describe("Registries layers accumulate", () => {
  // As the adapter packages define theirs: priority -1, so that users' adapters win.
  const hubLike = RegistryAdapter.make({ name: "docker-hub", hosts: ["docker.io"] })
  const ghcrLike = RegistryAdapter.make({ name: "ghcr", hosts: ["ghcr.io"] })
  const HubLayer = Registries.layer([hubLike], { priority: -1 })
  const GhcrLayer = Registries.layer([ghcrLike], { priority: -1 })

  it.effect("Layer.mergeAll of two adapter layers resolves both", () =>
    Effect.gen(function* () {
      const registries = yield* Registries.Registries
      assert.strictEqual(registries.resolve("docker.io").name, "docker-hub")
      assert.strictEqual(registries.resolve("ghcr.io").name, "ghcr")
      assert.strictEqual(registries.resolve("other.example").name, "generic")
    }).pipe(Effect.provide(Layer.mergeAll(HubLayer, GhcrLayer))))

  it.effect("nested with Layer.provide they accumulate too", () =>
    Effect.gen(function* () {
      const registries = yield* Registries.Registries
      assert.strictEqual(registries.resolve("docker.io").name, "docker-hub")
      assert.strictEqual(registries.resolve("ghcr.io").name, "ghcr")
    }).pipe(Effect.provide(HubLayer.pipe(Layer.provideMerge(GhcrLayer)))))

  it.effect("a user's adapter for the same host takes precedence however merged", () => {
    const mine = RegistryAdapter.make({ name: "my-ghcr", hosts: ["ghcr.io"] })
    return Effect.gen(function* () {
      const registries = yield* Registries.Registries
      assert.strictEqual(registries.resolve("ghcr.io").name, "my-ghcr")
      assert.strictEqual(registries.resolve("docker.io").name, "docker-hub")
    }).pipe(Effect.provide(Layer.mergeAll(Registries.layer([mine]), HubLayer, GhcrLayer)))
  })
})

describe("short-lived tokens lose no request", () => {
  // Client and emulator share one event loop here: at concurrency 200 a request can wait longer than a
  // 1-second token lives, which no client can avoid; at 10, none may be lost.
  it("1-second tokens: 3,000 requests at concurrency 10, 0 lost (renewed as they expire, JWT exp honoured)", async () => {
    const emulator = await RegistryEmulator.start({ users: { team: "pw" }, tokenTtl: "1 second" })
    emulator.pushImage("team/app", "latest")
    const registryFetch = makeRegistryFetch({ credentials: { [emulator.host]: { username: "team", password: "pw" } }, retry: fastRetry })
    try {
      let next = 0
      let lost = 0
      const total = 3_000
      const worker = async () => {
        while (next < total) {
          next++
          const response = await registryFetch(`${emulator.origin}/v2/team/app/manifests/latest`, { method: "HEAD" }).catch(() => undefined)
          if (response?.status !== 200) lost++
        }
      }
      await Promise.all(Array.from({ length: 10 }, worker))
      assert.strictEqual(lost, 0)
      assert.isAbove(emulator.log.count({ server: "token" }), 1, "tokens were renewed as they expired")
    } finally {
      await registryFetch.close()
      await emulator.close()
    }
  }, Budget.scaled(120_000))

  it("60-second tokens under injected 503, 429 and dropped connections: 0 lost", async () => {
    const emulator = await RegistryEmulator.start({ users: { team: "pw" }, tokenTtl: "60 seconds" })
    emulator.pushImage("team/app", "latest")
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({
      credentials: { [emulator.host]: { username: "team", password: "pw" } },
      retry: patientRetry,
      authenticator: { retry: patientRetry },
      onEvent: (e) => events.push(e)
    })
    try {
      // Steady state first (the origin's challenge known), then the faults, consumed by the next
      // attempts in arrival order: spread over the 50 workers in flight.
      assert.strictEqual((await registryFetch(`${emulator.origin}/v2/team/app/manifests/latest`, { method: "HEAD" })).status, 200)
      emulator.faults.add({ status: 503, times: 40, path: /manifests/ })
      emulator.faults.add({ status: 429, retryAfter: 0, times: 40, path: /manifests/ })
      emulator.faults.add({ drop: true, times: 40, path: /manifests/ })
      emulator.tokenServer.faults.add({ status: 503, times: 3 })
      let lost = 0
      let next = 0
      const total = 2_000
      const worker = async () => {
        while (next < total) {
          next++
          const response = await registryFetch(`${emulator.origin}/v2/team/app/manifests/latest`, { method: "HEAD" }).catch(() => undefined)
          if (response?.status !== 200) lost++
        }
      }
      await Promise.all(Array.from({ length: 50 }, worker))
      assert.strictEqual(lost, 0)
      assert.isAbove(events.filter((e) => e._tag === "Retrying").length, 0)
    } finally {
      await registryFetch.close()
      await emulator.close()
    }
  }, Budget.scaled(120_000))
})

describe("the façade after close()", () => {
  it("rejects with RegistryFetchClosed", async () => {
    const registryFetch = makeRegistryFetch({ credentials: {} })
    await registryFetch.close()
    const error = await registryFetch("https://registry.example/v2/").catch((e: unknown) => e)
    assert.strictEqual((error as { readonly _tag?: string })._tag, "RegistryFetchClosed")
    assert.include(String(error), "closed")
  })
})

describe("what an origin asked for is remembered per API, and never downgraded", () => {
  it.effect("a Basic challenge on one route (Harbor's catalog) does not replace the origin's Bearer challenge", () => {
    const seen: Array<string> = []
    const transport = HttpClient.make((request, url) =>
      Effect.sync(() => {
        seen.push(`${url.pathname} ${request.headers["authorization"]?.split(" ")[0] ?? "-"}`)
        if (url.pathname === "/token") return HttpClientResponse.fromWeb(request, Response.json({ token: "t0k3n", expires_in: 300 }))
        if (url.pathname === "/v2/_catalog") {
          return HttpClientResponse.fromWeb(request, request.headers["authorization"]?.startsWith("Basic")
            ? Response.json({ repositories: [] })
            : new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="harbor"' } }))
        }
        return HttpClientResponse.fromWeb(request, request.headers["authorization"]?.startsWith("Bearer")
          ? new Response(null, { status: 200 })
          : new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer realm="https://harbor.example/token",service="harbor-registry"' } }))
      })
    )
    return Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      assert.strictEqual((yield* client.head("https://harbor.example/v2/team/app/manifests/1")).status, 200)
      assert.strictEqual((yield* client.get("https://harbor.example/v2/_catalog")).status, 200)
      seen.length = 0
      assert.strictEqual((yield* client.head("https://harbor.example/v2/team/app/manifests/2")).status, 200)
      assert.deepStrictEqual(seen, ["/v2/team/app/manifests/2 Bearer"], "still Bearer, from the cache, in one round trip")
    }).pipe(
      Effect.provide(RegistryClient.layer.pipe(Layer.provide(Authenticator.layer()))),
      Effect.provide([
        Layer.succeed(HttpClient.HttpClient, transport),
        Registries.layerGeneric,
        CredentialProvider.layerStatic({ "harbor.example": { username: "robot$ci", password: "pw" } })
      ])
    )
  })
})
