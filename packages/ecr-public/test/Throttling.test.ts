/**
 * ECR Public throttling: `ecr-public:GetAuthorizationToken` refused with
 * `ThrottlingException: Rate exceeded` (the `AwsEcrApi` stand-in's token bucket,
 * on the TestClock) is retried with jittered backoff, as ECR's is; when the
 * refusals outlast the retries, a `CredentialError` says so, without AWS's words.
 */
import { ECRPUBLICClient } from "@aws-sdk/client-ecr-public"
import { assert, describe, it } from "@effect/vitest"
import { Credential } from "@ociauth/core"
import { EcrPublicClient } from "@ociauth/ecr-public"
import { AwsEcrApi, Budget } from "@ociauth/testing"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"

/** Lets the loopback call run, in real time. */
const settle = (millis = 5) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** The stand-in with an empty bucket (one call per `1 / tps` seconds, a burst of 1, used up) and an SDK client without retries of its own. */
const drained = (tps: number) =>
  Effect.gen(function* () {
    const api = yield* AwsEcrApi.make({ throttle: { tps, burst: 1 } })
    // The SDK's own retries off: what is measured is the adapter's.
    const sdk = new ECRPUBLICClient({ region: EcrPublicClient.region, endpoint: api.origin, credentials: api.credentials, maxAttempts: 1 })
    const service = EcrPublicClient.fromSdk(sdk)
    yield* service.getCredential
    return { api, service, before: api.calls.length }
  })

describe("ECR Public GetAuthorizationToken throttling (AwsEcrApi throttle)", () => {
  it.effect("a throttled call is retried with backoff until AWS answers: one success, no error", () =>
    Effect.gen(function* () {
      const { api, service, before } = yield* drained(0.2)
      const login = yield* Effect.forkChild(service.getCredential)
      const answered = () => api.calls.slice(before).some((c) => c.status === 200)
      for (let step = 0; step < 60 && !answered(); step++) {
        yield* settle()
        yield* TestClock.adjust("500 millis")
      }
      const credential = yield* Fiber.join(login)
      assert.isTrue(Credential.is("Basic")(credential), "a Basic AWS login")
      const calls = api.calls.slice(before)
      assert.isAtLeast(api.throttled(), 1, "the first call was throttled")
      assert.isAtMost(api.throttled(), 7)
      assert.deepStrictEqual(calls.map((c) => c.status), [...calls.slice(0, -1).map(() => 400), 200], "throttled calls, then the one success")
      assert.isTrue(calls.slice(0, -1).every((c) => c.error === "ThrottlingException"))
    }), Budget.scaled(30_000))

  it.effect("refusals that outlast the retries: a CredentialError that says throttled, at most 8 calls", () =>
    Effect.gen(function* () {
      // One call per ~28 hours: the bucket stays empty for the whole backoff.
      const { api, service, before } = yield* drained(0.00001)
      const login = yield* Effect.forkChild(Effect.exit(service.getCredential))
      // The backoff starts no retry after 60 s: 100 simulated seconds see it to its end.
      for (let step = 0; step < 100; step++) {
        yield* settle(1)
        yield* TestClock.adjust("1 second")
      }
      const result = yield* Fiber.join(login)
      assert.isTrue(Exit.isFailure(result), "the login failed")
      const error = Exit.isFailure(result) ? String(result.cause) : ""
      assert.include(error, "ThrottlingException")
      assert.include(error, "throttled (Rate exceeded), retries exhausted")
      assert.notInclude(error, "Rate exceeded\"", "AWS's own message is not repeated")
      const calls = api.calls.slice(before)
      assert.isAtLeast(calls.length, 2, "retried")
      assert.isAtMost(calls.length, 8, "1 call and at most 7 retries")
      assert.isTrue(calls.every((c) => c.status === 400 && c.error === "ThrottlingException"))
    }), Budget.scaled(30_000))
})
