/**
 * `RegistryError.RateLimited` read from the 429s the emulator's profiles answer
 * as the real registries do (#28.1, #28.7): Docker Hub's pull limit (past the
 * profile's own counter, and as written since 2025), its anti-abuse HAP429, and
 * ECR's `429 toomanyrequests: Rate exceeded`.
 */
import { assert, describe, it } from "@effect/vitest"
import { RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { Faults, RegistryEmulator } from "@ociauth/testing"
import { Effect, Option } from "effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

const read = async (url: string, init?: RequestInit, authenticated?: boolean): Promise<RegistryError.RateLimited> => {
  const response = await fetch(url, init)
  assert.strictEqual(response.status, 429)
  const limited = await Effect.runPromise(
    Unstable.readRateLimited(HttpClientResponse.fromWeb(HttpClientRequest.get(url), response), authenticated === undefined ? {} : { authenticated })
  )
  return Option.getOrThrow(limited)
}

describe("RegistryError.RateLimited from the profiles' 429s", () => {
  it("Docker Hub, anonymous past its pull limit: PullLimit, 0 of N left over 6 h, retry after 60 s, authenticate to raise it", async () => {
    const hub = await RegistryEmulator.start({ profile: "dockerHub", pullRateLimit: 1 })
    try {
      hub.pushImage("library/alpine", "latest")
      const token = (await (await fetch(`${hub.tokenServer.realm}?service=registry.docker.io&scope=repository:library/alpine:pull`)).json()) as { token: string }
      const init = { headers: { authorization: `Bearer ${token.token}` } }
      assert.strictEqual((await fetch(`${hub.origin}/v2/library/alpine/manifests/latest`, init)).status, 200)
      const limited = await read(`${hub.origin}/v2/library/alpine/manifests/latest`, init, false)
      assert.strictEqual(limited._tag, "RateLimited")
      assert.strictEqual(limited.kind, "PullLimit")
      assert.strictEqual(limited.limit, 1)
      assert.strictEqual(limited.remaining, 0)
      assert.strictEqual(limited.windowSeconds, 21600)
      assert.strictEqual(limited.retryAfterMillis, 60_000)
      assert.match(limited.detail ?? "", /^TOOMANYREQUESTS: You have reached your unauthenticated pull rate limit/)
      assert.match(limited.howToRaise, /^authenticate to raise it/)
      assert.include(limited.message, "PullLimit, 0 of 1 left")
      assert.include(limited.message, "retry after 1m")
      assert.notInclude(limited.message, token.token)
      assert.strictEqual(limited.url, `${hub.origin}/v2/library/alpine/manifests/latest`)
    } finally {
      await hub.close()
    }
  })

  it("Docker Hub, the 2025 answer read without knowing the credential: PullLimit, the words say unauthenticated", async () => {
    const hub = await RegistryEmulator.start({ profile: "dockerHub" })
    try {
      hub.faults.add({ path: /manifests/, answer: Faults.dockerHubPullLimit, times: 1 })
      const limited = await read(`${hub.origin}/v2/library/alpine/manifests/latest`)
      assert.strictEqual(limited.kind, "PullLimit")
      assert.strictEqual(limited.limit, 100)
      assert.strictEqual(limited.remaining, 0)
      assert.isUndefined(limited.retryAfterMillis)
      assert.include(limited.message, "the limit counts over 6h")
      assert.match(limited.howToRaise, /^authenticate/)
    } finally {
      await hub.close()
    }
  })

  it("an account's pull limit: a paid plan raises it", async () => {
    const hub = await RegistryEmulator.start({ profile: "dockerHub" })
    try {
      hub.faults.add({ path: /manifests/, answer: Faults.dockerHubPullLimit, times: 1 })
      const limited = await read(`${hub.origin}/v2/library/alpine/manifests/latest`, undefined, true)
      assert.match(limited.howToRaise, /paid plan/)
    } finally {
      await hub.close()
    }
  })

  it("Docker Hub's anti-abuse HAP429 (text/plain, Retry-After: 60): AbuseProtection, no account raises it", async () => {
    const hub = await RegistryEmulator.start({ profile: "dockerHub" })
    try {
      hub.faults.add({ path: /manifests/, answer: Faults.dockerHubAbuse, times: 1 })
      const limited = await read(`${hub.origin}/v2/library/alpine/manifests/latest`)
      assert.strictEqual(limited.kind, "AbuseProtection")
      assert.strictEqual(limited.retryAfterMillis, 60_000)
      assert.strictEqual(limited.detail, "Too Many Requests (HAP429).")
      assert.isUndefined(limited.limit)
      assert.match(limited.howToRaise, /abuse protection.*does not raise it/)
    } finally {
      await hub.close()
    }
  })

  it("ECR's 429 toomanyrequests: Rate exceeded: Throttled, no Retry-After", async () => {
    const ecr = await RegistryEmulator.start({ profile: "ecr" })
    try {
      ecr.faults.add({ path: /manifests/, answer: Faults.ecrRateExceeded, times: 1 })
      const limited = await read(`${ecr.origin}/v2/app/manifests/1.0`)
      assert.strictEqual(limited.kind, "Throttled")
      assert.strictEqual(limited.detail, "TOOMANYREQUESTS: Rate exceeded")
      assert.isUndefined(limited.retryAfterMillis)
      assert.include(limited.message, "no Retry-After given")
      assert.match(limited.howToRaise, /request rate/)
    } finally {
      await ecr.close()
    }
  })

  it("any other status is no rate limit", () => {
    const none = Unstable.rateLimitedFrom({ url: "https://r.example/v2/", status: 503, headers: { "retry-after": "5" }, text: "", nowMillis: 0 })
    assert.isTrue(Option.isNone(none))
  })
})
