/**
 * The memory tier in front of a shared store (`TokenStore.tiered`), on the
 * TestClock: its coherence rules, one test each.
 */
import { assert, describe, it } from "@effect/vitest"
import { Scope, Token, TokenStore } from "@ociauth/core"
import { Clock, Context, DateTime, Deferred, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"

const KEY = "https://auth.example/token\u0000svc\u0000identity\u0000repository:team/app:pull"
const OTHER = "https://auth.example/token\u0000svc\u0000identity\u0000repository:team/other:pull"

const tokenAt = (now: number, value = "tok", seconds = 300): Token.Token => ({
  value: Redacted.make(value),
  issuedAt: DateTime.makeUnsafe(now),
  expiresAt: DateTime.makeUnsafe(now + seconds * 1000),
  granted: Option.none(),
  refreshToken: Option.none(),
  scopes: [Scope.repository("team/app", ["pull"])]
})
const token = (value = "tok", seconds = 300) => Effect.map(Clock.currentTimeMillis, (now) => tokenAt(now, value, seconds))
const valueOf = (found: Option.Option<Token.Token>) => Option.getOrUndefined(Option.map(found, (t) => Redacted.value(t.value)))

/** A shared store (another process's view of it is `store` itself) that counts its I/O and can broadcast removals. */
const makeShared = (options: { readonly singleFlight?: boolean; readonly channel?: boolean } = {}) =>
  Effect.gen(function* () {
    const store = yield* TokenStore.makeMemory()
    const io = { get: 0, set: 0, remove: 0, singleFlight: 0 }
    const listeners: Array<(key: string) => Effect.Effect<void>> = []
    let gate: { readonly entered: Deferred.Deferred<void>; readonly open: Deferred.Deferred<void> } | undefined
    const broadcast = (key: string) => Effect.forEach(listeners, (listener) => listener(key), { discard: true })
    const shared: TokenStore.Service = {
      get: (key) =>
        Effect.suspend(() => {
          io.get++
          // held: the shared tier has answered (with what it held then), the answer not yet arrived
          const held = gate
          return held === undefined ? store.get(key) : Effect.tap(store.get(key), () => Effect.andThen(Deferred.succeed(held.entered, undefined), Deferred.await(held.open)))
        }),
      set: (key, t) => Effect.suspend(() => (io.set++, store.set(key, t))),
      remove: (key) => Effect.suspend(() => (io.remove++, Effect.andThen(store.remove(key), options.channel ? broadcast(key) : Effect.void))),
      ...(options.singleFlight
        ? { singleFlight: <E>(key: string, fetch: Effect.Effect<Token.Token, E>) => Effect.suspend(() => (io.singleFlight++, Effect.tap(fetch, (t) => store.set(key, t)))) }
        : {}),
      ...(options.channel ? { subscribe: (onRemoved: (key: string) => Effect.Effect<void>) => Effect.sync(() => void listeners.push(onRemoved)) } : {})
    }
    /** What another process does to the shared tier: behind this process's back (with a message when there is a channel). */
    const elsewhere = {
      set: (key: string, t: Token.Token) => store.set(key, t),
      remove: (key: string) => Effect.andThen(store.remove(key), options.channel ? broadcast(key) : Effect.void),
      removeSilently: (key: string) => store.remove(key)
    }
    const hold = Effect.flatMap(Effect.zip(Deferred.make<void>(), Deferred.make<void>()), ([entered, open]) =>
      Effect.sync(() => (gate = { entered, open }))
    )
    const release = (held: { readonly open: Deferred.Deferred<void> }) => Effect.andThen(Effect.sync(() => (gate = undefined)), Deferred.succeed(held.open, undefined))
    return { shared, io, elsewhere, hold, release, listeners }
  })

describe("TokenStore.tiered", () => {
  it.effect("a warm read does no shared-store I/O", () =>
    Effect.gen(function* () {
      const { shared, io } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared)
      yield* store.set(KEY, yield* token())
      assert.deepStrictEqual(io, { get: 0, set: 1, remove: 0, singleFlight: 0 })
      for (let i = 0; i < 1000; i++) assert.strictEqual(valueOf(yield* store.get(KEY)), "tok")
      yield* TestClock.adjust("4999 millis")
      assert.strictEqual(valueOf(yield* store.get(KEY)), "tok")
      assert.strictEqual(io.get, 0)
    }))

  it.effect("a cold read fills memory from the shared tier; the next reads are warm", () =>
    Effect.gen(function* () {
      const { shared, io, elsewhere } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared)
      yield* elsewhere.set(KEY, yield* token("theirs"))
      assert.strictEqual(valueOf(yield* store.get(KEY)), "theirs")
      assert.strictEqual(valueOf(yield* store.get(KEY)), "theirs")
      assert.strictEqual(io.get, 1)
      assert.isTrue(Option.isNone(yield* store.get(OTHER)))
      assert.isTrue(Option.isNone(yield* store.get(OTHER)))
      assert.strictEqual(io.get, 3, "a miss is not remembered")
    }))

  it.effect("remove drops the key from every tier at once, and only that key", () =>
    Effect.gen(function* () {
      const { shared, io, elsewhere } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared)
      yield* store.set(KEY, yield* token("a"))
      yield* store.set(OTHER, yield* token("b"))
      yield* store.remove(KEY)
      assert.strictEqual(io.remove, 1)
      assert.isTrue(Option.isNone(yield* shared.get(KEY)), "gone from the shared tier")
      const before = io.get
      assert.isTrue(Option.isNone(yield* store.get(KEY)), "gone from memory")
      assert.strictEqual(io.get, before + 1, "memory had nothing: the shared tier was asked")
      assert.strictEqual(valueOf(yield* store.get(OTHER)), "b")
      assert.strictEqual(io.get, before + 1, "the other key is still warm")
      yield* elsewhere.set(KEY, yield* token("c"))
      assert.strictEqual(valueOf(yield* store.get(KEY)), "c", "a removal is not remembered as a miss")
    }))

  it.effect("a token removed while a read of the shared tier runs is not put back in memory", () =>
    Effect.gen(function* () {
      const { shared, hold, release } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared, { recheckInterval: "1 hour" })
      yield* store.set(KEY, yield* token("old", 36_000)) // a token of 10 hours
      yield* TestClock.adjust("2 hours") // memory is due for a re-check; the token is still good
      const gate = yield* hold
      const reading = yield* Effect.forkChild(store.get(KEY))
      yield* Deferred.await(gate.entered) // the shared tier answered "old"; the answer is on its way
      yield* store.remove(KEY) // the engine saw invalid_token meanwhile
      yield* release(gate)
      assert.isTrue(Option.isNone(yield* Fiber.join(reading)), "the read that raced the removal serves nothing")
      assert.isTrue(Option.isNone(yield* store.get(KEY)))
    }))

  it.effect("without a channel: a token another process removed is served at most recheckInterval longer", () =>
    Effect.gen(function* () {
      const { shared, io, elsewhere } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared, { recheckInterval: "5 seconds" })
      yield* store.set(KEY, yield* token())
      yield* elsewhere.removeSilently(KEY)
      assert.strictEqual(valueOf(yield* store.get(KEY)), "tok", "within the window memory still answers")
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(Option.isNone(yield* store.get(KEY)), "after it, the shared tier's miss wins")
      assert.strictEqual(io.get, 1)
      assert.isTrue(Option.isNone(yield* store.get(KEY)))
    }))

  it.effect("the re-check also picks up the shared tier's newer token", () =>
    Effect.gen(function* () {
      const { shared, elsewhere } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared)
      yield* store.set(KEY, yield* token("first"))
      yield* elsewhere.set(KEY, yield* token("second"))
      assert.strictEqual(valueOf(yield* store.get(KEY)), "first")
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(valueOf(yield* store.get(KEY)), "second")
    }))

  it.effect("with a channel: a removal elsewhere stops the token at once, the clock standing still", () =>
    Effect.gen(function* () {
      const { shared, io, elsewhere, listeners } = yield* makeShared({ channel: true })
      const store = yield* TokenStore.tiered(shared, { recheckInterval: "1 hour" })
      assert.strictEqual(listeners.length, 1, "subscribed when built")
      yield* store.set(KEY, yield* token())
      yield* store.set(OTHER, yield* token("other"))
      yield* elsewhere.remove(KEY)
      assert.isTrue(Option.isNone(yield* store.get(KEY)))
      const reads = io.get
      assert.strictEqual(valueOf(yield* store.get(OTHER)), "other")
      assert.strictEqual(io.get, reads, "other keys stay warm")
    }))

  it.effect("invalidations: false ignores the channel (the re-check still bounds)", () =>
    Effect.gen(function* () {
      const { shared, elsewhere, listeners } = yield* makeShared({ channel: true })
      const store = yield* TokenStore.tiered(shared, { invalidations: false })
      assert.strictEqual(listeners.length, 0)
      yield* store.set(KEY, yield* token())
      yield* elsewhere.remove(KEY)
      assert.strictEqual(valueOf(yield* store.get(KEY)), "tok")
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(Option.isNone(yield* store.get(KEY)))
    }))

  it.effect("singleFlight is the shared store's, and its token fills memory", () =>
    Effect.gen(function* () {
      const { shared, io } = yield* makeShared({ singleFlight: true })
      const store = yield* TokenStore.tiered(shared)
      assert.isDefined(store.singleFlight)
      const fetched = yield* store.singleFlight!(KEY, token("flown"))
      assert.strictEqual(Redacted.value(fetched.value), "flown")
      assert.strictEqual(io.singleFlight, 1)
      assert.strictEqual(valueOf(yield* store.get(KEY)), "flown")
      assert.strictEqual(io.get, 0, "served from memory")
      const plain = yield* TokenStore.tiered((yield* makeShared()).shared)
      assert.isUndefined(plain.singleFlight, "no single flight is invented for a store without one")
    }))

  it.effect("an expired token is never served from memory", () =>
    Effect.gen(function* () {
      const { shared } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared, { recheckInterval: "1 hour" })
      yield* store.set(KEY, yield* token("short", 60))
      yield* TestClock.adjust("60 seconds")
      assert.isTrue(Option.isNone(yield* store.get(KEY)))
    }))

  it.effect("memory is bounded by capacity (least recently used first)", () =>
    Effect.gen(function* () {
      const { shared, io } = yield* makeShared()
      const store = yield* TokenStore.tiered(shared, { capacity: 2 })
      yield* store.set("a", yield* token("a"))
      yield* store.set("b", yield* token("b"))
      yield* store.set("c", yield* token("c"))
      assert.strictEqual(valueOf(yield* store.get("c")), "c")
      assert.strictEqual(valueOf(yield* store.get("b")), "b")
      assert.strictEqual(io.get, 0)
      assert.strictEqual(valueOf(yield* store.get("a")), "a", "evicted from memory, still in the shared tier")
      assert.strictEqual(io.get, 1)
    }))

  it.effect("layerTiered wraps the TokenStore in context", () =>
    Effect.gen(function* () {
      const { shared, io } = yield* makeShared()
      const context = yield* Layer.build(TokenStore.layerTiered().pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, shared))))
      const store = Context.get(context, TokenStore.TokenStore)
      yield* store.set(KEY, yield* token())
      assert.strictEqual(valueOf(yield* store.get(KEY)), "tok")
      assert.deepStrictEqual(io, { get: 0, set: 1, remove: 0, singleFlight: 0 })
    }))
})

describe("TokenStore.makeMemory (the memory tier's bound)", () => {
  it.effect("capacity bounds tokens that are set and never read, least recently used first", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.makeMemory({ capacity: 2 })
      yield* store.set("a", yield* token("a"))
      yield* store.set("b", yield* token("b"))
      yield* store.set("c", yield* token("c"))
      assert.isTrue(Option.isNone(yield* store.get("a")), "the oldest went first")
      assert.strictEqual(valueOf(yield* store.get("b")), "b")
      assert.strictEqual(valueOf(yield* store.get("c")), "c", "not the most recent")
    }))
})
