/**
 * One client in a process of its own, run by plain `node` on the built JS (no
 * tsx, no loader thread: what a user's program runs), either natively (CPU and
 * peak RSS) or under `valgrind --tool=callgrind` (instructions). The bench
 * transpiles this file to JavaScript (TypeScript's `transpileModule`) into a
 * temporary folder (with `token.ts`) and passes every module it needs as a resolved URL, so the
 * worker itself imports nothing but `node:` built-ins.
 *
 * Warm modes (a warm-up of `warm` requests, then `n` manifest GETs, bodies read,
 * one after another):
 * - `facade`: `makeRegistryFetch` from the `ociauth` package (batteries: every
 *   built-in adapter; `credentials: {}`, anonymous pull, realm discovered);
 * - `fetch`: Node's own `fetch` with a fixed token (the façade's floor);
 * - `client`: `RegistryClient` (the Effect API, `RegistryClient.layerFetch`);
 * - `transport`: the same Effect transport (`RegistryClient.layerFetchTransport`,
 *   i.e. `FetchHttpClient`) with a fixed token (RegistryClient's floor).
 *
 * Cold modes (a fresh client, nothing known: the first request discovers the
 * realm): `facade-pull`/`fetch-pull` pull one image (manifest, config, layers,
 * bodies read); `facade-heads`/`fetch-heads` send `n` manifest HEADs at once.
 * The `fetch-*` floors discover and fetch a token once by hand, then send the
 * same useful requests with it.
 *
 * A fixed token is minted by the worker itself (outside what is measured) and
 * renewed at 80 % of its lifetime (`token.ts`), so that a run slowed down 50×
 * by callgrind, or by a busy machine, never sends an expired one.
 *
 * `import-<module>` imports one of `modules` into the fresh process and reports its CPU.
 *
 * Prints one JSON line (`Outcome`); exits 1 with the reason on stderr when a
 * request fails.
 *
 *   node instructions-worker.mjs '<json: Arguments>'
 */
import { readFileSync } from "node:fs"
import { renewingToken } from "./token.js"

export type Mode =
  | "facade"
  | "fetch"
  | "client"
  | "transport"
  | "facade-pull"
  | "fetch-pull"
  | "facade-heads"
  | "fetch-heads"
  | `import-${keyof Arguments["modules"]}`

export interface Arguments {
  readonly mode: Mode
  readonly origin: string
  readonly repository: string
  /** The token server, for the fixed-token floors. */
  readonly realm: string
  readonly service: string
  /** Warm modes: requests before the measured ones. */
  readonly warm: number
  /** Warm modes: measured requests; `*-heads`: concurrent HEADs. */
  readonly n: number
  /** Resolved URLs of the built modules. */
  readonly modules: {
    readonly ociauth: string
    readonly fetch: string
    readonly core: string
    readonly effect: string
    readonly http: string
  }
}

export interface Outcome {
  readonly mode: Mode
  readonly n: number
  /** CPU (user + system) of the measured part, ms. */
  readonly cpuMs: number
  /** CPU of importing the client's modules, ms. */
  readonly importCpuMs: number
  readonly wallMs: number
  /** Peak resident set of the process (VmHWM), KiB. */
  readonly peakRssKiB: number
  /** Resident set after the warm-up, before the measured loop, KiB. */
  readonly warmRssKiB: number
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

const status = (field: "VmHWM" | "VmRSS"): number => {
  try {
    const line = readFileSync("/proc/self/status", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${field}:`))
    if (line !== undefined) return Number(line.replace(/\D+/g, ""))
  } catch {
    // not Linux
  }
  return field === "VmHWM" ? process.resourceUsage().maxRSS : process.memoryUsage().rss / 1024
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

const ok = (response: Response | { readonly status: number }, what: string) => {
  if (response.status !== 200) throw new Error(`${what} answered ${response.status}`)
}

/** Discovery by hand: an unauthenticated request, its challenge's realm and service. */
const discover = async (url: string) => {
  const response = await fetch(url, { method: "HEAD", headers: { accept: OCI_MANIFEST } })
  const challenge = response.headers.get("www-authenticate") ?? ""
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1]
  const service = /service="([^"]+)"/.exec(challenge)?.[1]
  if (realm === undefined || service === undefined) throw new Error(`no bearer challenge (${response.status} ${challenge})`)
  return { realm, service }
}

type Get = (count: number) => Promise<void>

const warmClient = async (a: Arguments): Promise<{ readonly get: Get; readonly close: () => Promise<void> }> => {
  const url = `${a.origin}/v2/${a.repository}/manifests/latest`
  const scope = `repository:${a.repository}:pull`
  switch (a.mode) {
    case "fetch": {
      let init: RequestInit = {}
      await renewingToken(a.realm, a.service, scope, (token) => {
        init = { headers: { accept: OCI_MANIFEST, authorization: `Bearer ${token}` } }
      })
      return {
        get: async (count) => {
          for (let i = 0; i < count; i++) {
            const response = await fetch(url, init)
            ok(response, "GET")
            await response.arrayBuffer()
          }
        },
        close: async () => {}
      }
    }
    case "facade": {
      const { makeRegistryFetch } = (await import(a.modules.ociauth)) as Pick<typeof import("@ociauth/fetch"), "makeRegistryFetch">
      const registryFetch = makeRegistryFetch({ credentials: {} })
      const init = { headers: { accept: OCI_MANIFEST } }
      return {
        get: async (count) => {
          for (let i = 0; i < count; i++) {
            const response = await registryFetch(url, init)
            ok(response, "GET")
            await response.arrayBuffer()
          }
        },
        close: () => registryFetch.close()
      }
    }
    case "client":
    case "transport": {
      const { Effect, Layer, ManagedRuntime } = (await import(a.modules.effect)) as typeof import("effect")
      const { HttpClient, HttpClientRequest } = (await import(a.modules.http)) as typeof import("effect/http")
      const { RegistryClient } = (await import(a.modules.fetch)) as typeof import("@ociauth/fetch")
      const { CredentialProvider, Registries, RegistryAdapter } = (await import(a.modules.core)) as typeof import("@ociauth/core")
      const base = HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("accept", OCI_MANIFEST))
      const state = { request: base }
      let runtime: { readonly runPromise: (effect: import("effect").Effect.Effect<void, unknown, import("effect/http").HttpClient.HttpClient>) => Promise<void>; readonly dispose: () => Promise<void> }
      if (a.mode === "transport") {
        await renewingToken(a.realm, a.service, scope, (token) => {
          state.request = HttpClientRequest.bearerToken(base, token)
        })
        runtime = ManagedRuntime.make(RegistryClient.layerFetchTransport)
      } else {
        const host = new URL(a.origin).host
        const adapter = RegistryAdapter.make({ name: "bench-direct", hosts: [host], challenge: { scheme: "bearer", realm: a.realm, service: a.service, scopes: [] } })
        runtime = ManagedRuntime.make(
          RegistryClient.layerFetch.pipe(Layer.provide(Layer.mergeAll(Registries.layer([adapter]), CredentialProvider.layerAnonymous)))
        ) as unknown as typeof runtime
      }
      return {
        get: (count) =>
          runtime.runPromise(
            Effect.gen(function* () {
              const http = yield* HttpClient.HttpClient
              for (let i = 0; i < count; i++) {
                const response = yield* http.execute(state.request)
                if (response.status !== 200) return yield* Effect.die(new Error(`GET answered ${response.status}`))
                yield* response.arrayBuffer
              }
            }) as import("effect").Effect.Effect<void, unknown, import("effect/http").HttpClient.HttpClient>
          ),
        close: () => runtime.dispose()
      }
    }
    default:
      throw new Error(`not a warm mode: ${a.mode}`)
  }
}

const warmRun = async (a: Arguments): Promise<Outcome> => {
  const imported = process.cpuUsage()
  const client = await warmClient(a)
  const importCpuMs = cpuMs(imported)
  await client.get(a.warm)
  const warmRssKiB = status("VmRSS")
  const cpu = process.cpuUsage()
  const start = performance.now()
  await client.get(a.n)
  const outcome = { mode: a.mode, n: a.n, cpuMs: cpuMs(cpu), importCpuMs, wallMs: performance.now() - start, peakRssKiB: status("VmHWM"), warmRssKiB }
  await client.close()
  return outcome
}

/** The one image's manifest, then its config and layers, bodies read; `send` authenticates (or not) each request. */
const pull = async (origin: string, repository: string, send: (url: string, init: RequestInit) => Promise<Response>) => {
  const manifestResponse = await send(`${origin}/v2/${repository}/manifests/latest`, { headers: { accept: OCI_MANIFEST } })
  ok(manifestResponse, "the manifest GET")
  const manifest = (await manifestResponse.json()) as { config: { digest: string }; layers: ReadonlyArray<{ digest: string }> }
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const blob = await send(`${origin}/v2/${repository}/blobs/${digest}`, {})
    ok(blob, "a blob GET")
    await blob.arrayBuffer()
  }
}

const heads = async (url: string, n: number, send: (url: string, init: RequestInit) => Promise<Response>) => {
  const statuses = await Promise.all(Array.from({ length: n }, () => send(url, { method: "HEAD", headers: { accept: OCI_MANIFEST } }).then((r) => r.status)))
  const failed = statuses.filter((s) => s !== 200)
  if (failed.length > 0) throw new Error(`${failed.length} of ${n} HEADs failed (${[...new Set(failed)].join(", ")})`)
}

const coldRun = async (a: Arguments): Promise<Outcome> => {
  const url = `${a.origin}/v2/${a.repository}/manifests/latest`
  const imported = process.cpuUsage()
  const facade = a.mode.startsWith("facade")
  const module = facade ? ((await import(a.modules.ociauth)) as Pick<typeof import("@ociauth/fetch"), "makeRegistryFetch">) : undefined
  const importCpuMs = cpuMs(imported)
  const warmRssKiB = status("VmRSS")
  const cpu = process.cpuUsage()
  const start = performance.now()
  let close = async () => {}
  let send: (url: string, init: RequestInit) => Promise<Response>
  if (module !== undefined) {
    const registryFetch = module.makeRegistryFetch({ credentials: {} })
    send = registryFetch
    close = () => registryFetch.close()
  } else {
    // By hand: discover once, one token, then every request with it.
    const { realm, service } = await discover(url)
    let token = ""
    await renewingToken(realm, service, `repository:${a.repository}:pull`, (t) => {
      token = t
    })
    send = (target, init) => fetch(target, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } })
  }
  if (a.mode.endsWith("-pull")) await pull(a.origin, a.repository, send)
  else await heads(url, a.n, send)
  const outcome = { mode: a.mode, n: a.n, cpuMs: cpuMs(cpu), importCpuMs, wallMs: performance.now() - start, peakRssKiB: status("VmHWM"), warmRssKiB }
  await close()
  return outcome
}

/** `import-<module>`: the CPU of importing one module into a fresh process, nothing else. */
const importRun = async (a: Arguments, module: keyof Arguments["modules"]): Promise<Outcome> => {
  const start = performance.now()
  const imported = process.cpuUsage()
  await import(a.modules[module])
  const importCpuMs = cpuMs(imported)
  return { mode: a.mode, n: 0, cpuMs: importCpuMs, importCpuMs, wallMs: performance.now() - start, peakRssKiB: status("VmHWM"), warmRssKiB: status("VmRSS") }
}

const main = async () => {
  const a = JSON.parse(process.argv[2]!) as Arguments
  const outcome = a.mode.startsWith("import-")
    ? await importRun(a, a.mode.slice("import-".length) as keyof Arguments["modules"])
    : a.mode.includes("-")
      ? await coldRun(a)
      : await warmRun(a)
  process.stdout.write(`${JSON.stringify(outcome)}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
)
