/**
 * 8. The one path's cost against its floors (issue 25): instructions per warm
 * request under callgrind, warm-loop peak RSS, and the in-process CPU of a cold
 * pull and of 200 concurrent cold HEADs, each beside its target and the
 * figure the issue measured. Every client runs `instructions-worker.ts` in a
 * process of its own, as plain `node` on the built JS.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { promisify } from "node:util"
import type { Bed } from "./harness.js"
import { median, ms, ratio } from "./harness.js"
import type { Arguments, Mode, Outcome } from "./instructions-worker.js"
import type { Section } from "./workloads.js"

const run = promisify(execFile)
const bench = join(import.meta.dirname, "..")
const packages = join(bench, "..", "packages")

export interface Sizes {
  /** Callgrind: requests of the short run; the long one sends twice as many. */
  readonly n: number
  /** Requests before the measured ones, in every warm run. */
  readonly warm: number
  /** Native runs: requests of the warm loop whose peak RSS is read. */
  readonly rssLoop: number
  /** Native runs: processes per cold workload and client (the median is reported). */
  readonly coldProcesses: number
  /** Concurrent cold HEADs. */
  readonly heads: number
}

/** The figures issue 25 measured, printed beside this run's. */
const today = {
  facade: "4.16 M vs 2.12 M (1.96×)",
  client: "1.07×",
  transport: "≈ 2×",
  rss: "195–205 vs 117–125 MiB (≈ 1.6×)",
  pull: "350 ms",
  heads: "814 ms"
} as const

/** Valgrind's version, or why there is none. */
export const valgrindAvailability = async (): Promise<{ readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string }> =>
  run("valgrind", ["--version"]).then(
    (r) => ({ available: true as const, version: r.stdout.trim() }),
    () => ({ available: false as const, reason: "valgrind is not installed (apt-get install -y valgrind): the instruction counts are skipped" })
  )

/** The worker (and the one module it imports) as JavaScript in a temporary folder. */
export const prepareWorker = async (directory: string): Promise<string> => {
  const ts = (await import("typescript")).default
  for (const name of ["instructions-worker", "token"]) {
    const source = readFileSync(join(import.meta.dirname, `${name}.ts`), "utf8")
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: `${name}.ts`
    })
    writeFileSync(join(directory, `${name}.js`), outputText)
  }
  writeFileSync(join(directory, "package.json"), JSON.stringify({ type: "module" }))
  return join(directory, "instructions-worker.js")
}

/** The URLs of this workspace's built modules the worker loads. */
export const builtModules = (): Arguments["modules"] => {
  const ociauth = join(packages, "ociauth", "dist", "index.js")
  if (!existsSync(ociauth)) throw new Error("the ociauth package is not built (run `pnpm build`; `pnpm bench` does)")
  const modules = {
    ociauth: pathToFileURL(ociauth).href,
    fetch: import.meta.resolve("@ociauth/fetch"),
    core: import.meta.resolve("@ociauth/core"),
    effect: import.meta.resolve("effect"),
    http: import.meta.resolve("effect/http")
  }
  if (!modules.fetch.includes("/dist/")) throw new Error("@ociauth/fetch resolves to its sources: run the bench with --built (`pnpm bench` does)")
  return modules
}

/** Runs the worker natively: its one JSON line. */
export const runNative = async (script: string, args: Arguments): Promise<Outcome> => {
  const { stdout } = await run(process.execPath, [script, JSON.stringify(args)], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
    env: { ...process.env, NODE_OPTIONS: "" }
  })
  return JSON.parse(stdout.trim().split("\n").pop()!) as Outcome
}

let dumps = 0
/** Runs the worker under callgrind: the instructions of the whole process. */
export const runCallgrind = async (script: string, args: Arguments): Promise<number> => {
  const file = join(dirname(script), `callgrind.${args.mode}.${args.n}.${dumps++}.out`)
  await run("valgrind", ["--tool=callgrind", `--callgrind-out-file=${file}`, process.execPath, script, JSON.stringify(args)], {
    maxBuffer: 1 << 22,
    timeout: 3_600_000,
    env: { ...process.env, NODE_OPTIONS: "" }
  })
  const total = /^(?:summary|totals):\s*(\d+)/m.exec(readFileSync(file, "utf8"))
  if (total === null) throw new Error(`no summary/totals line in ${file}`)
  return Number(total[1])
}

/** The reason a worker gave on stderr, without valgrind's own lines. */
const reason = (error: unknown): string => {
  const stderr = String((error as { stderr?: string }).stderr ?? "")
  const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !/^==\d+==/.test(l))
  return (lines.at(-1) ?? String(error).split("\n")[0] ?? "unknown").slice(0, 200)
}

export type Result<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }
export const attempt = <A>(work: () => Promise<A>): Promise<Result<A>> =>
  work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: reason(error) })
  )

const mega = (instructions: number) => `${(instructions / 1e6).toFixed(2)} M`
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`

export const instructions = async (bed: Bed, repository: string, sizes: Sizes, log: (text: string) => void): Promise<Section> => {
  const directory = mkdtempSync(join(tmpdir(), "ociauth-bench-instructions-"))
  try {
    const script = await prepareWorker(directory)
    const modules = builtModules()
    const base = { repository, realm: bed.tokens.realm, service: bed.tokens.service, warm: sizes.warm, modules }
    const native = (args: Arguments) => runNative(script, args)
    const callgrind = (args: Arguments) => runCallgrind(script, args)

    // Instructions per warm request: (I(2N) − I(N)) / N; start-up, imports and warm-up cancel out.
    const valgrind = await valgrindAvailability()
    const perRequest = async (mode: Mode): Promise<Result<number>> => {
      if (!valgrind.available) return { ok: false, error: "valgrind is not installed" }
      log(`8. callgrind: ${mode}, ${sizes.n} and ${2 * sizes.n} warm GETs`)
      // The two runs side by side: instruction counts do not depend on what else the machine runs.
      return attempt(async () => {
        const [short, long] = await Promise.all([
          callgrind({ ...base, origin: bed.registry.origin, mode, n: sizes.n }),
          callgrind({ ...base, origin: bed.registry.origin, mode, n: 2 * sizes.n })
        ])
        return (long! - short!) / sizes.n
      })
    }
    const counts = {} as Record<"facade" | "fetch" | "client" | "transport", Result<number>>
    for (const mode of ["fetch", "facade", "transport", "client"] as const) counts[mode] = await perRequest(mode)

    // Warm-loop peak RSS, natively: alternating, the median of three processes each.
    log(`8. peak RSS of ${sizes.rssLoop} warm GETs`)
    const rss: Record<"facade" | "fetch", Array<Result<Outcome>>> = { facade: [], fetch: [] }
    for (let i = 0; i < 3; i++) {
      for (const mode of i % 2 === 0 ? (["facade", "fetch"] as const) : (["fetch", "facade"] as const)) {
        rss[mode].push(await attempt(() => native({ ...base, origin: bed.registry.origin, mode, n: sizes.rssLoop })))
      }
    }

    // Cold: in-process CPU (after the imports), natively, through the counting proxy; the median of the processes.
    const cold = async (mode: Mode, n: number) => {
      const runs: Array<Result<Outcome & { readonly registry: number; readonly tokens: number }>> = []
      for (let i = 0; i < sizes.coldProcesses; i++) {
        bed.proxy.reset()
        bed.tokens.log.clear()
        const outcome = await attempt(() => native({ ...base, origin: bed.proxy.origin, mode, n }))
        runs.push(outcome.ok ? { ok: true, value: { ...outcome.value, registry: bed.proxy.requests, tokens: bed.tokens.log.count() } } : outcome)
      }
      return runs
    }
    log(`8. cold pull and ${sizes.heads} cold HEADs, ${sizes.coldProcesses} processes each`)
    const pulls = { facade: await cold("facade-pull", 1), fetch: await cold("fetch-pull", 1) }
    const headRuns = { facade: await cold("facade-heads", sizes.heads), fetch: await cold("fetch-heads", sizes.heads) }

    const succeeded = <A>(runs: ReadonlyArray<Result<A>>): ReadonlyArray<A> => runs.flatMap((r) => (r.ok ? [r.value] : []))
    const failures = <A>(runs: ReadonlyArray<Result<A>>): string => {
      const failed = runs.flatMap((r) => (r.ok ? [] : [r.error]))
      return failed.length === 0 ? "" : ` (${failed.length} of ${runs.length} failed: ${failed[0]})`
    }
    const cell = (r: Result<number>, show: (n: number) => string) => (r.ok ? show(r.value) : `failed: ${r.error}`)
    const both = (a: Result<number>, b: Result<number>) => (a.ok && b.ok ? ratio(a.value, b.value) : "n/a")
    const medianOf = <A>(runs: ReadonlyArray<Result<A>>, pick: (a: A) => number): Result<number> => {
      const values = succeeded(runs).map(pick)
      return values.length === 0 ? { ok: false, error: failures(runs).trim() || "no run" } : { ok: true, value: median(values) }
    }
    const rssFacade = medianOf(rss.facade, (o) => o.peakRssKiB)
    const rssFetch = medianOf(rss.fetch, (o) => o.peakRssKiB)
    const coldCell = (runs: ReadonlyArray<Result<Outcome & { registry: number; tokens: number }>>) => {
      const cpu = medianOf(runs, (o) => o.cpuMs)
      const done = succeeded(runs)
      if (!cpu.ok) return `failed: ${cpu.error}`
      const requests = [...new Set(done.map((o) => `${o.registry} registry + ${o.tokens} token`))].join(" or ")
      return `${ms(cpu.value)} (${requests} requests)${failures(runs)}`
    }
    const coldRatio = (a: ReadonlyArray<Result<Outcome>>, b: ReadonlyArray<Result<Outcome>>) => both(medianOf(a, (o) => o.cpuMs), medianOf(b, (o) => o.cpuMs))
    const valgrindNote = valgrind.available ? `${valgrind.version}, ` : ""

    const table = [
      ["figure", "ociauth", "floor", "ratio", "target", "today (issue 25)"],
      [
        "**warm GET, instructions per request**: the façade (`makeRegistryFetch` from `ociauth`) ÷ raw `fetch` + fixed token",
        cell(counts.facade, mega),
        cell(counts.fetch, mega),
        `**${both(counts.facade, counts.fetch)}**`,
        "≤ 1.25×",
        today.facade
      ],
      [
        "**warm GET, instructions per request**: `RegistryClient` (Effect API) ÷ its transport (`FetchHttpClient`) + fixed token",
        cell(counts.client, mega),
        cell(counts.transport, mega),
        `**${both(counts.client, counts.transport)}**`,
        "≤ 1.05×",
        today.client
      ],
      [
        "warm GET, instructions per request: the transport (`FetchHttpClient`) + fixed token ÷ raw `fetch` + fixed token (for reading the two above)",
        cell(counts.transport, mega),
        cell(counts.fetch, mega),
        both(counts.transport, counts.fetch),
        "—",
        today.transport
      ],
      [
        `**peak RSS of ${sizes.rssLoop.toLocaleString("en")} warm GETs** (VmHWM, median of 3 processes): the façade ÷ raw \`fetch\``,
        cell(rssFacade, mib) + failures(rss.facade),
        cell(rssFetch, mib) + failures(rss.fetch),
        `**${both(rssFacade, rssFetch)}**`,
        "≤ 1.3×",
        today.rss
      ],
      [
        `**cold pull of one image** (manifest, config, layer; realm discovered), in-process CPU, median of ${sizes.coldProcesses} processes: the façade ÷ by hand with raw \`fetch\``,
        coldCell(pulls.facade),
        coldCell(pulls.fetch),
        coldRatio(pulls.facade, pulls.fetch),
        "≤ 175 ms (half of today), requests at the limit",
        today.pull
      ],
      [
        `**${sizes.heads} concurrent cold HEADs** of one manifest, in-process CPU, median of ${sizes.coldProcesses} processes: the façade ÷ by hand with raw \`fetch\``,
        coldCell(headRuns.facade),
        coldCell(headRuns.fetch),
        coldRatio(headRuns.facade, headRuns.fetch),
        "≤ 407 ms (half of today), requests at the limit",
        today.heads
      ]
    ]
    const importCpu = medianOf(pulls.facade, (o) => o.importCpuMs)
    return {
      title: "8. The one path against its floors: instructions, memory, cold CPU (issue 25)",
      description: `Every client in a process of its own, plain \`node\` on the built JS (no tsx). Instructions: \`valgrind --tool=callgrind\` (${valgrindNote}deterministic on a busy machine) counts every instruction of the worker process, all threads; per request = (I(${2 * sizes.n}) − I(${sizes.n})) ÷ ${sizes.n}, from two runs that differ only in the number of measured warm manifest GETs (bodies read, after ${sizes.warm} warm-up requests), so process start-up, imports and warm-up cancel out. Warm runs go straight to the real distribution registry; cold runs through the counting proxy (requests counted there and in the token server's log). RSS and cold CPU are native runs (no valgrind); cold CPU is \`process.cpuUsage()\` from building the client to the last body read, after the imports.`,
      table,
      notes: [
        ...(valgrind.available ? [] : [`**${valgrind.reason}.** The RSS and cold-CPU rows are still measured.`]),
        "Floors: raw `fetch` (undici) carrying a token minted once (and renewed at 80 % of its lifetime, outside the measured requests); for `RegistryClient`, the same Effect transport it runs on (`RegistryClient.layerFetchTransport`, i.e. `FetchHttpClient`) carrying that token. The cold floors discover the realm with one unauthenticated HEAD, ask for one token, then send the same useful requests with it: the physical limit of requests.",
        `The façade is the batteries package (\`ociauth\`: every built-in adapter), \`credentials: {}\` (anonymous pull; the machine's docker config is not read), realm discovered from the registry's challenge. Importing it cost ${importCpu.ok ? ms(importCpu.value) : "n/a"} of CPU in the cold-pull processes (not in the cold figures).`,
        `Instruction counts vary a little with garbage-collection and JIT timing: two identical runs have differed by up to ± ${sizes.n >= 200 ? 3 : 6} % per request at this N; a ratio within a few per cent of its target is at the target (re-run to tell).`,
        "Today's figures are the ones issue 25 was filed with (another machine and run): compare the ratios, not the absolute values.",
        "Re-measure this section alone: `npx -y pnpm@10.34.9 bench --only instructions` (builds, then runs only this section)."
      ]
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

