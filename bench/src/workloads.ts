/**
 * The workloads. Each returns rows for the report; numbers from one run are
 * only compared with numbers from the same run.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { Authenticator, AuthEvent, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { RedisServer, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { Bed } from "./harness.js"
import { ensureSkopeo, measure, median, ms, OCI_MANIFEST, ratio } from "./harness.js"
import { middlewareCost } from "./overhead-micro.js"
import type { Arguments as WarmArguments, Outcome as WarmOutcome } from "./warm-worker.js"
import type { Plot } from "./plot.js"

const run = promisify(execFile)
/** tsx's command line, for the workers that run in a process of their own (they inherit `--built`). */
const tsx = join(import.meta.dirname, "..", "..", "node_modules", "tsx", "dist", "cli.mjs")

export interface Section {
  readonly title: string
  readonly description: string
  readonly table: ReadonlyArray<ReadonlyArray<string>>
  /** What the report's SVG figure shows of this section, if anything. */
  readonly plot?: Plot
  readonly notes?: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------
// 1. Round trips per workload, against skopeo and the physical limit
// ---------------------------------------------------------------------------

const inspectWithFetch = async (registryFetch: (url: string, init?: RequestInit) => Promise<Response>, origin: string, repository: string) => {
  const manifest = (await (await registryFetch(`${origin}/v2/${repository}/manifests/latest`, { headers: { accept: OCI_MANIFEST } })).json()) as {
    config: { digest: string }
  }
  await (await registryFetch(`${origin}/v2/${repository}/blobs/${manifest.config.digest}`)).arrayBuffer()
  await (await registryFetch(`${origin}/v2/${repository}/tags/list`)).arrayBuffer()
}

export const roundTrips = async (bed: Bed, repositories: ReadonlyArray<string>): Promise<Section> => {
  const R = repositories.length
  const counted = async (name: string, work: () => Promise<void>) => {
    bed.proxy.reset()
    bed.tokens.log.clear()
    const { wallMs } = await measure(work)
    return {
      name,
      registry: bed.proxy.requests,
      probes: bed.proxy.failedConnections,
      tokens: bed.tokens.log.count(),
      wallMs
    }
  }
  const rows = []
  rows.push(
    await counted("ociauth (adapter knows the realm)", async () => {
      const registryFetch = makeRegistryFetch({ adapters: [bed.adapter], credentials: {} })
      for (const repository of repositories) await inspectWithFetch(registryFetch, bed.proxy.origin, repository)
      await registryFetch.close()
    })
  )
  rows.push(
    await counted("ociauth with an access plan (one token for all R)", async () => {
      const access = repositories.map((repository) => ({ registry: bed.proxy.host, repository }))
      const registryFetch = makeRegistryFetch({ adapters: [bed.adapter], credentials: {}, access })
      for (const repository of repositories) await inspectWithFetch(registryFetch, bed.proxy.origin, repository)
      await registryFetch.close()
    })
  )
  rows.push(
    await counted("ociauth (generic: realm discovered)", async () => {
      const registryFetch = makeRegistryFetch({ credentials: {} })
      for (const repository of repositories) await inspectWithFetch(registryFetch, bed.proxy.origin, repository)
      await registryFetch.close()
    })
  )
  const skopeo = await ensureSkopeo((text) => process.stderr.write(`bench: ${text}\n`))
  if (skopeo !== undefined) {
    const home = mkdtempSync(join(tmpdir(), "ociauth-bench-skopeo-"))
    const env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: home, REGISTRY_AUTH_FILE: join(home, "none.json"), DOCKER_CONFIG: home }
    rows.push(
      await counted(`skopeo inspect (${skopeo.replace("skopeo version ", "v")})`, async () => {
        for (const repository of repositories) {
          await run("skopeo", ["inspect", "--tls-verify=false", `docker://${bed.proxy.host}/${repository}:latest`], { env })
        }
      })
    )
  }
  const table = [
    ["client", "registry requests", "token requests", "total", "per repository", "failed TLS probes", "wall time"],
    ...rows.map((r) => [
      r.name,
      String(r.registry),
      String(r.tokens),
      String(r.registry + r.tokens),
      ((r.registry + r.tokens) / R).toFixed(1),
      String(r.probes),
      ms(r.wallMs)
    ]),
    ["physical limit (3 useful + 1 token each)", String(3 * R), String(R), String(4 * R), "4.0", "0", "—"],
    ["physical limit with a plan (3 useful each + 1 token)", String(3 * R), "1", String(3 * R + 1), ((3 * R + 1) / R).toFixed(1), "0", "—"]
  ]
  const ociauth = rows[0]!
  const peer = rows.find((r) => r.name.startsWith("skopeo"))
  return {
    title: "1. Round trips: inspect R repositories (manifest, config blob, tags list)",
    description: `R = ${R} repositories on the real distribution registry (token auth, anonymous pull), counted by a proxy in front of the registry and by the token server's log.`,
    table,
    plot: {
      title: `Requests per repository (inspect ${R} repositories; lower is better)`,
      unit: "",
      bars: [
        ...rows.map((r) => ({ label: r.name, value: (r.registry + r.tokens) / R, kind: r.name.startsWith("skopeo") ? "peer" as const : "ociauth" as const })),
        { label: "limit: 3 useful + 1 token each", value: 4, kind: "limit" as const },
        { label: "limit with a plan: 3 each + 1 token", value: (3 * R + 1) / R, kind: "limit" as const }
      ]
    },
    notes: [
      peer === undefined
        ? "skopeo is not installed and could not be (apt-get install -y skopeo): its row is skipped."
        : `Requests, skopeo ÷ ociauth: ${ratio(peer.registry + peer.tokens, ociauth.registry + ociauth.tokens)}; wall time, skopeo ÷ ociauth: ${ratio(peer.wallMs, ociauth.wallMs)} (skopeo's includes starting one process per repository).`,
      "An access plan (`RegistryClient.withAccess`, or the `access` option) asks for one token with R `scope` parameters; a registry that grants less gets per-repository tokens for the rest, before any request fails.",
      "skopeo pings /v2/ and asks for a token once for the manifest and config and again for the tags, and tries https first (the failed TLS probes)."
    ]
  }
}

// ---------------------------------------------------------------------------
// 2. Concurrency: 1,000 concurrent cold manifest requests for one repository
// ---------------------------------------------------------------------------

/** What clients written by hand do: every request on its own, 401 → token → retry. */
const naiveGet = async (url: string, tokenRealm: string, service: string, scope: string) => {
  const first = await fetch(url, { method: "HEAD", headers: { accept: OCI_MANIFEST } })
  if (first.status !== 401) return first.status
  const tokenUrl = new URL(tokenRealm)
  tokenUrl.searchParams.set("service", service)
  tokenUrl.searchParams.set("scope", scope)
  const { token } = (await (await fetch(tokenUrl)).json()) as { token: string }
  return (await fetch(url, { method: "HEAD", headers: { accept: OCI_MANIFEST, authorization: `Bearer ${token}` } })).status
}

export const concurrency = async (bed: Bed, repository: string, n: number): Promise<Section> => {
  const url = `${bed.proxy.origin}/v2/${repository}/manifests/latest`
  const counted = async (work: () => Promise<ReadonlyArray<number>>) => {
    bed.proxy.reset()
    bed.tokens.log.clear()
    const { result, wallMs } = await measure(work)
    const discoveries = bed.proxy.byPath.get(`HEAD /v2/${repository}/manifests/latest`) ?? 0
    return { ok: result.filter((s) => s === 200).length, registry: bed.proxy.requests, tokens: bed.tokens.log.count(), wallMs, discoveries }
  }
  const ociauth = await counted(async () => {
    const registryFetch = makeRegistryFetch({ credentials: {} })
    const statuses = await Promise.all(
      Array.from({ length: n }, () => registryFetch(url, { method: "HEAD", headers: { accept: OCI_MANIFEST } }).then((r) => r.status))
    )
    await registryFetch.close()
    return statuses
  })
  const naive = await counted(() =>
    Promise.all(Array.from({ length: n }, () => naiveGet(url, bed.tokens.realm, bed.tokens.service, `repository:${repository}:pull`)))
  )
  return {
    title: `2. Concurrency: ${n.toLocaleString("en")} concurrent cold manifest requests for one repository`,
    description: "A fresh client, realm unknown (generic adapter), all requests started at once.",
    table: [
      ["client", "succeeded", "discovery (unauthenticated) requests", "token requests", "registry requests", "wall time"],
      ["ociauth", String(ociauth.ok), String(ociauth.registry - n), String(ociauth.tokens), String(ociauth.registry), ms(ociauth.wallMs)],
      ["naive per-request auth", String(naive.ok), String(naive.registry - n), String(naive.tokens), String(naive.registry), ms(naive.wallMs)]
    ],
    notes: [
      `Target: 1 discovery and 1 token request. Token requests, naive ÷ ociauth: ${ratio(naive.tokens, ociauth.tokens)}; wall time: ${ratio(naive.wallMs, ociauth.wallMs)}.`
    ]
  }
}

/**
 * The in-memory middleware cost of the built JS (what users run), in a child
 * process whose `@ociauth/*` imports resolve to dist; the sources through tsx
 * when the packages are not built.
 */
const builtMiddlewareCost = async (): Promise<{ sdk: number; bare: number; middleware: number; built: boolean }> => {
  const bench = join(import.meta.dirname, "..")
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", join(bench, "..", "node_modules", "tsx", "dist", "esm", "index.mjs"), join(bench, "src", "overhead-micro.ts"), "--json"],
      { cwd: bench, env: { ...process.env, NODE_OPTIONS: "", TSX_TSCONFIG_PATH: join(bench, "tsconfig.dist.json") } }
    )
    return { ...(JSON.parse(stdout.trim().split("\n").pop()!) as { sdk: number; bare: number; middleware: number }), built: true }
  } catch {
    return { ...(await middlewareCost()), built: false }
  }
}

// ---------------------------------------------------------------------------
// 3. Warm overhead: sequential HEADs, RegistryClient vs a plain HttpClient with a fixed token
// ---------------------------------------------------------------------------

export const warmOverhead = async (bed: Bed, repository: string, n: number): Promise<Section> => {
  const perRound = 25
  const worker = join(import.meta.dirname, "warm-worker.ts")
  /**
   * n requests per client, in two workers: one builds RegistryClient first, the other the plain client.
   * A worker whose client failed makes this measurement a reported failure (the worker's reason), not the section's.
   */
  const measureRounds = async (method: "HEAD" | "GET", control: boolean): Promise<WarmOutcome | { readonly failed: string }> => {
    const outcomes: Array<WarmOutcome> = []
    const half = Math.round(n / 2)
    for (const first of ["sdk", "plain"] as const) {
      const args: WarmArguments = {
        origin: bed.registry.origin,
        host: bed.registry.host,
        realm: bed.tokens.realm,
        service: bed.tokens.service,
        repository,
        method,
        n: half,
        rounds: Math.max(1, Math.round(half / perRound)),
        first,
        control
      }
      try {
        const { stdout } = await run(process.execPath, [tsx, worker, JSON.stringify(args)], { maxBuffer: 1 << 20 })
        outcomes.push(JSON.parse(stdout.trim().split("\n").pop()!) as WarmOutcome)
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? "").trim()
        const failed = (stderr.split("\n").at(-1) || String(error).split("\n")[0] || "unknown").slice(0, 200)
        process.stderr.write(`bench: warm ${method}${control ? " (control)" : ""}, ${first} first: failed: ${failed}\n`)
        return { failed }
      }
    }
    const sum = (pick: (o: WarmOutcome) => { wallMs: number; cpuMs: number }) => ({
      wallMs: outcomes.reduce((t, o) => t + pick(o).wallMs, 0),
      cpuMs: outcomes.reduce((t, o) => t + pick(o).cpuMs, 0)
    })
    return {
      sdk: sum((o) => o.sdk),
      plain: sum((o) => o.plain),
      pairs: { wall: outcomes.flatMap((o) => o.pairs.wall), cpu: outcomes.flatMap((o) => o.pairs.cpu) }
    }
  }
  const head = await measureRounds("HEAD", false)
  const headControl = await measureRounds("HEAD", true)
  const get = await measureRounds("GET", false)
  const getControl = await measureRounds("GET", true)
  const measured = [head, headControl, get, getControl].flatMap((m) => ("failed" in m ? [] : [m]))
  const rounds = measured[0]?.pairs.cpu.length ?? 0
  const micro = await builtMiddlewareCost()
  const per = (total: number) => `${((total / n) * 1000).toFixed(0)} µs`
  return {
    title: `3. Warm overhead: ${n.toLocaleString("en")} sequential HEADs, then GETs`,
    description: `RegistryClient (token cached) against the same fetch transport carrying a fixed token, on the real registry; both clients in a process of their own (as a user's program, never beside the registry's proxy and token server), ${rounds} rounds of ${perRound} requests each in ABBA order, split over two processes: in one RegistryClient is built, warmed and measured first, in the other the plain client (of two identical clients the first comes out a few per cent slower). The median of the rounds' ratios is the figure to read: one disturbed round moves the totals, not the median. Two plain clients measured the same way give the noise floor of this run.`,
    plot: {
      title: "CPU per warm request, µs (lower is better)",
      unit: "µs",
      bars: [
        ...("failed" in head
          ? []
          : [
              { label: "RegistryClient, real registry", value: (head.sdk.cpuMs / n) * 1000 },
              { label: "plain HttpClient + fixed token, real registry", value: (head.plain.cpuMs / n) * 1000, kind: "peer" as const }
            ]),
        { label: "RegistryClient, in-memory transport", value: micro.sdk },
        { label: "bare in-memory transport", value: micro.bare, kind: "peer" as const },
        { label: "middleware alone (the difference)", value: micro.middleware }
      ]
    },
    table: [
      ["client", "wall time", "per request", "CPU time", "CPU per request"],
      ...([["HEAD", head, headControl], ["GET (body read)", get, getControl]] as const).flatMap(([label, outcome, control]) => [
        ...("failed" in outcome
          ? [[`RegistryClient and plain HttpClient + fixed token, ${label}`, `failed: ${outcome.failed}`, "", "", ""]]
          : [
              [`RegistryClient, ${label}`, ms(outcome.sdk.wallMs), per(outcome.sdk.wallMs), ms(outcome.sdk.cpuMs), per(outcome.sdk.cpuMs)],
              [`plain HttpClient + fixed token, ${label}`, ms(outcome.plain.wallMs), per(outcome.plain.wallMs), ms(outcome.plain.cpuMs), per(outcome.plain.cpuMs)],
              [`ratio of the totals, ${label}`, ratio(outcome.sdk.wallMs, outcome.plain.wallMs), "", ratio(outcome.sdk.cpuMs, outcome.plain.cpuMs), ""],
              [`**median of the ${outcome.pairs.cpu.length} rounds' ratios, ${label}**`, `**${median(outcome.pairs.wall).toFixed(2)}×**`, "", `**${median(outcome.pairs.cpu).toFixed(2)}×**`, ""]
            ]),
        "failed" in control
          ? [`two plain clients (noise floor), ${label}`, `failed: ${control.failed}`, "", "", ""]
          : [`two plain clients (noise floor): median of the rounds' ratios, ${label}`, `${median(control.pairs.wall).toFixed(2)}×`, "", `${median(control.pairs.cpu).toFixed(2)}×`, ""]
      ])
    ],
    notes: [
      `The middleware's own cost, measured with an in-memory transport (no network), ${micro.built ? "built JS" : "sources through tsx (the packages are not built)"}, best of 15 rounds: ${micro.middleware.toFixed(1)} µs of CPU per warm request (${micro.sdk.toFixed(1)} µs through RegistryClient, ${micro.bare.toFixed(1)} µs bare). Target: ≤ 15 µs.`,
      "Both clients open a new TCP connection for every HEAD: Node's fetch (undici) does not reuse a connection after a HEAD answered by the distribution registry (raw fetch does the same); GETs reuse them, so their ratio is less drowned in connection set-up.",
      "To see where the middleware's time goes: node scripts/tsx.mjs --built --cpu-prof bench/src/profile-warm.ts 3000"
    ]
  }
}

// ---------------------------------------------------------------------------
// 4. Streaming: a 1 GiB blob, RegistryClient vs plain fetch, each in its own process
// ---------------------------------------------------------------------------

export const streaming = async (sizeMiB: number): Promise<Section> => {
  const emulator = await RegistryEmulator.start()
  try {
    const size = sizeMiB * 1024 * 1024
    const digest = emulator.generateBlob("bench/big", size, 7)
    const worker = join(import.meta.dirname, "stream-worker.ts")
    const once = async (mode: "ociauth" | "fetch") => {
      const { stdout } = await run(process.execPath, [tsx, worker, mode, emulator.origin, "bench/big", digest], { maxBuffer: 1 << 20 })
      return JSON.parse(stdout.trim().split("\n").pop()!) as Run
    }
    type Run = { bytes: number; ms: number; ttfbMs: number; maxRssMiB: number }
    const results: Record<string, Array<Run>> = { ociauth: [], fetch: [] }
    for (let round = 0; round < 3; round++) {
      // ABBA-like alternation: neither client always goes first.
      const order = round % 2 === 0 ? (["ociauth", "fetch"] as const) : (["fetch", "ociauth"] as const)
      for (const mode of order) results[mode]!.push(await once(mode))
    }
    const summary = (runs: ReadonlyArray<Run>) => {
      const seconds = runs.reduce((n, r) => n + r.ms, 0) / 1000
      const bytes = runs.reduce((n, r) => n + r.bytes, 0)
      const ttfb = [...runs.map((r) => r.ttfbMs)].sort((x, y) => x - y)[Math.floor(runs.length / 2)]!
      return { mibps: bytes / 2 ** 20 / seconds, ttfb, rss: Math.max(...runs.map((r) => r.maxRssMiB)), ok: runs.every((r) => r.bytes === size) }
    }
    const a = summary(results.ociauth!)
    const b = summary(results.fetch!)
    return {
      title: `4. Streaming: a ${sizeMiB.toLocaleString("en")} MiB blob`,
      description:
        "Generated on the fly by the emulator (never held in memory), read to the end in a fresh process per run, 3 runs each, alternating. Throughput times the body alone; time to first byte includes the cold start and the auth dance (discovery, token).",
      table: [
        ["client", "throughput", "time to first byte (cold, median)", "peak RSS of the process", "all bytes arrived"],
        ["RegistryClient (makeRegistryFetch)", `${a.mibps.toFixed(0)} MiB/s`, ms(a.ttfb), `${a.rss.toFixed(0)} MiB`, String(a.ok)],
        ["plain fetch + token", `${b.mibps.toFixed(0)} MiB/s`, ms(b.ttfb), `${b.rss.toFixed(0)} MiB`, String(b.ok)],
        ["ratio (RegistryClient ÷ fetch)", ratio(a.mibps, b.mibps), ratio(a.ttfb, b.ttfb), ratio(a.rss, b.rss), ""]
      ]
    }
  } finally {
    await emulator.close()
  }
}

// ---------------------------------------------------------------------------
// 5. Expiry: a long run with 60 s tokens, on the emulator's (test) clock
// ---------------------------------------------------------------------------

const settle = Effect.gen(function* () {
  for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
  yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 3)))
})

export const expiry = async (minutes: number, everySeconds: number): Promise<Section> => {
  const steps = Math.floor((minutes * 60) / everySeconds)
  const program = Effect.gen(function* () {
    const emulator = yield* RegistryEmulator.make({ tokenTtl: "60 seconds" })
    emulator.pushImage("bench/app", "latest")
    const url = `${emulator.origin}/v2/bench/app/manifests/latest`
    const adapter = RegistryAdapter.make({ name: "bench-emulator", hosts: [emulator.host], challenge: emulator.challenge })
    const events: Array<AuthEvent.AuthEvent> = []

    // ociauth
    const sdkLayer = RegistryClient.layerClient().pipe(
      Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
      Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, Registries.layer([adapter]), CredentialProvider.layerAnonymous)),
      Layer.provide(AuthEvent.layer((e) => Effect.sync(() => events.push(e))))
    )
    yield* Effect.gen(function* () {
      const client = yield* RegistryClient.RegistryClient
      for (let i = 0; i < steps; i++) {
        yield* client.execute(HttpClientRequest.head(url))
        yield* TestClock.adjust(Duration.seconds(everySeconds))
        yield* settle
      }
    }).pipe(Effect.provide(sdkLayer), Effect.scoped)
    const sdk = {
      expiredHits: emulator.log.count({ server: "registry", status: 401 }),
      tokens: emulator.log.count({ server: "token" }),
      refreshAhead: events.filter((e) => e._tag === "TokenRefreshAhead").length
    }

    // naive: reuse the token until the registry refuses it
    emulator.log.clear()
    yield* Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      let token: string | undefined
      const fetchToken = Effect.gen(function* () {
        const response = yield* client.get(`${emulator.tokenServer.realm}?service=${emulator.tokenServer.service}&scope=repository:bench/app:pull`)
        return ((yield* response.json) as { token: string }).token
      })
      for (let i = 0; i < steps; i++) {
        token ??= yield* fetchToken
        const response = yield* client.execute(HttpClientRequest.head(url).pipe(HttpClientRequest.bearerToken(token)))
        if (response.status === 401) {
          token = yield* fetchToken
          yield* client.execute(HttpClientRequest.head(url).pipe(HttpClientRequest.bearerToken(token)))
        }
        yield* TestClock.adjust(Duration.seconds(everySeconds))
        yield* settle
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    const naive = { expiredHits: emulator.log.count({ server: "registry", status: 401 }), tokens: emulator.log.count({ server: "token" }) }
    return { sdk, naive }
  }).pipe(Effect.scoped, Effect.provide(TestClock.layer()))
  const { naive, sdk } = await Effect.runPromise(program as Effect.Effect<{ sdk: { expiredHits: number; tokens: number; refreshAhead: number }; naive: { expiredHits: number; tokens: number } }, unknown, never>)
  return {
    title: `5. Expiry: ${minutes} minutes with 60 s tokens, one request every ${everySeconds} s`,
    description: `${steps} requests on the emulator; client and token server share Effect's TestClock, so the run takes seconds.`,
    table: [
      ["client", "requests that met an expired token", "token requests", "renewed ahead of expiry"],
      ["ociauth", String(sdk.expiredHits), String(sdk.tokens), String(sdk.refreshAhead)],
      ["naive (reuse until 401)", String(naive.expiredHits), String(naive.tokens), "0"]
    ],
    notes: ["Target for ociauth: 0 requests meeting an expired token."]
  }
}

// ---------------------------------------------------------------------------
// 6. Cold process: time and requests to the first useful answer, per token store
// ---------------------------------------------------------------------------

export const coldProcess = async (processes: number): Promise<Section> => {
  const emulator = await RegistryEmulator.start()
  const redisAvailable = RedisServer.availability().available
  const redis = redisAvailable ? await RedisServer.start() : undefined
  const directory = mkdtempSync(join(tmpdir(), "ociauth-bench-cold-"))
  try {
    emulator.pushImage("bench/app", "latest")
    const worker = join(import.meta.dirname, "cold-worker.ts")
    type Run = { ms: number; spawnMs: number; discovery: number; token: number; registry: number; ok: boolean }
    const once = async (store: "none" | "file" | "redis"): Promise<Run> => {
      emulator.log.clear()
      const argument = JSON.stringify({ store, origin: emulator.origin, repository: "bench/app", directory, redis: redis?.url ?? "", secret: "bench-secret-0123456789abcdef0123456789" })
      const spawned = performance.now()
      const { stdout } = await run(process.execPath, [tsx, worker, argument], { maxBuffer: 1 << 20 })
      const spawnMs = performance.now() - spawned
      const result = JSON.parse(stdout.trim().split("\n").pop()!) as { status: number; ms: number }
      return {
        ms: result.ms,
        spawnMs,
        discovery: emulator.log.count({ server: "registry", status: 401 }),
        token: emulator.log.count({ server: "token" }),
        registry: emulator.log.count({ server: "registry" }),
        ok: result.status === 200
      }
    }
    const stores = redisAvailable ? (["none", "file", "redis"] as const) : (["none", "file"] as const)
    const runs: Record<string, Array<Run>> = {}
    // Processes one after another; the stores interleaved so that no store always runs on a warmer machine.
    for (let i = 0; i < processes; i++) for (const store of stores) (runs[store] ??= []).push(await once(store))
    const row = (store: string, label: string, selected: ReadonlyArray<Run>) => [
      store,
      label,
      ms(median(selected.map((r) => r.ms))),
      ms(median(selected.map((r) => r.spawnMs))),
      String(median(selected.map((r) => r.discovery))),
      String(median(selected.map((r) => r.token))),
      String(median(selected.map((r) => r.registry))),
      String(selected.every((r) => r.ok))
    ]
    const table = [["store", "process", "to the first answer (in process)", "spawn to exit", "discovery", "token", "registry requests", "all 200"]]
    for (const store of stores) {
      const [first, ...rest] = runs[store]!
      table.push(row(store, "first (empty store)", [first!]))
      if (rest.length > 0) table.push(row(store, `next ${rest.length} (median)`, rest))
    }
    return {
      title: "6. Cold process: the first useful answer, per token store",
      description: `${processes} processes one after another per store (the emulator's distribution profile, realm unknown in advance), each sending one manifest GET. \"none\" is the default memory store: every process starts cold. The file store keeps tokens and challenges in a folder; the Redis stores keep tokens (encrypted) and challenges in a real redis-server.`,
      table,
      notes: [
        "In-process time counts from the program's start (stores opened, layers built) to the answer; spawn to exit includes the start-up of node and tsx (which loads the bench script), the same for every store.",
        ...(redisAvailable ? [] : ["redis-server is not installed: the Redis rows are skipped."])
      ]
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
    await redis?.close()
    await emulator.close()
  }
}
