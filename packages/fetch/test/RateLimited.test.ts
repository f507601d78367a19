/**
 * `filterStatusOk` types a 429 as `RateLimited`: which limit, when to retry and
 * how to raise it, read from the answers of the emulator's Docker Hub profile
 * (its pull limit past `pullRateLimit`, and the `text/plain` HAP429 abuse answer).
 */
import { HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter, Retry } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Faults, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer, Schedule } from "effect"

describe("filterStatusOk on a 429", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", pullRateLimit: 1 })
    hub.pushImage("library/alpine", "latest")
  })
  afterAll(() => hub.close())

  const layer = (retry: Retry.Policy = Retry.never) =>
    RegistryClient.layerClient({ retry }).pipe(
      Layer.provide(Authenticator.layer({ retry: Retry.never })),
      Layer.provide(
        Layer.mergeAll(
          RegistryClient.layerFetchTransport,
          Registries.layer([RegistryAdapter.make({ name: "hub", hosts: [hub.host], challenge: hub.challenge })]),
          CredentialProvider.layerAnonymous
        )
      )
    )
  const get = (path: string) =>
    Effect.flatMap(RegistryClient.RegistryClient, (client) =>
      client.execute(HttpClientRequest.get(`${hub.origin}${path}`).pipe(HttpClientRequest.setHeader("accept", "application/vnd.oci.image.manifest.v1+json")))
    ).pipe(Effect.flatMap(RegistryClient.filterStatusOk))

  it.live("past the pull limit: PullLimit, 0 of 1 left in a 6-hour window, raised by authenticating", () =>
    Effect.gen(function* () {
      yield* get("/v2/library/alpine/manifests/latest")
      const error = yield* Effect.flip(get("/v2/library/alpine/manifests/latest"))
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag !== "RateLimited") return
      assert.strictEqual(error.kind, "PullLimit")
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.limit, 1)
      assert.strictEqual(error.remaining, 0)
      assert.strictEqual(error.windowSeconds, 21_600)
      assert.include(error.detail ?? "", "unauthenticated pull rate limit")
      assert.match(error.message, /authenticat/i)
      assert.strictEqual(error.url, `${hub.origin}/v2/library/alpine/manifests/latest`)
    }).pipe(Effect.provide(layer())))

  it.live("a spent pull quota is answered at once, not retried: waiting seconds does not bring it back", () =>
    Effect.gen(function* () {
      hub.log.clear()
      const error = yield* Effect.flip(get("/v2/library/alpine/manifests/latest"))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(hub.log.count({ server: "registry", path: "/v2/library/alpine/manifests/latest" }), 1, hub.log.format())
    }).pipe(Effect.provide(layer({ schedule: Schedule.recurs(3), maxRetryAfter: Duration.zero }))))

  it.live("Docker Hub's HAP429: AbuseProtection, retry after 60 s, not raised by a plan", () =>
    Effect.gen(function* () {
      hub.faults.add({ answer: Faults.dockerHubAbuse, times: 1, path: "/v2/library/alpine/tags/list" })
      const error = yield* Effect.flip(get("/v2/library/alpine/tags/list"))
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag !== "RateLimited") return
      assert.strictEqual(error.kind, "AbuseProtection")
      assert.strictEqual(error.retryAfterMillis, 60_000)
      assert.include(error.detail ?? "", "HAP429")
    }).pipe(Effect.provide(layer())))
})
