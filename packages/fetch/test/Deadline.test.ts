/**
 * Bounded failure by default: a registry that accepts a connection and never
 * answers, one that refuses it, one slow to answer then fast, one whose body
 * streams slowly. Real loopback sockets; time is the `TestClock`'s wherever the
 * runtime's own timers decide (the assertions are on order and types, never on
 * elapsed wall-clock time). The façade's tests use small configured bounds and
 * assert what it rejects with, not how long it took.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer, type Server, type Socket } from "node:net"
import type { AddressInfo } from "node:net"
import { HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, AuthEvent, CredentialProvider, Registries, RegistryError, Retry } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Duration, Effect, Exit, Fiber, Layer, Schedule, Stream } from "effect"
import { TestClock } from "effect/testing"

/** Retries every second, as many as the deadline allows: the deadline is what stops them. */
const everySecond: Retry.Policy = { schedule: Schedule.spaced("1 second"), maxRetryAfter: Duration.seconds(60) }

/** Waits, in real time, for something a real socket does (no budget: the test's own timeout is the only bound). */
const until = (condition: () => boolean) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        const check = () => (condition() ? resolve() : setTimeout(check, 5))
        check()
      })
  )

/** A TCP server that accepts every connection and never says a word; it counts the requests it is sent. */
interface Silent {
  readonly origin: string
  readonly requests: () => number
  readonly close: () => Promise<void>
}
const silentServer = (): Promise<Silent> =>
  new Promise((resolve) => {
    const sockets = new Set<Socket>()
    let requests = 0
    const server: Server = createServer((socket) => {
      sockets.add(socket)
      // A request's head (a socket may also be opened and never used).
      socket.on("data", (chunk: Buffer) => {
        if (/^[A-Z]+ \//.test(chunk.toString("latin1"))) requests++
      })
      socket.on("error", () => {})
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        origin: `http://127.0.0.1:${port}`,
        requests: () => requests,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })

/** A loopback port nothing listens on: a connection to it is refused. */
const refusedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

/** An HTTP registry with no auth whose answers the test decides, request by request. */
interface Scripted {
  readonly origin: string
  readonly received: () => number
  readonly close: () => Promise<void>
}
const scriptedServer = (answer: (index: number, request: IncomingMessage, response: ServerResponse) => void): Promise<Scripted> =>
  new Promise((resolve) => {
    let received = 0
    const server = createHttpServer((request, response) => answer(received++, request, response))
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        origin: `http://127.0.0.1:${port}`,
        received: () => received,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

const clientLayer = (options: RegistryClient.Options, events: Array<AuthEvent.AuthEvent> = []) =>
  Layer.effect(RegistryClient.RegistryClient, RegistryClient.make(options)).pipe(
    Layer.provideMerge(Authenticator.layer({ retry: Retry.never })),
    Layer.provideMerge(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer([]),
        CredentialProvider.layerAnonymous,
        AuthEvent.layer((event) => Effect.sync(() => events.push(event)))
      )
    )
  )

const manifest = (origin: string) => HttpClientRequest.get(`${origin}/v2/team/app/manifests/latest`)

const execute = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(request))

const retries = (events: ReadonlyArray<AuthEvent.AuthEvent>) => events.filter((event) => event._tag === "Retrying")

let silent: Silent
beforeAll(async () => {
  silent = await silentServer()
})
afterAll(() => silent.close())

describe("a registry that accepts and never answers", () => {
  it.effect("each attempt gets the response timeout; retries stop when the next could not finish by the deadline: RegistryTimeout", () => {
    const events: Array<AuthEvent.AuthEvent> = []
    return Effect.gen(function*() {
      const before = silent.requests()
      const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(silent.origin))))
      yield* until(() => silent.requests() === before + 1)
      // t = 10 s: the first attempt's time is up; a retry after 1 s still has 10 s before the deadline (30 s).
      yield* TestClock.adjust("10 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual(retries(events).length, 1)
      yield* TestClock.adjust("1 second")
      yield* until(() => silent.requests() === before + 2)
      yield* TestClock.adjust("9999 millis")
      assert.isUndefined(fiber.pollUnsafe(), "the second attempt has its full response timeout")
      // t = 21 s: the second attempt's time is up; a third (from 22 s, 10 s) would end past 30 s: none is made.
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.strictEqual(error.bound, "responseTimeout")
        assert.strictEqual(error.attempts, 2)
        assert.strictEqual(error.deadlineMillis, 30_000)
        assert.strictEqual(error.responseTimeoutMillis, 10_000)
        assert.strictEqual(error.waitingFor, `the response headers of ${silent.origin}/v2/team/app/manifests/latest`)
        assert.include(error.message, "10s")
        assert.include(error.message, "30s")
        assert.isTrue(RegistryError.isRegistryError(error))
      }
      assert.strictEqual(retries(events).length, 1)
      assert.strictEqual(silent.requests(), before + 2)
    }).pipe(Effect.provide(clientLayer({ retry: everySecond }, events)))
  })

  it.effect("by default: RegistryTimeout within 30 s, retries included", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(silent.origin))))
      yield* TestClock.adjust("30 seconds")
      const exit = fiber.pollUnsafe()
      assert.isDefined(exit, "no answer once the deadline has passed")
      if (exit !== undefined) {
        assert.isTrue(Exit.isSuccess(exit))
        if (Exit.isSuccess(exit)) assert.strictEqual(exit.value._tag, "RegistryTimeout")
      }
    }).pipe(Effect.provide(clientLayer({}))))

  it.effect("a deadline shorter than the response timeout ends the attempt: bound deadline", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(silent.origin))))
      yield* TestClock.adjust("4999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.strictEqual(error.bound, "deadline")
        assert.strictEqual(error.attempts, 1)
        assert.include(error.message, "its deadline of 5s passed while waiting for the response headers of")
      }
    }).pipe(Effect.provide(clientLayer({ deadline: "5 seconds", retry: everySecond }))))

  it.effect("the deadline covers every retry: short attempts are retried until the next would end past it", () => {
    const events: Array<AuthEvent.AuthEvent> = []
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(silent.origin))))
      // Attempts at 0–2 s, 3–5 s, 6–8 s; a fourth (9–11 s) would end past 10 s.
      yield* TestClock.adjust("7999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.strictEqual(error.bound, "responseTimeout")
        assert.strictEqual(error.attempts, 3)
      }
      assert.strictEqual(retries(events).length, 2)
    }).pipe(Effect.provide(clientLayer({ deadline: "10 seconds", responseTimeout: "2 seconds", retry: everySecond }, events)))
  })

  it.effect("through the HttpClient: a TransportError whose cause is the RegistryTimeout", () =>
    Effect.gen(function*() {
      const client = yield* RegistryClient.RegistryClient
      const http = RegistryClient.toHttpClient(client)
      const fiber = yield* Effect.forkChild(Effect.flip(http.execute(manifest(silent.origin))))
      yield* TestClock.adjust("3 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TransportError")
      const cause = RegistryClient.registryError(error)
      assert.isTrue(cause._tag === "Some" && cause.value._tag === "RegistryTimeout")
    }).pipe(Effect.provide(clientLayer({ deadline: "3 seconds", retry: everySecond }))))

  it("the façade rejects with RegistryTimeout, never hangs", async () => {
    const registryFetch = makeRegistryFetch({ deadline: "300 millis", responseTimeout: "100 millis", retry: everySecond })
    try {
      const error = await registryFetch(`${silent.origin}/v2/team/app/manifests/latest`, {
        headers: { authorization: "Basic c2VjcmV0OnNlY3JldA==" }
      }).then(() => undefined, (e: unknown) => e)
      assert.isTrue(RegistryError.isRegistryError(error))
      assert.strictEqual((error as RegistryClient.RegistryTimeout)._tag, "RegistryTimeout")
      assert.include((error as Error).message, "the response headers of")
      assert.notInclude(JSON.stringify(error), "c2VjcmV0")
      assert.notInclude((error as Error).message, "c2VjcmV0")
    } finally {
      await registryFetch.close()
    }
  })
})

describe("a token endpoint that accepts and never answers", () => {
  it.effect("the deadline ends the wait for the token: RegistryTimeout waiting for a token from the realm", () =>
    Effect.acquireUseRelease(
      Effect.promise(() =>
        scriptedServer((_, __, response) =>
          void response.writeHead(401, { "www-authenticate": `Bearer realm="${silent.origin}/token",service="silent"` }).end()
        )
      ),
      (server) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(server.origin))))
          yield* until(() => server.received() === 1)
          yield* TestClock.adjust("8 seconds")
          const error = yield* Fiber.join(fiber)
          assert.strictEqual(error._tag, "RegistryTimeout")
          if (error._tag === "RegistryTimeout") {
            assert.strictEqual(error.bound, "deadline")
            assert.strictEqual(error.waitingFor, `a token from ${silent.origin}/token`)
            assert.strictEqual(error.url, `${server.origin}/v2/team/app/manifests/latest`)
          }
        }).pipe(Effect.provide(clientLayer({ deadline: "8 seconds" }))),
      (server) => Effect.promise(server.close)
    ))
})

describe("a refused connection", () => {
  it.effect("fails at once, without a retry (no clock advance needed)", () => {
    const events: Array<AuthEvent.AuthEvent> = []
    return Effect.gen(function*() {
      const port = yield* Effect.promise(refusedPort)
      const error = yield* Effect.flip(execute(manifest(`http://127.0.0.1:${port}`)))
      assert.strictEqual(error._tag, "HttpClientError")
      if (error._tag === "HttpClientError") assert.strictEqual(error.reason._tag, "TransportError")
      assert.strictEqual(retries(events).length, 0)
    }).pipe(Effect.provide(clientLayer({ retry: everySecond }, events)))
  })

  it("the façade rejects with fetch's TypeError and the native ECONNREFUSED, without retrying", async () => {
    const port = await refusedPort()
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({ onEvent: (event) => events.push(event) })
    try {
      const error = await registryFetch(`http://127.0.0.1:${port}/v2/team/app/manifests/latest`).then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, TypeError)
      assert.strictEqual(((error as TypeError).cause as { readonly code?: string }).code, "ECONNREFUSED")
      assert.strictEqual(retries(events).length, 0)
    } finally {
      await registryFetch.close()
    }
  })
})

describe("a registry slow to answer, then fast", () => {
  it.effect("the attempt without headers in time is retried; the next answers", () => {
    const events: Array<AuthEvent.AuthEvent> = []
    return Effect.acquireUseRelease(
      Effect.promise(() =>
        scriptedServer((index, _, response) => {
          // The first request never gets its headers (until the server closes); the next is answered at once.
          if (index > 0) response.writeHead(200, { "content-type": "text/plain" }).end("ok")
        })
      ),
      (server) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.forkChild(execute(manifest(server.origin)))
          yield* until(() => server.received() === 1)
          yield* TestClock.adjust("2 seconds")
          assert.strictEqual(retries(events).length, 1)
          yield* TestClock.adjust("1 second")
          const response = yield* Fiber.join(fiber)
          assert.strictEqual(response.status, 200)
          assert.strictEqual(yield* response.text, "ok")
          assert.strictEqual(server.received(), 2)
        }).pipe(Effect.provide(clientLayer({ responseTimeout: "2 seconds", retry: everySecond }, events))),
      (server) => Effect.promise(server.close)
    )
  })

  it.effect("a body that streams for longer than both bounds is not cut once the headers arrived", () => {
    let finish: () => void = () => {}
    return Effect.acquireUseRelease(
      Effect.promise(() =>
        scriptedServer((_, __, response) => {
          response.writeHead(200, { "content-type": "application/octet-stream" })
          response.write("first;")
          finish = () => response.end("last")
        })
      ),
      (server) =>
        Effect.gen(function*() {
          const response = yield* execute(manifest(server.origin))
          assert.strictEqual(response.status, 200)
          const body = yield* Effect.forkChild(Stream.mkString(Stream.decodeText(response.stream)))
          // Past the response timeout and the deadline, the body is still being read.
          yield* TestClock.adjust("1 minute")
          assert.isUndefined(body.pollUnsafe())
          finish()
          assert.strictEqual(yield* Fiber.join(body), "first;last")
        }).pipe(Effect.provide(clientLayer({ deadline: "5 seconds", responseTimeout: "1 second" }))),
      (server) => Effect.promise(server.close)
    )
  })
})

/**
 * A registry with its own token endpoint whose answers the test switches off:
 * `/token` answers a token valid 60 s (counted) unless `tokens` is false; the
 * API answers 401 without a token, 200 with one unless `registry` is false.
 * What is not answered is never answered (until the server closes).
 */
const switchable = () => {
  const state = { tokens: true, registry: true, issued: 0 }
  const server = scriptedServer((_, request, response) => {
    if (request.url?.startsWith("/token")) {
      if (!state.tokens) return
      state.issued++
      return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `t${state.issued}`, expires_in: 60 }))
    }
    if (request.headers.authorization === undefined) {
      const origin = `http://${request.headers.host}`
      return void response.writeHead(401, { "www-authenticate": `Bearer realm="${origin}/token",service="switchable"` }).end()
    }
    if (state.registry) response.writeHead(200, { "content-type": "text/plain" }).end("ok")
  })
  // Closed with the test's scope.
  return Effect.acquireRelease(
    Effect.map(Effect.promise(() => server), (scripted) => ({ ...scripted, state })),
    (scripted) => Effect.promise(scripted.close)
  )
}

/**
 * A request sent after `prepare` to a server of `switchable`'s: pending until
 * `millis` have passed on the `TestClock` from its arrival, then its failure.
 */
const failsAfter = (server: Effect.Success<ReturnType<typeof switchable>>, millis: number, prepare: Effect.Effect<void>) =>
  Effect.gen(function*() {
    yield* prepare
    const before = server.received()
    const fiber = yield* Effect.forkChild(Effect.flip(execute(manifest(server.origin))))
    yield* until(() => server.received() === before + 1)
    yield* TestClock.adjust(millis - 1)
    assert.isUndefined(fiber.pollUnsafe())
    yield* TestClock.adjust(1)
    return yield* Fiber.join(fiber)
  })

describe("a warm request (the token held)", () => {
  it.effect("answered from the engine's memory, it still gets the response timeout: RegistryTimeout for a silent registry", () =>
    Effect.gen(function*() {
      const server = yield* switchable()
      assert.strictEqual((yield* execute(manifest(server.origin))).status, 200)
      const sent = server.received()
      const error = yield* failsAfter(server, 2000, Effect.sync(() => void (server.state.registry = false)))
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.strictEqual(error.bound, "responseTimeout")
        assert.strictEqual(error.attempts, 1)
        assert.strictEqual(error.waitingFor, `the response headers of ${server.origin}/v2/team/app/manifests/latest`)
      }
      // The held token was used: no second token request, and the silent request was the only one sent.
      assert.strictEqual(server.state.issued, 1)
      assert.strictEqual(server.received(), sent + 1)
    }).pipe(Effect.provide(clientLayer({ responseTimeout: "2 seconds", retry: Retry.never })), Effect.scoped))

  it.effect("a held token that expired goes to the token endpoint again, within the deadline: RegistryTimeout waiting for it", () =>
    Effect.gen(function*() {
      const server = yield* switchable()
      assert.strictEqual((yield* execute(manifest(server.origin))).status, 200)
      // Past the token's 60 s: the engine no longer hands it out.
      const expired = Effect.andThen(TestClock.adjust("61 seconds"), Effect.sync(() => void (server.state.tokens = false)))
      const error = yield* failsAfter(server, 5000, expired)
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.strictEqual(error.bound, "deadline")
        assert.strictEqual(error.waitingFor, `a token from ${server.origin}/token`)
      }
      assert.strictEqual(server.state.issued, 1)
    }).pipe(Effect.provide(clientLayer({ deadline: "5 seconds", retry: Retry.never })), Effect.scoped))

  it.effect("a held token renewed after expiry is used at once", () =>
    Effect.gen(function*() {
      const server = yield* switchable()
      assert.strictEqual((yield* execute(manifest(server.origin))).status, 200)
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* execute(manifest(server.origin))).status, 200)
      assert.strictEqual((yield* execute(manifest(server.origin))).status, 200)
      assert.strictEqual(server.state.issued, 2)
    }).pipe(Effect.provide(clientLayer({ retry: Retry.never })), Effect.scoped))
})
