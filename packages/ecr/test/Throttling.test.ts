/**
 * ECR throttling (#28.7): `GetAuthorizationToken` refused with
 * `ThrottlingException: Rate exceeded` (the `AwsEcrApi` stand-in's token bucket,
 * on the TestClock) is retried with jittered backoff inside the engine's single
 * flight: a fleet of cold requests makes one successful call and loses none.
 */
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr"
import { assert, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { Ecr, EcrClient } from "@ociauth/ecr"
import { RegistryClient } from "@ociauth/fetch"
import { AwsEcrApi, Budget, RegistryEmulator } from "@ociauth/testing"
import { Effect, Fiber, Layer } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"

const HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

const clientLayer = (adapter: RegistryAdapter.RegistryAdapter) =>
  RegistryClient.layerClient({}).pipe(
    Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
    Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, Registries.layer([adapter]), CredentialProvider.layerStatic({})))
  )

const get = (path: string) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(HttpClientRequest.get(`https://${HOST}${path}`))).pipe(
    Effect.tap((response) => response.arrayBuffer),
    Effect.map((response) => response.status)
  )

/** Lets the loopback requests and the engine's background work run, in real time. */
const settle = (millis = 5) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

describe("ECR GetAuthorizationToken throttling (AwsEcrApi throttle)", () => {
  it.effect("1,000 concurrent cold requests against a throttling API: 1 successful call, 0 lost requests", () =>
    Effect.gen(function* () {
      // One call per 5 s, a burst of 1: the fleet's call finds the bucket empty, as a busy account would.
      const api = yield* AwsEcrApi.make({ throttle: { tps: 0.2, burst: 1 } })
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      // The SDK's own retries off: what is measured is the adapter's.
      const sdk = new ECRClient({ region: "eu-west-1", endpoint: api.origin, credentials: api.credentials, maxAttempts: 1 })
      yield* Effect.promise(() => sdk.send(new GetAuthorizationTokenCommand({ registryIds: ["123456789012"] })))
      const drained = api.calls.length
      const adapter = RegistryAdapter.retarget(Ecr.make({ client: EcrClient.fromSdk(sdk) }), { origin: emulator.origin })
      const fleet = yield* Effect.all(Array.from({ length: 1000 }, () => get("/v2/team/app/manifests/1.0")), { concurrency: "unbounded" }).pipe(
        Effect.provide(clientLayer(adapter)),
        Effect.forkChild
      )
      // The clock moves only until the password is issued (the backoff's sleeps); then the fleet runs in real time,
      // so no registry request's own timeout (on the same clock) fires while loopback answers it.
      const issued = () => api.calls.slice(drained).some((c) => c.status === 200)
      for (let step = 0; step < 60 && !issued(); step++) {
        yield* settle()
        yield* TestClock.adjust("500 millis")
      }
      assert.isTrue(issued(), "issued within 30 s of backoff")
      const statuses = yield* Fiber.join(fleet)
      assert.strictEqual(statuses.length, 1000)
      assert.strictEqual(statuses.filter((s) => s === 200).length, 1000, "no request lost")
      const fleetCalls = api.calls.slice(drained)
      assert.strictEqual(fleetCalls.filter((c) => c.status === 200).length, 1, "one successful API call")
      assert.isAtLeast(api.throttled(), 1, "the API throttled the fleet's first call")
      assert.strictEqual(fleetCalls.length, api.throttled() + 1, "the single flight: throttled retries, then the one success")
      assert.isAtMost(api.throttled(), 7)
      assert.strictEqual(emulator.log.count({ server: "registry", authorization: "basic" }), 1000)
    }), Budget.scaled(60_000))
})
