/**
 * The fleet-wide pull budget against a real redis-server and the emulator's
 * Docker Hub profile, with a fleet of tsx processes.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RedisServer, RegistryEmulator } from "@ociauth/testing"
import { Redis } from "ioredis"
import { fleet } from "./utils/processes.js"

const availability = RedisServer.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

/** A path pattern that remembers when requests matched it. */
class Watch extends RegExp {
  readonly times: Array<number> = []
  override test(text: string): boolean {
    const matched = super.test(text)
    if (matched) this.times.push(performance.now())
    return matched
  }
}

describe.skipIf(!availability.available)("RedisRateLimit: 4 processes against the dockerHub profile", () => {
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

  const hub = async (pullRateLimit: number) => {
    const emulator = await RegistryEmulator.start({ profile: "dockerHub", pullRateLimit })
    emulator.pushImage("library/alpine", "latest")
    return emulator
  }
  const args = (emulator: RegistryEmulator.RegistryEmulator, pulls: number, maxWaitMs: number) => ({
    origin: emulator.origin,
    redis: server.url,
    repository: "library/alpine",
    tag: "latest",
    pulls,
    concurrency: 8,
    maxWaitMs
  })
  const counts = async (running: Awaited<ReturnType<typeof fleet>>) => {
    const outcomes = await Promise.all(running.map((r) => r.done))
    return outcomes.map((o) => {
      assert.strictEqual(o.code, 0, `${JSON.stringify(o.lines)} ${o.stderr}`)
      return o.lines[1]!.counts as Record<string, number>
    })
  }

  it("a limit of 100 pulls and 160 wanted: the registry answers no 429, 100 pulls go out, the rest are refused locally", async () => {
    await admin.flushall()
    const emulator = await hub(100)
    try {
      const results = await counts(await fleet(4, "pulls.ts", () => args(emulator, 40, 500)))
      const pulled = emulator.log.count({ server: "registry", method: "GET", status: 200 })
      assert.strictEqual(emulator.log.count({ status: 429 }), 0, emulator.log.format())
      assert.isAtMost(pulled, 100)
      assert.isAtLeast(pulled, 95)
      const total = (status: string) => results.reduce((n, c) => n + (c[status] ?? 0), 0)
      assert.strictEqual(total("200"), pulled)
      assert.strictEqual(total("200") + total("429 local"), 160, JSON.stringify(results))
    } finally {
      await emulator.close()
    }
  })

  it("a 429 with Retry-After: 2 pauses every process for 2 s", async () => {
    await admin.flushall()
    const emulator = await hub(1000)
    try {
      const refused = new Watch("/manifests/")
      const arrivals = new Watch("/manifests/")
      emulator.faults.add({ method: "GET", path: refused, status: 429, retryAfter: 2, times: 1 })
      emulator.faults.add({ method: "GET", path: arrivals })
      const results = await counts(await fleet(4, "pulls.ts", () => args(emulator, 10, 10_000)))
      assert.strictEqual(refused.times.length, 1)
      assert.deepStrictEqual(results, Array.from({ length: 4 }, () => ({ "200": 10 })))
      const at = refused.times[0]!
      // Nothing reaches the registry from any process until Retry-After has passed; then every pull does.
      const during = arrivals.times.filter((t) => t > at && t < at + 1_950)
      assert.deepStrictEqual(during.map((t) => Math.round(t - at)), [])
      assert.strictEqual(emulator.log.count({ server: "registry", method: "GET", status: 200 }), 40)
      assert.isAtLeast(arrivals.times.filter((t) => t >= at + 1_950).length, 40)
    } finally {
      await emulator.close()
    }
  })
})
