/**
 * The memory tier's coherence across processes, with a real redis-server: two
 * tsx processes, A and B, each with its own `RedisTokenStore.layer` (the store
 * behind its memory tier) over the same Redis. Both hold a token; A removes it,
 * as the engine does when a registry answers `invalid_token`; B must stop
 * serving it within the documented bound — the pub/sub latency with the
 * invalidation channel, `recheckInterval` without it. No deadline and no elapsed
 * time is asserted (the machine may be busy): the tests wait for B to stop, and
 * make the mechanism the only possible cause (an hour-long re-check interval with
 * the channel; a Redis read by B before it stops without it). A broken mechanism
 * hangs, and the test's scaled timeout reports it.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RedisServer } from "@ociauth/testing"
import { Redis } from "ioredis"
import { startInteractive } from "./utils/interactive.js"
import type { Interactive } from "./utils/interactive.js"

const availability = RedisServer.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

const SECRET = "k3y-for-tests-0123456789abcdef0123456789abcdef"
const KEY = "https://auth.example/token\u0000svc\u0000identity\u0000repository:team/app:pull"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The GETs Redis has answered since the last CONFIG RESETSTAT. */
const getCalls = async (admin: Redis): Promise<number> => {
  const stats = await admin.info("commandstats")
  const match = /cmdstat_get:calls=(\d+)/.exec(stats)
  return match === null ? 0 : Number(match[1])
}

describe.skipIf(!availability.available)("tiered token stores in two processes over one redis-server", () => {
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

  const pair = async (recheckMs: number, invalidations: boolean): Promise<readonly [Interactive, Interactive]> => {
    const args = { redis: server.url, secret: SECRET, recheckMs, invalidations }
    const a = startInteractive("tiered.ts", args)
    const b = startInteractive("tiered.ts", args)
    await Promise.all([a.ready, b.ready])
    return [a, b]
  }

  /** Asks B until it no longer serves the token (no deadline: the test's timeout catches a hang). */
  const untilGone = async (b: Interactive): Promise<void> => {
    for (;;) {
      const { values } = await b.send({ op: "get", key: KEY })
      if ((values as Array<string | null>)[0] === null) return
      await sleep(20)
    }
  }

  /** A stores the token, B reads it once (from Redis); then B's warm reads do no Redis I/O at all. */
  const bothHold = async (a: Interactive, b: Interactive) => {
    await admin.flushall()
    await a.send({ op: "set", key: KEY, value: "T1" })
    assert.deepStrictEqual((await b.send({ op: "get", key: KEY })).values, ["T1"])
    assert.deepStrictEqual((await a.send({ op: "get", key: KEY })).values, ["T1"])
    await admin.config("RESETSTAT")
    const warm = (await b.send({ op: "getMany", key: KEY, n: 200 })).values as Array<string | null>
    assert.deepStrictEqual(new Set(warm), new Set(["T1"]))
    assert.strictEqual(await getCalls(admin), 0, "200 warm reads in B did no Redis GET")
  }

  it("with the invalidation channel (pub/sub): B stops serving the token about as soon as A removes it", async () => {
    // A re-check interval of an hour, far beyond any test timeout: only the channel can explain B's stop.
    const RECHECK = 3_600_000
    const [a, b] = await pair(RECHECK, true)
    try {
      await bothHold(a, b)
      await a.send({ op: "remove", key: KEY })
      assert.deepStrictEqual((await a.send({ op: "get", key: KEY })).values, [null], "gone from A's tiers at once")
      await untilGone(b)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  it("without the channel: B stops serving the token at its re-check (a Redis read)", async () => {
    const RECHECK = 1_000
    const [a, b] = await pair(RECHECK, false)
    try {
      await bothHold(a, b)
      await a.send({ op: "remove", key: KEY })
      await untilGone(b)
      // Without the channel, only a re-check can tell B: it read Redis before it stopped serving.
      assert.isAbove(await getCalls(admin), 0, "B re-checked Redis")
      // and B's token came back from Redis, not from memory, once A stored a new one
      await a.send({ op: "set", key: KEY, value: "T2" })
      let seen: string | null = null
      while (seen !== "T2") {
        seen = ((await b.send({ op: "get", key: KEY })).values as Array<string | null>)[0] ?? null
        if (seen !== "T2") await sleep(20)
      }
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
