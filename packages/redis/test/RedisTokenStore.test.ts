/**
 * The Redis token store against a real redis-server (skipped loudly without the
 * binary outside CI), in process and across a fleet of tsx processes.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Scope, Token, TokenStore } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { Encryption, RedisChallengeStore, RedisConnection, RedisTokenStore } from "@ociauth/redis"
import { StoreKey } from "@ociauth/store"
import { Budget, RedisServer, RegistryEmulator } from "@ociauth/testing"
import { Clock, Context, DateTime, Deferred, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import { fleet } from "./utils/processes.js"

const availability = RedisServer.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

const SECRET = "k3y-for-tests-0123456789abcdef0123456789abcdef"
const TOKEN = "tok-SECRET-c0ffee-42"
const KEY = "http://auth.example/token\u0000svc\u0000identity-digest\u0000repository:team/app:pull"

const tokenFrom = (now: number, value = TOKEN, seconds = 300): Token.Token => ({
  value: Redacted.make(value),
  issuedAt: DateTime.makeUnsafe(now),
  expiresAt: DateTime.makeUnsafe(now + seconds * 1000),
  granted: Option.none(),
  refreshToken: Option.none(),
  scopes: [Scope.repository("team/app", ["pull"])]
})

/** A path pattern that resolves `reached` when a request first matches it. */
class Watch extends RegExp {
  private onReached: () => void = () => {}
  readonly reached = new Promise<void>((resolve) => (this.onReached = resolve))
  override test(text: string): boolean {
    const matched = super.test(text)
    if (matched) this.onReached()
    return matched
  }
}

/**
 * Wall-clock budget of a fleet test: it starts tsx child processes (seconds each on a busy 2-core
 * machine) and waits on their exits, not on a deadline of its own; scaled like every budget.
 */
const FLEET_BUDGET = Budget.scaled(80_000)

describe("Encryption", () => {
  it.effect("AES-GCM with a random IV per value, bound to the entry's name and the key", () =>
    Effect.gen(function* () {
      const cipher = yield* Encryption.make(Redacted.make(SECRET))
      const a = yield* cipher.encrypt("plain", "name")
      const b = yield* cipher.encrypt("plain", "name")
      assert.notStrictEqual(a, b)
      assert.notInclude(a, "plain")
      assert.deepStrictEqual(yield* cipher.decrypt(a, "name"), Option.some("plain"))
      assert.isTrue(Option.isNone(yield* cipher.decrypt(a, "other")))
      const other = yield* Encryption.make(Redacted.make(`${SECRET}x`))
      assert.isTrue(Option.isNone(yield* other.decrypt(a, "name")))
      // One character of the tag changed (the one before last: the last carries padding bits).
      const at = a.length - 2
      const flipped = a.slice(0, at) + (a[at] === "A" ? "B" : "A") + a.slice(at + 1)
      assert.notStrictEqual(flipped, a)
      assert.isTrue(Option.isNone(yield* cipher.decrypt(flipped, "name")))
      assert.isTrue(Option.isNone(yield* cipher.decrypt("v1.!!", "name")))
    }))
})

describe.skipIf(!availability.available)("RedisTokenStore (real redis-server)", () => {
  let server: RedisServer.RedisServer
  let admin: Redis
  beforeAll(async () => {
    server = await RedisServer.start()
    admin = new Redis(server.url)
  })
  afterAll(async () => {
    await admin?.quit()
    await server?.close()
  })

  const store = (options: Partial<RedisTokenStore.Options> = {}) =>
    RedisTokenStore.layerWithoutMemory({ key: Redacted.make(SECRET), ...options }).pipe(Layer.provide(RedisConnection.layer(server.url)))
  /** A store whose connection lives as long as the enclosing scope. */
  const built = <E>(layer: Layer.Layer<TokenStore.TokenStore, E>) =>
    Effect.map(Layer.build(layer), (context) => Context.get(context, TokenStore.TokenStore))
  const withStore = <A, E>(self: Effect.Effect<A, E, TokenStore.TokenStore>, options?: Partial<RedisTokenStore.Options>) =>
    Effect.scoped(Effect.flatMap(built(store(options)), (s) => Effect.provideService(self, TokenStore.TokenStore, s)))

  it.live("keeps the token encrypted under a digest, with the token's remaining life as TTL", () =>
    withStore(
      Effect.gen(function* () {
        yield* Effect.promise(() => admin.flushall())
        const s = yield* TokenStore.TokenStore
        const now = yield* Clock.currentTimeMillis
        // 200 s of life left when stored: the TTL is that, less whatever time passed before it is read.
        yield* s.set(KEY, tokenFrom(now - 100_000))
        const back = Option.getOrThrow(yield* s.get(KEY))
        assert.strictEqual(Redacted.value(back.value), TOKEN)
        const name = `ociauth:token:${yield* StoreKey.digest(KEY)}`
        assert.deepStrictEqual(yield* Effect.promise(() => admin.keys("*")), [name])
        const raw = (yield* Effect.promise(() => admin.get(name)))!
        assert.notInclude(raw, TOKEN)
        assert.notInclude(raw, "team/app")
        const ttl = yield* Effect.promise(() => admin.pttl(name))
        const read = yield* Clock.currentTimeMillis
        assert.isAtMost(ttl, 200_000)
        assert.isAtLeast(ttl, 200_000 - (read - now) - 10, "the token's remaining life, not a fixed figure")
        // another name, a tampered value or another key: a miss, never an error
        const elsewhere = `ociauth:token:${yield* StoreKey.digest("x")}`
        yield* Effect.promise(() => admin.set(elsewhere, raw))
        assert.isTrue(Option.isNone(yield* s.get("x")))
        yield* Effect.promise(() => admin.set(name, raw.slice(0, -4) + "AAAA"))
        assert.isTrue(Option.isNone(yield* s.get(KEY)))
        yield* s.set(KEY, tokenFrom(now))
        const stranger = yield* withStore(Effect.flatMap(TokenStore.TokenStore, (t) => t.get(KEY)), { key: Redacted.make("another secret of enough length 0123456789") })
        assert.isTrue(Option.isNone(stranger))
        yield* s.remove(KEY)
        assert.isTrue(Option.isNone(yield* s.get(KEY)))
      })
    ))

  it.live("singleFlight: one fetch among stores of separate connections; a holder that fails lets a waiter fetch", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => admin.flushall())
      const stores = yield* Effect.all(Array.from({ length: 4 }, () => built(store())))
      let fetches = 0
      const gate = yield* Deferred.make<void>()
      const fetch = Effect.gen(function* () {
        fetches++
        yield* Deferred.await(gate)
        return tokenFrom(yield* Clock.currentTimeMillis, `${TOKEN}-${fetches}`)
      })
      const fibers = yield* Effect.forEach(stores, (s) => Effect.forkChild(s.singleFlight!(KEY, fetch)))
      yield* Effect.sleep("200 millis")
      yield* Deferred.succeed(gate, undefined)
      const tokens = yield* Fiber.joinAll(fibers)
      assert.strictEqual(fetches, 1)
      assert.deepStrictEqual(new Set(tokens.map((t) => Redacted.value(t.value))), new Set([`${TOKEN}-1`]))

      yield* Effect.promise(() => admin.flushall())
      let attempts = 0
      const failsFirst = Effect.suspend(() =>
        ++attempts === 1 ? Effect.delay(Effect.fail("refused" as const), "100 millis") : Effect.map(Clock.currentTimeMillis, (now) => tokenFrom(now))
      )
      const results = yield* Effect.forEach(stores.slice(0, 2), (s) => Effect.result(s.singleFlight!(KEY, failsFirst)), { concurrency: "unbounded" })
      assert.strictEqual(attempts, 2)
      assert.deepStrictEqual(results.map((r) => r._tag).sort(), ["Failure", "Success"])
    }).pipe(Effect.scoped))

  it.live("Redis unavailable: reads miss, writes are dropped, singleFlight fetches on its own", () =>
    Effect.gen(function* () {
      const s = yield* built(
        RedisTokenStore.layerWithoutMemory({ key: Redacted.make(SECRET), commandTimeout: "200 millis" }).pipe(
          Layer.provide(RedisConnection.layer({ host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }))
        )
      )
      const now = yield* Clock.currentTimeMillis
      yield* s.set(KEY, tokenFrom(now))
      assert.isTrue(Option.isNone(yield* s.get(KEY)))
      const token = yield* s.singleFlight!(KEY, Effect.succeed(tokenFrom(now, "direct")))
      assert.strictEqual(Redacted.value(token.value), "direct")
    }).pipe(Effect.scoped))

  it.live("RedisChallengeStore: what an origin answered, without its scope, for its time to live; garbage is a miss", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => admin.flushall())
      const context = yield* Layer.build(RedisChallengeStore.layer({ timeToLive: "1 minute" }).pipe(Layer.provide(RedisConnection.layer(server.url))))
      const challenges = Context.get(context, ChallengeStore.ChallengeStore)
      const origin = "https://registry.example"
      const before = yield* Clock.currentTimeMillis
      yield* challenges.set(origin, Option.some({ scheme: "bearer", realm: "https://auth.example/token", service: "reg", scopes: [Scope.repository("user/image", ["pull"])] }))
      yield* challenges.set("https://open.example", Option.none())
      assert.deepStrictEqual(yield* challenges.get(origin), Option.some(Option.some({ scheme: "bearer" as const, realm: "https://auth.example/token", service: "reg", scopes: [] })))
      assert.deepStrictEqual(yield* challenges.get("https://open.example"), Option.some(Option.none()))
      const name = `ociauth:challenge:${yield* StoreKey.digest(origin)}`
      const ttl = yield* Effect.promise(() => admin.pttl(name))
      const read = yield* Clock.currentTimeMillis
      assert.isAtMost(ttl, 60_000)
      assert.isAtLeast(ttl, 60_000 - (read - before) - 10, "the time to live, less the time since it was set")
      yield* Effect.promise(() => admin.set(name, "{garbage"))
      assert.isTrue(Option.isNone(yield* challenges.get(origin)))
    }).pipe(Effect.scoped))

  describe("a fleet of processes (tsx) against the emulator", () => {
    let emulator: RegistryEmulator.RegistryEmulator
    beforeAll(async () => {
      emulator = await RegistryEmulator.start()
      emulator.pushImage("team/app", "v1")
    })
    afterAll(() => emulator.close())
    const args = (lockTimeoutMs: number, concurrency: number) => ({
      origin: emulator.origin,
      redis: server.url,
      secret: SECRET,
      repository: "team/app",
      tag: "v1",
      concurrency,
      lockTimeoutMs,
      // The command timeout is for a Redis that is gone: a live one, answering 8 processes' pollers on a
      // loaded machine, can take seconds, and a command timed out makes its process fetch a token of its own.
      commandTimeoutMs: Budget.scaled(5_000),
      // The client's default bounds (10 s per response, 30 s in all), scaled: 1,600 requests answered by an
      // emulator in this process on a busy machine can outlast 10 s, and a request given up on is sent again
      // (the registry then counts it twice); here the bounds only catch a hang.
      responseTimeoutMs: Budget.scaled(10_000),
      deadlineMs: Budget.scaled(30_000)
    })

    it("8 processes × 200 concurrent cold requests for one repository: 1 token request in total", async () => {
      await admin.flushall()
      emulator.log.clear()
      // A token server that takes its time, so that every process is waiting while one fetches.
      const slow = emulator.tokenServer.faults.add({ latencyMs: 300 })
      try {
        // A lock that outlives a holder a busy machine starves (its heartbeat late): scaled, as every budget.
        const running = await fleet(8, "client.ts", () => args(Budget.scaled(10_000), 200))
        const outcomes = await Promise.all(running.map((r) => r.done))
        for (const o of outcomes) {
          assert.strictEqual(o.code, 0, `${JSON.stringify(o.lines)} ${o.stderr}`)
          assert.deepInclude(o.lines[1], { statuses: [200], count: 200 })
        }
      } finally {
        slow()
      }
      assert.strictEqual(emulator.log.count({ server: "token" }), 1, emulator.log.format())
      assert.strictEqual(emulator.log.count({ server: "registry", status: 200 }), 1600)
    }, FLEET_BUDGET)

    it("the process holding the lock is killed mid-fetch: the others succeed once its lock lapses", async () => {
      await admin.flushall()
      emulator.log.clear()
      const lockTimeoutMs = 1_500
      // The first token request never gets its answer in time (its process is killed while it waits):
      // only the lock's lapse (lockTimeout) can let another process fetch.
      const arrived = new Watch("^/token$")
      emulator.tokenServer.faults.add({ latencyMs: Budget.scaled(20_000), times: 1, path: arrived })
      const running = await fleet(4, "client.ts", () => args(lockTimeoutMs, 20))
      // Events, not deadlines: the holder's token request reaches the server, then the lock's value names its pid.
      await arrived.reached
      let owner: string | null = null
      while (owner === null) {
        const [lock] = await admin.keys("ociauth:lock:*")
        owner = lock === undefined ? null : await admin.get(lock)
        if (owner === null) await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const pid = Number(owner.split(":")[1])
      const holder = running.find((r) => r.child.pid === pid)
      assert.isDefined(holder)
      holder!.child.kill("SIGKILL")
      const others = running.filter((r) => r !== holder)
      const outcomes = await Promise.all(others.map((r) => r.done))
      for (const o of outcomes) {
        assert.strictEqual(o.code, 0, `${JSON.stringify(o.lines)} ${o.stderr}`)
        assert.deepInclude(o.lines[1], { statuses: [200], count: 20 })
      }
      assert.strictEqual((await holder!.done).signal, "SIGKILL")
      // One token issued in all: the killed holder's request was never answered, one came after its lock lapsed.
      assert.strictEqual(emulator.log.count({ server: "token", status: 200 }), 1, emulator.log.format())
    }, FLEET_BUDGET)
  })
})
