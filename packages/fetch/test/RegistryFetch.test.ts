import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it, vi } from "@effect/vitest"
import { RegistryAdapter, Retry } from "@ociauth/core"
import type { AuthEvent } from "@ociauth/core"
import { makeRegistryFetch } from "@ociauth/fetch"
import { Budget, RegistryEmulator } from "@ociauth/testing"

describe("makeRegistryFetch", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let adapter: RegistryAdapter.RegistryAdapter
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { me: "pw-SECRET-1" } })
    hub.pushImage("library/alpine", "latest")
    adapter = RegistryAdapter.make({
      name: "hub-emulator",
      hosts: [hub.host],
      challenge: hub.challenge,
      normalizeRepository: (name) => (name.includes("/") ? name : `library/${name}`),
      capabilities: { catalog: false }
    })
  })
  afterAll(() => hub.close())

  it("has fetch's signature: string, URL or Request, and an init", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const url = `${hub.origin}/v2/alpine/manifests/latest`
      for (const input of [url, new URL(url), new Request(url, { method: "HEAD" })]) {
        const response = await registryFetch(input, input instanceof Request ? undefined : { method: "HEAD" })
        assert.strictEqual(response.status, 200)
        assert.match(response.headers.get("docker-content-digest")!, /^sha256:/)
      }
    } finally {
      await registryFetch.close()
    }
  })

  it("hands out the transport's own Response (native streaming, no copy)", async () => {
    const sentinel = new Response("native", { status: 200 })
    const registryFetch = makeRegistryFetch({ fetch: () => Promise.resolve(sentinel), credentials: {} })
    try {
      const response = await registryFetch("https://open.example/")
      assert.strictEqual(response, sentinel)
      assert.strictEqual(await response.text(), "native")
    } finally {
      await registryFetch.close()
    }
  })

  it("returns non-auth statuses as the Response", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const response = await registryFetch(`${hub.origin}/v2/alpine/manifests/nope`)
      assert.strictEqual(response.status, 404)
      assert.strictEqual(((await response.json()) as any).errors[0].code, "MANIFEST_UNKNOWN")
    } finally {
      await registryFetch.close()
    }
  })

  it("rejects with the typed error, _tag intact, when auth cannot be resolved", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const narrowed = await registryFetch(`${hub.origin}/v2/alpine/blobs/uploads/`, { method: "POST" }).catch((e: unknown) => e)
      assert.strictEqual((narrowed as { _tag: string })._tag, "InsufficientScope")
      assert.instanceOf(narrowed, Error)
      const unsupported = await registryFetch(`${hub.origin}/v2/_catalog`).catch((e: unknown) => e)
      assert.strictEqual((unsupported as { _tag: string })._tag, "Unsupported")
      const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { [hub.host]: { username: "me", password: "wrong" } } })
      const refused = await wrong(`${hub.origin}/v2/alpine/manifests/latest`).catch((e: unknown) => e)
      assert.strictEqual((refused as { _tag: string; reason: string })._tag, "TokenRequestError")
      assert.strictEqual((refused as { reason: string }).reason, "Unauthorized")
      assert.notInclude(String(refused), "wrong")
      await wrong.close()
    } finally {
      await registryFetch.close()
    }
  })

  it("a transport failure rejects with a TypeError, as fetch does", async () => {
    const registryFetch = makeRegistryFetch({ retry: Retry.never, credentials: {} })
    try {
      const error = await registryFetch("http://127.0.0.1:9/v2/").catch((e: unknown) => e)
      assert.instanceOf(error, TypeError)
    } finally {
      await registryFetch.close()
    }
  })

  it("an aborted signal rejects with its reason", async () => {
    // The answer is held long enough (scaled) that the abort, 50 ms after the call, always comes first.
    hub.faults.add({ path: "/v2/library/alpine/manifests/latest", latencyMs: Budget.scaled(2_000), times: 1 })
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const controller = new AbortController()
      const pending = registryFetch(`${hub.origin}/v2/alpine/manifests/latest`, { signal: controller.signal })
      setTimeout(() => controller.abort(new Error("stop")), 50)
      const error = await pending.catch((e: unknown) => e)
      assert.strictEqual((error as Error).message, "stop")
    } finally {
      await registryFetch.close()
    }
  })

  it("onEvent shows the flow; the events carry no secret", async () => {
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({
      adapters: [adapter],
      credentials: { [hub.host]: { username: "me", password: "pw-SECRET-1" } },
      onEvent: (e) => events.push(e)
    })
    try {
      const image = hub.pushImage("me/app", "v1")
      await registryFetch(`${hub.origin}/v2/me/app/manifests/v1`, { method: "HEAD" })
      await registryFetch(`${hub.origin}/v2/me/app/blobs/${image.layers[0]}`).then((r) => r.arrayBuffer())
      assert.includeMembers(events.map((e) => e._tag), ["TokenRequested", "TokenIssued", "TokenCacheHit", "Redirected"])
      assert.notInclude(JSON.stringify(events), "pw-SECRET-1")
    } finally {
      await registryFetch.close()
    }
  })
})

describe("streaming", () => {
  it("a body read through its reader alone survives garbage collection", { timeout: Budget.scaled(120_000) }, async () => {
    const { execFile } = await import("node:child_process")
    const { promisify } = await import("node:util")
    const { join } = await import("node:path")
    const tsx = join(import.meta.dirname, "..", "..", "..", "node_modules", "tsx", "dist", "cli.mjs")
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, join(import.meta.dirname, "fixtures", "gc-stream.ts")], {
      env: { ...process.env, NODE_OPTIONS: "--expose-gc --conditions=@ociauth/source" }
    })
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { received: number; size: number; error?: string }
    assert.isUndefined(result.error)
    assert.strictEqual(result.received, result.size)
  })

  it("a 1 GiB blob generated by the emulator streams through with flat memory", { timeout: Budget.scaled(180_000) }, async () => {
    const emulator = await RegistryEmulator.start()
    const size = 1024 * 1024 * 1024
    const digest = emulator.generateBlob("big/blob", size, 42)
    const registryFetch = makeRegistryFetch({ credentials: {} })
    try {
      const baseline = process.memoryUsage()
      let peakRss = baseline.rss
      let peakHeap = baseline.heapUsed
      const sampler = setInterval(() => {
        const now = process.memoryUsage()
        peakRss = Math.max(peakRss, now.rss)
        peakHeap = Math.max(peakHeap, now.heapUsed)
      }, 25)
      const response = await registryFetch(`${emulator.origin}/v2/big/blob/blobs/${digest}`)
      assert.strictEqual(response.status, 200)
      const hash = createHash("sha256")
      let received = 0
      for await (const chunk of response.body!) {
        hash.update(chunk)
        received += chunk.length
      }
      clearInterval(sampler)
      assert.strictEqual(received, size)
      assert.strictEqual(`sha256:${hash.digest("hex")}`, digest)
      const rssGrowth = (peakRss - baseline.rss) / 2 ** 20
      const heapGrowth = (peakHeap - baseline.heapUsed) / 2 ** 20
      // 1,024 MiB went through; buffering any sizeable part of it would show here.
      assert.isBelow(rssGrowth, 200, `rss grew ${rssGrowth.toFixed(0)} MiB`)
      assert.isBelow(heapGrowth, 100, `heap grew ${heapGrowth.toFixed(0)} MiB`)
    } finally {
      await registryFetch.close()
      await emulator.close()
    }
  })
})

describe("HEADs that are retried or refused", () => {
  it("log nothing (no EmptyBody defect on the console), and end as fetch would", async () => {
    const adapter = RegistryAdapter.make({
      name: "flaky",
      hosts: ["flaky.example"],
      challenge: { scheme: "bearer", realm: "https://flaky.example/token", service: "flaky", scopes: [] }
    })
    let registry = 0
    const fake: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      if (request.url.includes("/token")) return Response.json({ token: "t", expires_in: 300 })
      registry++
      if (request.url.includes("/refused/")) {
        return new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer realm="https://flaky.example/token",service="flaky",error="invalid_token"' } })
      }
      return new Response(null, { status: registry % 3 === 0 ? 200 : 503 })
    }
    const printed: Array<string> = []
    const spies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: Array<unknown>) => void printed.push(args.map(String).join(" ")))
    )
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {}, fetch: fake, retry: Retry.defaultPolicy })
    try {
      const retried = await registryFetch("https://flaky.example/v2/team/app/manifests/latest", { method: "HEAD" })
      assert.strictEqual(retried.status, 200)
      const refused = await registryFetch("https://flaky.example/v2/refused/app/manifests/latest", { method: "HEAD" })
      assert.strictEqual(refused.status, 401)
      await new Promise((resolve) => setTimeout(resolve, 50)) // a forked fiber's defect would be logged by now
    } finally {
      await registryFetch.close()
      for (const spy of spies) spy.mockRestore()
    }
    assert.deepStrictEqual(printed, [])
  })
})
