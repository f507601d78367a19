/**
 * A Redis that answers with the wrong types, errors, garbage, nothing at all, or
 * a byte a second (a tiny RESP server on loopback): every store read is a miss,
 * every write a dropped write, nothing throws, and every operation — closing the
 * connection included — ends within a bound.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Scope as OciScope, TokenStore } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { RedisChallengeStore, RedisConnection, RedisRateLimit, RedisTokenStore } from "@ociauth/redis"
import { Context, DateTime, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { Budget } from "@ociauth/testing"
import * as Hostile from "./hostileResp.js"

const SECRET = "k3y-for-tests-0123456789abcdef0123456789abcdef"
const KEY = "http://auth.example/token\u0000svc\u0000identity\u0000repository:team/app:pull"

const token = () => {
  const now = Date.now()
  return {
    value: Redacted.make("tok-hostile"),
    issuedAt: DateTime.makeUnsafe(now),
    expiresAt: DateTime.makeUnsafe(now + 300_000),
    granted: Option.none(),
    refreshToken: Option.none(),
    scopes: [OciScope.repository("team/app", ["pull"])]
  }
}

/**
 * Rejects when `promise` takes longer than `ms` (scaled by `Budget`): a hang fails the test instead
 * of holding it. Boundedness is this: every operation ends; how long it took is not asserted, since a
 * busy machine stretches it.
 */
const within = <A>(ms: number, what: string, promise: Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    const budget = Budget.scaled(ms)
    const timer = setTimeout(() => reject(new Error(`${what} did not end within ${budget} ms`)), budget)
    promise.then(
      (a) => (clearTimeout(timer), resolve(a)),
      (e) => (clearTimeout(timer), reject(e))
    )
  })

const COMMAND_TIMEOUT = 300
const CLOSE_TIMEOUT = 300

const connection = (port: number) =>
  RedisConnection.layer({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, retryStrategy: () => 50 }, { closeTimeout: CLOSE_TIMEOUT })

let server: Hostile.HostileResp | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe("Redis stores against a hostile RESP server", () => {
  for (const mode of Hostile.modes) {
    it(`${mode}: reads miss, writes are dropped, nothing throws, release is bounded`, async () => {
      server = await Hostile.start(mode)
      const stores = Layer.mergeAll(
        RedisTokenStore.layer({ key: Redacted.make(SECRET), commandTimeout: COMMAND_TIMEOUT }),
        RedisChallengeStore.layer({ commandTimeout: COMMAND_TIMEOUT })
      ).pipe(Layer.provide(connection(server.port)))
      const exit = await within(
        15_000,
        "the stores' operations and release",
        Effect.runPromiseExit(
          Effect.scoped(
            Effect.gen(function* () {
              const context = yield* Layer.build(stores)
              const tokens = Context.get(context, TokenStore.TokenStore)
              const challenges = Context.get(context, ChallengeStore.ChallengeStore)
              const found = yield* tokens.get(KEY)
              yield* tokens.set(KEY, token())
              yield* tokens.remove(KEY)
              const challenge = yield* challenges.get("https://registry.example")
              yield* challenges.set("https://registry.example", Option.none())
              // nil answers "the lock is held and no token is stored" for ever: a real Redis lets the lock lapse.
              const flown = mode === "nil" ? undefined : yield* tokens.singleFlight!(KEY, Effect.succeed(token()))
              return { found, challenge, flown }
            })
          )
        )
      )
      assert.isTrue(Exit.isSuccess(exit), `${mode}: ${String(Exit.isFailure(exit) ? exit.cause : "")}`)
      if (Exit.isSuccess(exit)) {
        assert.isTrue(Option.isNone(exit.value.found))
        assert.isTrue(Option.isNone(exit.value.challenge))
        if (exit.value.flown !== undefined) assert.strictEqual(Redacted.value(exit.value.flown.value), "tok-hostile")
      }
    })
  }

  for (const mode of ["silent", "drip"] as const) {
    it(`${mode}: closing the connection is bounded by closeTimeout`, async () => {
      server = await Hostile.start(mode)
      const s = server
      await within(
        10_000,
        "closing the connection",
        Effect.runPromise(
          Effect.gen(function* () {
            const scope = yield* Scope.make()
            const redis = yield* Scope.provide(RedisConnection.make({ host: "127.0.0.1", port: s.port }, { closeTimeout: CLOSE_TIMEOUT }), scope)
            // connected and ready (the server answered INFO), with a command it will never answer
            yield* Effect.promise(() => new Promise<void>((resolve) => (redis.status === "ready" ? resolve() : redis.once("ready", () => resolve()))))
            redis.get("x").catch(() => {})
            yield* Scope.close(scope, Exit.void)
          })
        )
      )
      // QUIT was sent and never answered: only closeTimeout ended the wait.
      assert.include(s.commands, "QUIT")
    })
  }

  // (an integer is a well-typed answer there: "wait that many ms", which the limiter obeys up to maxWait)
  for (const mode of ["array", "status", "nil", "error", "garbage"] as const) {
    it(`${mode}: the rate limiter steps aside instead of waiting for a budget it cannot read`, async () => {
      server = await Hostile.start(mode)
      const ok = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { status: 200 }))))
      const limited = RedisRateLimit.layer({ maxWait: "5 seconds", commandTimeout: COMMAND_TIMEOUT }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, ok)),
        Layer.provide(connection(server.port))
      )
      const status = await within(
        15_000,
        "a request through the limiter",
        Effect.runPromise(
          Effect.scoped(
            Effect.flatMap(Layer.build(limited), (context) =>
              Effect.map(Context.get(context, HttpClient.HttpClient).get("https://registry.example/v2/team/app/manifests/v1"), (r) => r.status)
            )
          )
        )
      )
      assert.strictEqual(status, 200)
    })
  }
})
