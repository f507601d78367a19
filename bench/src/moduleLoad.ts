/**
 * Section 7, module load: what importing the SDK costs a cold process, and what
 * its first façade request costs beside the second, with Node's own first and
 * second `fetch` measured in the same run as the floor (built JS, plain node).
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { RegistryEmulator } from "@ociauth/testing"
import { median, ms, OCI_MANIFEST, ratio } from "./harness.js"
import type { Section } from "./workloads.js"

const run = promisify(execFile)

/** What one fresh process reports: the CPU (user + system, every thread of the process) and wall time of `what`, in ms. */
interface Cost {
  readonly cpu: number
  readonly wall: number
}

/** The script a fresh process runs to time the dynamic import of `target`. */
const importScript = (target: string) =>
  `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(target)}); const u = process.cpuUsage(c);
console.log(JSON.stringify({ cpu: (u.user + u.system) / 1000, wall: performance.now() - t }))`

/** Times `send` and reading its body, in the process that runs it (the emulator runs in the bench's own process). */
const timeFunction = `const time = async (send) => {
  const c = process.cpuUsage(); const t = performance.now()
  const response = await send(); await response.arrayBuffer()
  const u = process.cpuUsage(c)
  return { status: response.status, cpu: (u.user + u.system) / 1000, wall: performance.now() - t }
}`

/**
 * The script a fresh process runs for the façade: `makeRegistryFetch()` of `target` with its defaults (the
 * machine's credentials: an empty docker config here), a manifest GET (discovery, token, manifest), the same
 * GET again (token cached), then the same GET from a second façade (code warm, its token cache empty: the
 * first request's round trips without the process's cold start).
 */
const facadeScript = (target: string, url: string) =>
  `const { makeRegistryFetch } = await import(${JSON.stringify(target)})
${timeFunction}
const init = { headers: { accept: ${JSON.stringify(OCI_MANIFEST)} } }
const f = makeRegistryFetch()
const first = await time(() => f(${JSON.stringify(url)}, init))
const second = await time(() => f(${JSON.stringify(url)}, init))
const g = makeRegistryFetch()
const fresh = await time(() => g(${JSON.stringify(url)}, init))
await f.close(); await g.close()
for (const r of [first, second, fresh]) if (r.status !== 200) throw new Error("status " + r.status)
console.log(JSON.stringify({ first, second, fresh }))`

/**
 * Node's floor, in a fresh process of its own: the façade's first request done by hand with plain `fetch`
 * (the manifest's 401, the token from the challenge's realm, the manifest with it), then its second (the
 * manifest with the same token). Its first pays what any client on Node's fetch pays: undici loaded on first
 * use, and V8's tier-up of undici's HTTP parser (WebAssembly), which the responses of three round trips set off;
 * then the three round trips again, warm.
 */
const bareFetchScript = (url: string) =>
  `${timeFunction}
const url = ${JSON.stringify(url)}
const accept = ${JSON.stringify(OCI_MANIFEST)}
let token
const threeRoundTrips = async () => {
  const challenge = await fetch(url, { headers: { accept } }); await challenge.arrayBuffer()
  const fields = Object.fromEntries([...challenge.headers.get("www-authenticate").matchAll(/(\\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
  const realm = new URL(fields.realm); realm.searchParams.set("service", fields.service); realm.searchParams.set("scope", fields.scope)
  token = (await (await fetch(realm)).json()).token
  return fetch(url, { headers: { accept, authorization: "Bearer " + token } })
}
const first = await time(threeRoundTrips)
const second = await time(() => fetch(url, { headers: { accept, authorization: "Bearer " + token } }))
const fresh = await time(threeRoundTrips)
for (const r of [first, second, fresh]) if (r.status !== 200) throw new Error("status " + r.status)
console.log(JSON.stringify({ first, second, fresh }))`

export const moduleLoad = async (processes: number): Promise<Section> => {
  // Fresh processes are noisy (a busy machine, the file cache): never fewer than 7 of each.
  const count = Math.max(7, processes)
  const packages = join(import.meta.dirname, "..", "..", "packages")
  const dist = (name: string) => join(packages, name, "dist", "index.js")
  const targets = [
    { label: "effect (the baseline every Effect program pays)", specifier: "effect", cwd: join(packages, "core") },
    { label: "@ociauth/core", specifier: dist("core"), cwd: packages },
    { label: "@ociauth/fetch (the runtime and the façade)", specifier: dist("fetch"), cwd: packages },
    { label: "ociauth (batteries: every built-in adapter)", specifier: dist("ociauth"), cwd: packages }
  ]
  if (targets.some((t) => t.specifier.endsWith(".js") && !existsSync(t.specifier))) {
    return {
      title: "7. Module load",
      description: "Not measured: the packages are not built (run `pnpm build`; `pnpm bench` does).",
      table: [["module", "import CPU"]]
    }
  }
  // Plain node on the built JS: no tsx, no `@ociauth/source` condition, no inspector.
  const env = { ...process.env, NODE_OPTIONS: "" }
  const node = async <A>(script: string, cwd: string, extraEnv: Record<string, string> = {}): Promise<A> => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd, env: { ...env, ...extraEnv }, maxBuffer: 1 << 20 })
    return JSON.parse(stdout.trim().split("\n").pop()!) as A
  }
  const imports = new Map<string, Array<Cost>>()
  // Interleaved, so that no module always meets a warmer file cache.
  for (let i = 0; i < count; i++) {
    for (const t of targets) {
      const target = t.specifier.startsWith("/") ? `file://${t.specifier}` : t.specifier
      const cost = await node<Cost>(importScript(target), t.cwd)
      ;(imports.get(t.label) ?? imports.set(t.label, []).get(t.label)!).push(cost)
    }
  }
  const med = (costs: ReadonlyArray<Cost>, key: keyof Cost) => median(costs.map((c) => c[key]))
  const baseline = med(imports.get(targets[0]!.label)!, "cpu")
  const ociauth = med(imports.get(targets[3]!.label)!, "cpu")

  // The façade, against the emulator (started here: its import and its CPU are not in the measured process).
  const emulator = await RegistryEmulator.start()
  const home = mkdtempSync(join(tmpdir(), "ociauth-bench-home-"))
  // An empty docker config: the machine's credential chain runs (environment, files, helpers) and finds nothing.
  writeFileSync(join(home, "config.json"), "{}")
  type Facade = { first: Cost; second: Cost; fresh: Cost }
  const facade: Array<Facade> = []
  const bare: Array<Facade> = []
  try {
    emulator.pushImage("bench/app", "latest")
    const url = `${emulator.origin}/v2/bench/app/manifests/latest`
    const credentialEnv = { HOME: home, DOCKER_CONFIG: home, XDG_RUNTIME_DIR: home, REGISTRY_AUTH_FILE: join(home, "auth.json") }
    // Interleaved too: the façade's processes and plain fetch's meet the same machine.
    for (let i = 0; i < count; i++) {
      facade.push(await node<Facade>(facadeScript(`file://${dist("ociauth")}`, url), packages, credentialEnv))
      bare.push(await node<Facade>(bareFetchScript(url), packages))
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
    await emulator.close()
  }
  const cpu = <K extends string>(rows: ReadonlyArray<Record<K, Cost>>, key: K) => med(rows.map((r) => r[key]), "cpu")
  const wall = <K extends string>(rows: ReadonlyArray<Record<K, Cost>>, key: K) => med(rows.map((r) => r[key]), "wall")
  const first = cpu(facade, "first"), second = cpu(facade, "second"), fresh = cpu(facade, "fresh")
  const bareFirst = cpu(bare, "first"), bareSecond = cpu(bare, "second"), bareFresh = cpu(bare, "fresh")
  // Node's own cold start (undici loaded on first use, its parser's tier-up), which the façade's first request pays too.
  const fetchInit = Math.max(0, bareFirst - bareFresh)
  // What is left of the first request once the warm round trips and Node's cold start are taken out.
  const ownColdStart = Math.max(0, first - fresh - fetchInit)
  const within = (value: number, limit: number) => (value <= limit ? "met" : "not met")
  const row = (label: string, c: number, w: number | undefined, r: string, target = "") => [label, ms(c), w === undefined ? "" : ms(w), r, target]
  return {
    title: "7. Module load: importing the SDK and its first request in a cold process",
    description: [
      `Median of ${count} fresh node processes each, built JS (dist), plain node (no tsx): the CPU (user + system of the whole process, \`process.cpuUsage\`) and wall time of the dynamic import alone; then, in other fresh processes, the façade of \`ociauth\` (\`makeRegistryFetch()\`, the machine's credentials: an empty docker config) sending a manifest GET to the emulator (started by the bench, so neither its import nor its CPU is counted) twice, and, interleaved with those, plain \`fetch\` in processes of its own.`,
      `**First request ÷ second: façade ${ratio(first, second)} (target ≤ 2×: ${within(first / second, 2)}); plain fetch ${ratio(bareFirst, bareSecond)} (Node's own floor).** The target is under that floor: the first request makes three round trips and the second one, and Node's fetch itself costs ${ratio(bareFirst, bareSecond)} its second on the same round trips. What the SDK controls is its first request beside plain fetch's, in the same cold process: **${ratio(first, bareFirst)}**.`
    ].join("\n\n"),
    table: [
      ["measure", "CPU", "wall", "ratio (CPU)", "target"],
      ...targets.map((t) => {
        const costs = imports.get(t.label)!
        const c = med(costs, "cpu")
        return row(`import ${t.label}`, c, med(costs, "wall"), `${ratio(c, baseline)} effect`, t === targets[3] ? `≤ 2× effect: ${within(ociauth / baseline, 2)}` : "")
      }),
      row("façade: first request in the process (discovery, token, manifest)", first, wall(facade, "first"), `${ratio(first, second)} its second`, `≤ 2× second: ${within(first / second, 2)}`),
      row("façade: second request (token cached: the manifest alone)", second, wall(facade, "second"), "1.00×"),
      row("plain fetch (no SDK), by hand: first request in the process (the same three round trips)", bareFirst, wall(bare, "first"), `${ratio(bareFirst, bareSecond)} its second`, "Node's floor"),
      row("façade's first request ÷ plain fetch's first (both cold, the same three round trips)", first, wall(facade, "first"), `${ratio(first, bareFirst)} plain fetch's first`),
      row("plain fetch (no SDK), by hand: second request (the manifest, token reused)", bareSecond, wall(bare, "second"), "1.00×"),
      row("plain fetch (no SDK), by hand: the three round trips again, same process (warm)", bareFresh, wall(bare, "fresh"), `${ratio(bareFresh, bareSecond)} its second`),
      row("façade: a second façade's first request, same process (code warm, the same three round trips)", fresh, wall(facade, "fresh"), `${ratio(fresh, second)} façade's second`),
      row("derived: Node's cold start (plain fetch's first − its warm three round trips: undici's load, its parser's tier-up)", fetchInit, undefined, `${ratio(fetchInit, second)} façade's second`),
      row("derived: the SDK's own cold start (façade's first − the warm façade's first − Node's cold start)", ownColdStart, undefined, `${ratio(ownColdStart, second)} façade's second`)
    ],
    notes: [
      "The Node credential edge (docker config, helpers) and the cloud SDKs are imported only when a request needs them, so they are not in the import figures; the first request pays for them. The child-process spawner is loaded only when a credential helper runs: not here.",
      "The first request makes three round trips (the 401 challenge, the token, the manifest), the second one; and Node loads its fetch (undici) on the first `fetch` of a process, and V8 recompiles undici's HTTP parser (WebAssembly, on a background thread: counted in the process's CPU) once the responses of a few round trips have run through it. The plain-fetch rows do the same three round trips by hand: that floor no client on Node's fetch goes under. The warm façade's first request shows what the three round trips cost with the code warm. The derived rows take both out of the first request: what is left is the first run of the SDK's and Effect's code in the process (parsing and compiling functions on first call, the Node file-system layer's modules).",
      "`process.cpuUsage` counts every thread of the measured process (V8's background compilers and garbage collector included), and only that process."
    ]
  }
}
