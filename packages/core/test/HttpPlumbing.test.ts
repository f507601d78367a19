/**
 * The shared HTTP plumbing (`@ociauth/core/Unstable`): bodies the SDK discards are bounded in bytes and time,
 * a body-less answer is never read, and a retry is announced only when one follows.
 */
import { assert, describe, it } from "@effect/vitest"
import { Retry } from "@ociauth/core"
import type { AuthEvent } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { Duration, Effect, Fiber, Logger, References, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "effect/http"

const request = HttpClientRequest.get("https://registry.example/v2/team/app/blobs/sha256:0")
const limits = { maxBytes: 64 * 1024, timeout: Duration.millis(300) }

/** A body that never ends, counting what was pulled from it. */
const endless = () => {
  const pulled = { bytes: 0, cancelled: false }
  const chunk = new Uint8Array(16 * 1024)
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      pulled.bytes += chunk.length
      controller.enqueue(chunk)
    },
    cancel: () => {
      pulled.cancelled = true
    }
  })
  return { pulled, body }
}

/** Every log line of `self`, at every level. */
const logged = <A, E>(self: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const logger = Logger.make(({ cause, message }) => lines.push(`${String(message)} ${String(cause)}`))
    const result = yield* self.pipe(Effect.provide(Logger.layer([logger])), Effect.provideService(References.MinimumLogLevel, "All"))
    return { result, lines }
  })

describe("Unstable.discard", () => {
  it.live("an endless body: reads at most maxBytes (and one chunk), then cancels the stream", () =>
    Effect.gen(function* () {
      const { pulled, body } = endless()
      yield* Unstable.discard(HttpClientResponse.fromWeb(request, new Response(body, { status: 500 })), limits)
      assert.isAtMost(pulled.bytes, limits.maxBytes + 2 * 16 * 1024)
      assert.isTrue(pulled.cancelled)
    }))

  it.effect("a body that never sends a byte: done after the timeout, not later", () =>
    Effect.gen(function* () {
      const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) })
      // The time is the TestClock's: the timeout (300 ms) is what ends the read.
      const fiber = yield* Effect.forkChild(Unstable.discard(HttpClientResponse.fromWeb(request, new Response(silent, { status: 302 })), limits))
      yield* TestClock.adjust("299 millis")
      assert.isUndefined(fiber.pollUnsafe(), "still reading before the timeout")
      // at the timeout: it ends with no more time passing
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
    }))

  it.effect("a HEAD, a 204 and a 304 are not read at all: their stream (EmptyBody) is never touched, nothing logged", () =>
    Effect.gen(function* () {
      let touched = 0
      /** The response with a `stream` that counts who reads it. */
      const watched = (response: HttpClientResponse.HttpClientResponse): HttpClientResponse.HttpClientResponse =>
        Object.create(response, { stream: { get: () => (touched++, response.stream) } })
      const head = watched(HttpClientResponse.fromWeb(HttpClientRequest.head(request.url), new Response(null, { status: 401 })))
      const noContent = watched(HttpClientResponse.fromWeb(request, new Response(null, { status: 204 })))
      const notModified = watched(HttpClientResponse.fromWeb(request, new Response(null, { status: 304 })))
      const { lines } = yield* logged(Effect.all([Unstable.discard(head), Unstable.discard(noContent), Unstable.discard(notModified)]))
      assert.strictEqual(touched, 0)
      assert.deepStrictEqual(lines, [])
    }))
})

describe("Unstable.makeSender", () => {
  const policy: Retry.Policy = { ...Retry.defaultPolicy, schedule: Schedule.recurs(2) }

  /** A transport answering the statuses in turn (the last one from then on). */
  const answering = (...statuses: ReadonlyArray<number>) => {
    let sent = 0
    const client = HttpClient.make((req) =>
      Effect.sync(() => HttpClientResponse.fromWeb(req, new Response(null, { status: statuses[Math.min(sent++, statuses.length - 1)]! })))
    )
    return { client, sent: () => sent }
  }

  it.live("a HEAD retried after 503 and 429: answered, no EmptyBody logged, Retrying once per retry", () =>
    Effect.gen(function* () {
      const events: Array<AuthEvent.AuthEvent> = []
      const transport = answering(503, 429, 200)
      const send = Unstable.makeSender(transport.client, { policy, emit: (e) => Effect.sync(() => events.push(e)) })
      const { result, lines } = yield* logged(send(HttpClientRequest.head(request.url), true))
      assert.strictEqual(result.status, 200)
      assert.strictEqual(transport.sent(), 3)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Retrying", "Retrying"])
      assert.isFalse(lines.some((line) => line.includes("EmptyBody")), lines.join("\n"))
    }))

  it.live("the last transient answer is handed out as it is, with no Retrying for a retry that does not follow", () =>
    Effect.gen(function* () {
      const events: Array<AuthEvent.AuthEvent> = []
      const transport = answering(503)
      const send = Unstable.makeSender(transport.client, { policy, emit: (e) => Effect.sync(() => events.push(e)) })
      const { result, lines } = yield* logged(send(HttpClientRequest.head(request.url), true))
      assert.strictEqual(result.status, 503)
      assert.strictEqual(transport.sent(), 3)
      assert.strictEqual(events.length, 2, "three attempts, two retries")
      assert.isFalse(lines.some((line) => line.includes("EmptyBody")), lines.join("\n"))
    }))

  it.live("a request whose body cannot be sent again is not retried", () =>
    Effect.gen(function* () {
      const transport = answering(503, 200)
      const send = Unstable.makeSender(transport.client, { policy, emit: () => Effect.void })
      const response = yield* send(request, false)
      assert.strictEqual(response.status, 503)
      assert.strictEqual(transport.sent(), 1)
    }))

  /** A transport whose every attempt fails as fetch does: a TypeError whose cause carries a native code. */
  const failing = (code: string) => {
    let sent = 0
    const client = HttpClient.make((req) =>
      Effect.suspend(() => {
        sent++
        const cause = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code }) })
        return Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request: req, cause }) }))
      })
    )
    return { client, sent: () => sent }
  }

  it.effect("a connection that cannot be made is not retried, as in the runtime", () =>
    Effect.gen(function* () {
      for (const code of ["ECONNREFUSED", "ENOTFOUND"]) {
        const transport = failing(code)
        const send = Unstable.makeSender(transport.client, { policy, emit: () => Effect.void })
        const error = yield* Effect.flip(send(request, true))
        assert.strictEqual(transport.sent(), 1, code)
        assert.isTrue(Unstable.isConnectFailure(error), code)
      }
    }))

  it.effect("a port fetch refuses (bad port: no code, only a message) is not retried, and says so", () =>
    Effect.gen(function* () {
      let sent = 0
      const client = HttpClient.make((req) =>
        Effect.suspend(() => {
          sent++
          // Node's fetch for http://127.0.0.1:1/: TypeError "fetch failed", its cause an Error "bad port" without a code.
          const cause = Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") })
          return Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request: req, cause }) }))
        })
      )
      const send = Unstable.makeSender(client, { policy, emit: () => Effect.void })
      const error = yield* Effect.flip(send(request, true))
      assert.strictEqual(sent, 1)
      assert.isTrue(Unstable.isConnectFailure(error))
      const { code, detail } = Unstable.transportCause(error.reason.cause)
      assert.strictEqual(Unstable.transportText(code, detail), "fetch refuses this port (bad port: the Fetch standard blocks it)")
    }))

  it.effect("another transport failure (a reset) is still retried", () =>
    Effect.gen(function* () {
      const transport = failing("ECONNRESET")
      const send = Unstable.makeSender(transport.client, { policy, emit: () => Effect.void })
      const fiber = yield* Effect.forkChild(Effect.flip(send(request, true)))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(transport.sent(), 3)
      assert.isFalse(Unstable.isConnectFailure(error))
    }))
})
