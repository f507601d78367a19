/**
 * The whole Redis client of docs/stores.md (token store behind its memory tier,
 * challenge store, pull budget) against the registry emulator while Redis is
 * refused, then silent, then back. Measured on the TestClock: a request that
 * completes while the test clock stands still waited on no `commandTimeout`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { RegistryClient } from "@ociauth/fetch"
import { RedisChallengeStore, RedisConnection, RedisRateLimit, RedisTokenStore } from "@ociauth/redis"
import { Budget, RedisServer, RegistryEmulator } from "@ociauth/testing"
import { Context, Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { Redis } from "ioredis"
import { startScript } from "./utils/processes.js"
import * as Switchboard from "./utils/switchboard.js"

const availability = RedisServer.availability()

const SECRET = "k3y-for-tests-0123456789abcdef0123456789abcdef"
const COMMAND_TIMEOUT = 2_000
const RECHECK = 5_000

/** Live time, whatever clock the test runs on. */
const liveSleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** Waits (live) until `condition` holds, running `meanwhile` between looks; fails the test after a scaled budget. */
const until = (what: string, condition: () => boolean, meanwhile: Effect.Effect<void> = Effect.void) =>
  Effect.gen(function* () {
    const deadline = performance.now() + Budget.scaled(10_000)
    while (!condition()) {
      if (performance.now() > deadline) return yield* Effect.die(new Error(`${what}: not within ${Budget.scaled(10_000)} ms`))
      yield* liveSleep(10)
      yield* meanwhile
    }
  })

describe.skipIf(!availability.available)("Redis unavailable: the whole client (real redis-server behind a switchboard)", () => {
  let server: RedisServer.RedisServer
  let admin: Redis
  let emulator: RegistryEmulator.RegistryEmulator
  let board: Switchboard.Switchboard
  beforeAll(async () => {
    server = await RedisServer.start()
    admin = new Redis(server.url)
    board = await Switchboard.start(server.port)
    emulator = await RegistryEmulator.start()
    emulator.pushImage("team/app", "v1")
  })
  afterAll(async () => {
    await board?.close()
    await admin?.quit()
    await server?.close()
    await emulator?.close()
  })

  /** The client of docs/stores.md on the switchboard's port, and its connection. */
  const client = Effect.gen(function* () {
    const connection = yield* Layer.build(RedisConnection.layer(`redis://127.0.0.1:${board.port}`))
    const Stores = Layer.mergeAll(
      RedisTokenStore.layer({ key: Redacted.make(SECRET), commandTimeout: COMMAND_TIMEOUT, memory: { recheckInterval: RECHECK } }),
      RedisChallengeStore.layer({ commandTimeout: COMMAND_TIMEOUT })
    )
    const Transport = RedisRateLimit.layer({ commandTimeout: COMMAND_TIMEOUT }).pipe(Layer.provide(RegistryClient.layerFetchTransport))
    const Client = RegistryClient.layerClient().pipe(
      Layer.provide(Authenticator.layer().pipe(Layer.provide(RegistryClient.layerFetchTransport))),
      Layer.provide(Layer.mergeAll(Transport, Stores, Registries.layerGeneric, CredentialProvider.layerAnonymous)),
      Layer.provide(Layer.succeedContext(connection))
    )
    const context = yield* Layer.build(Client)
    const registry = Context.get(context, RegistryClient.RegistryClient)
    const pull = Effect.map(registry.execute(HttpClientRequest.get(`${emulator.origin}/v2/team/app/manifests/v1`)), (r) => r.status)
    return { redis: Context.get(connection, RedisConnection.RedisConnection), pull }
  })

  /**
   * One request, then the tier's re-check interval on the TestClock (the next request reads Redis again).
   * `waits`: how many times the test clock was moved by `commandTimeout` before it completed (only when
   * `allowWaits`; otherwise a request still running after a scaled budget fails the test).
   */
  const request = (pull: Effect.Effect<number, unknown>, allowWaits: boolean) =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(pull)
      let waits = 0
      let since = performance.now()
      while (fiber.pollUnsafe() === undefined) {
        yield* liveSleep(10)
        if (performance.now() - since < Budget.scaled(allowWaits ? 300 : 10_000)) continue
        if (!allowWaits) return yield* Effect.die(new Error("a request waited on the clock (a command timeout) with Redis unavailable"))
        yield* TestClock.adjust(COMMAND_TIMEOUT)
        waits++
        since = performance.now()
      }
      const status = yield* Fiber.join(fiber)
      yield* TestClock.adjust(RECHECK + 1)
      return { status, waits }
    })

  /** Redis is used again: after a flush, a request stores its challenge, its token and its budget there again. */
  const usedAgain = (pull: Effect.Effect<number, unknown>) =>
    Effect.gen(function* () {
      yield* Effect.promise(() => admin.flushall())
      // the pull budget leaves no key behind (no rate-limit headers here): its scripts' calls are counted instead
      const scripts = Effect.map(Effect.promise(() => admin.info("commandstats")), (info) => Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0))
      const before = yield* scripts
      assert.strictEqual((yield* request(pull, false)).status, 200)
      const keys = yield* Effect.promise(() => admin.keys("ociauth:*"))
      for (const kind of ["challenge", "token"]) assert.isTrue(keys.some((k) => k.startsWith(`ociauth:${kind}:`)), `${kind} in ${keys}`)
      assert.isAbove(yield* scripts, before, "the pull budget's scripts ran")
    })

  it.effect("refused: 4 requests, none waits on a command timeout; Redis back: the stores are used again", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => board.set("up"))
      const { pull, redis } = yield* client
      yield* until("connected", () => redis.status === "ready")
      yield* usedAgain(pull)
      yield* Effect.promise(() => board.set("refused"))
      yield* until("the connection dropped", () => redis.status !== "ready")
      for (let i = 0; i < 4; i++) assert.deepStrictEqual(yield* request(pull, false), { status: 200, waits: 0 }, `request ${i + 1}`)
      yield* Effect.promise(() => board.set("up"))
      yield* until("reconnected (ioredis's retryStrategy)", () => redis.status === "ready")
      yield* usedAgain(pull)
    }).pipe(Effect.scoped))

  it.effect("silent: the first request waits one command timeout, the next 3 none; Redis back: the stores are used again", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => board.set("up"))
      const { pull, redis } = yield* client
      yield* until("connected", () => redis.status === "ready")
      yield* Effect.promise(() => board.set("silent"))
      // ioredis reconnects to a port that accepts, and its ready check is never answered
      yield* until("reconnected to the silent port", () => redis.status === "connect")
      const first = yield* request(pull, true)
      assert.strictEqual(first.status, 200)
      assert.isAtMost(first.waits, 2, "one command timeout (and at most one move of the clock that came too early)")
      for (let i = 1; i < 4; i++) assert.deepStrictEqual(yield* request(pull, false), { status: 200, waits: 0 }, `request ${i + 1}`)
      yield* Effect.promise(() => board.set("up"))
      yield* until("reconnected", () => redis.status === "ready")
      yield* usedAgain(pull)
    }).pipe(Effect.scoped))

  for (const mode of ["refused", "silent"] as const) {
    it.effect(`${mode}: closing the connection does not wait for QUIT (the test clock never moves)`, () =>
      Effect.gen(function* () {
        yield* Effect.promise(() => board.set(mode))
        const scope = yield* Scope.make()
        const redis = yield* Scope.provide(RedisConnection.make(`redis://127.0.0.1:${board.port}`), scope)
        yield* until("the connection failed or hangs", () => redis.status === (mode === "refused" ? "reconnecting" : "connect"))
        // a store's read meets the connection (a silent one times out, queued: QUIT would wait behind it)
        const context = yield* Layer.build(RedisChallengeStore.layer({ commandTimeout: COMMAND_TIMEOUT }).pipe(Layer.provide(Layer.succeed(RedisConnection.RedisConnection, redis))))
        const read = yield* Effect.forkChild(Context.get(context, ChallengeStore.ChallengeStore).get("https://registry.example"))
        // (moved until it has timed out: a move before the read is sent releases nothing)
        yield* until("the read answered", () => read.pollUnsafe() !== undefined, mode === "silent" ? TestClock.adjust(COMMAND_TIMEOUT) : Effect.void)
        assert.isTrue(Option.isNone(yield* Fiber.join(read)))
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* until("closed without the clock", () => closing.pollUnsafe() !== undefined)
      }))
  }

  for (const [what, mode, afterMs] of [["just built, Redis up", "up", 0], ["Redis refused", "refused", 300]] as const) {
    it(`a program that only builds RedisConnection.layer exits once it closes it (${what})`, async () => {
      await board.set(mode)
      const run = startScript("exit.ts", { url: `redis://127.0.0.1:${board.port}`, afterMs })
      const outcome = await run.done
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.deepStrictEqual(outcome.lines, [{ closed: true }], "nothing holds the program after the connection is closed")
    })
  }
})
