/**
 * The SDK's HTTP rules as `HttpClient` combinators: `retry` retries transient
 * answers on the policy and honours `Retry-After`, announcing only retries that
 * follow; `followRedirects` keeps credentials on their origin, refuses
 * https → http with a typed error, and both are data-first and data-last.
 */
import { assert, describe, it } from "@effect/vitest"
import { RegistryError, RegistryHttp } from "@ociauth/core"
import type { AuthEvent, Retry } from "@ociauth/core"
import { Duration, Effect, Schedule } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

const policy: Retry.Policy = { schedule: Schedule.recurs(3), maxRetryAfter: Duration.seconds(60) }

/** A transport answering each request with the next of `answers`, keeping what it was sent. */
const transport = (answers: ReadonlyArray<(request: HttpClientRequest.HttpClientRequest) => Response>) => {
  const sent: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      sent.push(request)
      return HttpClientResponse.fromWeb(request, answers[Math.min(sent.length - 1, answers.length - 1)]!(request))
    })
  )
  return { client, sent }
}

const status = (code: number, headers: Record<string, string> = {}) => () => new Response(null, { status: code, headers })

describe("RegistryHttp.retry", () => {
  it.effect("503 then 429 then 200: answered on the third attempt, Retrying emitted twice", () =>
    Effect.gen(function* () {
      const events: Array<AuthEvent.AuthEvent> = []
      const { client, sent } = transport([status(503), status(429), status(200)])
      const response = yield* client.pipe(RegistryHttp.retry({ policy, emit: (e) => Effect.sync(() => events.push(e)) })).get("https://registry.example/v2/")
      assert.strictEqual(response.status, 200)
      assert.strictEqual(sent.length, 3)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Retrying", "Retrying"])
    }))

  it.effect("a 429 whose quota is spent is answered at once; a 404 is not retried", () =>
    Effect.gen(function* () {
      const spent = transport([status(429, { "ratelimit-remaining": "0;w=21600" }), status(200)])
      assert.strictEqual((yield* RegistryHttp.retry(spent.client, { policy }).get("https://registry.example/v2/")).status, 429)
      assert.strictEqual(spent.sent.length, 1)
      const missing = transport([status(404), status(200)])
      assert.strictEqual((yield* RegistryHttp.retry(missing.client, { policy }).get("https://registry.example/v2/")).status, 404)
      assert.strictEqual(missing.sent.length, 1)
    }))

  it.effect("a Retry-After beyond the policy's maxRetryAfter: the answer is returned, not waited for", () =>
    Effect.gen(function* () {
      const { client, sent } = transport([status(503, { "retry-after": "3600" }), status(200)])
      const response = yield* RegistryHttp.retry(client, { policy }).get("https://registry.example/v2/")
      assert.strictEqual(response.status, 503)
      assert.strictEqual(sent.length, 1)
    }))
})

describe("RegistryHttp.followRedirects", () => {
  const redirect = (location: string, code = 307) => () => new Response(null, { status: code, headers: { location } })

  it.effect("to another origin: followed without Authorization; to the same origin: with it", () =>
    Effect.gen(function* () {
      const { client, sent } = transport([redirect("/v2/other"), redirect("https://blobs.example/b"), status(200)])
      const request = HttpClientRequest.get("https://registry.example/v2/a").pipe(HttpClientRequest.setHeader("authorization", "Bearer t"))
      const response = yield* client.pipe(RegistryHttp.followRedirects()).execute(request)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(sent.map((r) => [r.url, r.headers["authorization"]]), [
        ["https://registry.example/v2/a", "Bearer t"],
        ["https://registry.example/v2/other", "Bearer t"],
        ["https://blobs.example/b", undefined]
      ])
    }))

  it.effect("https → http: RedirectRejected in the error channel, nothing sent there", () =>
    Effect.gen(function* () {
      const { client, sent } = transport([redirect("http://registry.example/v2/a"), status(200)])
      const error = yield* Effect.flip(RegistryHttp.followRedirects(client).get("https://registry.example/v2/a"))
      assert.isTrue(RegistryError.isRegistryError(error))
      assert.strictEqual(error._tag, "RedirectRejected")
      assert.strictEqual(sent.length, 1)
    }))

  it.effect("crossOrigin reject: a redirect to another origin fails; more than maxRedirects fails", () =>
    Effect.gen(function* () {
      const away = transport([redirect("https://elsewhere.example/x"), status(200)])
      const refused = yield* Effect.flip(RegistryHttp.followRedirects(away.client, { crossOrigin: "reject" }).get("https://registry.example/v2/a"))
      assert.strictEqual(refused._tag, "RedirectRejected")
      const loop = transport([redirect("/v2/a")])
      const tooMany = yield* Effect.flip(RegistryHttp.followRedirects(loop.client, { maxRedirects: 2 }).get("https://registry.example/v2/a"))
      assert.strictEqual(tooMany._tag, "RedirectRejected")
      assert.strictEqual(loop.sent.length, 3)
    }))
})
