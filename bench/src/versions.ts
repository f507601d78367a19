/**
 * 9. What the move to Effect 4 did (issue 27), side by side in one run with the
 * last commit on Effect 3 (CHANGELOG.md names it): the CPU of importing
 * `ociauth`, `@ociauth/fetch` and `effect` into a fresh process, the façade's
 * instructions per warm request (callgrind), and the minified + gzipped
 * browser bundle of `@ociauth/core` and the façade.
 *
 * The Effect 3 tree is `git archive`d from this repository into
 * `bench/.cache/effect3-<commit>` and installed and built there once (a few
 * minutes the first time); later runs reuse it. Both trees run the same worker
 * (`instructions-worker.ts`), whose façade and import modes use only what both
 * versions export.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { promisify } from "node:util"
import { gzipSync } from "node:zlib"
import type { Bed } from "./harness.js"
import { median, ms, ratio } from "./harness.js"
import type { Result } from "./instructions.js"
import { attempt, builtModules, prepareWorker, runCallgrind, runNative, valgrindAvailability } from "./instructions.js"
import type { Arguments } from "./instructions-worker.js"
import type { Section } from "./workloads.js"
import { npxEnv } from "../../scripts/npx-env.mjs"

const run = promisify(execFile)
const root = join(import.meta.dirname, "..", "..")

/** The last commit whose packages peer Effect 3 (CHANGELOG.md, "0.3.0"). */
export const EFFECT3_COMMIT = "d1fdfc5"

/** Where a module resolves from a folder of a tree, as `import` would resolve it there. */
const resolveFrom = async (cwd: string, specifier: string): Promise<string> => {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`], { cwd })
  return stdout.trim()
}

/** The Effect 3 tree, archived, installed and built once under bench/.cache. */
const effect3Tree = async (log: (text: string) => void): Promise<string> => {
  const directory = join(root, "bench", ".cache", `effect3-${EFFECT3_COMMIT}`)
  if (existsSync(join(directory, "packages", "ociauth", "dist", "index.js"))) return directory
  rmSync(directory, { recursive: true, force: true })
  mkdirSync(directory, { recursive: true })
  log(`9. preparing the Effect 3 tree (${EFFECT3_COMMIT}) in ${directory}: archive, install, build`)
  const archive = join(directory, "..", `effect3-${EFFECT3_COMMIT}.tar`)
  await run("git", ["-C", root, "archive", "--format=tar", `--output=${archive}`, EFFECT3_COMMIT])
  await run("tar", ["-xf", archive, "-C", directory])
  rmSync(archive)
  const options = { cwd: directory, maxBuffer: 1 << 26, timeout: 1_800_000, env: { ...npxEnv(), CI: "true", TURBO_TELEMETRY_DISABLED: "1" } }
  await run("npx", ["-y", "pnpm@10.34.9", "install", "--frozen-lockfile"], options)
  await run("npx", ["-y", "pnpm@10.34.9", "build"], options)
  return directory
}

/** The built modules of a tree, as the worker takes them. */
const modulesOf = async (tree: string, http: string): Promise<Arguments["modules"]> => {
  const core = join(tree, "packages", "core")
  return {
    ociauth: pathToFileURL(join(tree, "packages", "ociauth", "dist", "index.js")).href,
    fetch: pathToFileURL(join(tree, "packages", "fetch", "dist", "index.js")).href,
    core: pathToFileURL(join(core, "dist", "index.js")).href,
    effect: await resolveFrom(core, "effect"),
    http: await resolveFrom(core, http)
  }
}

/** Core's index and the façade, bundled for the browser, minified; the gzipped size in bytes. */
const browserBundle = async (modules: Arguments["modules"], directory: string): Promise<number> => {
  const esbuild = await import("esbuild")
  const entry = join(directory, `bundle-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(entry, `export * from ${JSON.stringify(fileURLToPath(modules.core))}\nexport { makeRegistryFetch } from ${JSON.stringify(fileURLToPath(modules.fetch))}\n`)
  const built = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    external: ["node:*"]
  })
  return gzipSync(built.outputFiles[0]!.contents, { level: 9 }).length
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`
const mega = (instructions: number) => `${(instructions / 1e6).toFixed(2)} M`

export interface Sizes {
  /** Callgrind: requests of the short run; the long one sends twice as many. */
  readonly n: number
  readonly warm: number
  /** Fresh processes per import measurement (alternating trees; the median is reported). */
  readonly imports: number
}

export const versions = async (bed: Bed, repository: string, sizes: Sizes, log: (text: string) => void): Promise<Section> => {
  const directory = mkdtempSync(join(tmpdir(), "ociauth-bench-versions-"))
  try {
    const script = await prepareWorker(directory)
    const tree = await attempt(() => effect3Tree(log))
    const trees: ReadonlyArray<{ readonly name: string; readonly modules: Result<Arguments["modules"]> }> = [
      { name: `Effect 3 (${EFFECT3_COMMIT})`, modules: tree.ok ? await attempt(() => modulesOf(tree.value, "@effect/platform")) : tree },
      { name: "Effect 4 (this tree)", modules: { ok: true, value: builtModules() } }
    ]
    const base = { repository, realm: bed.tokens.realm, service: bed.tokens.service, origin: bed.registry.origin, warm: sizes.warm }

    // Import CPU: fresh processes, alternating between the trees, the median of each.
    const imports = new Map<string, Array<number>>()
    for (let i = 0; i < sizes.imports; i++) {
      for (const { name, modules } of i % 2 === 0 ? trees : [...trees].reverse()) {
        if (!modules.ok) continue
        for (const module of ["ociauth", "fetch", "effect"] as const) {
          const outcome = await attempt(() => runNative(script, { ...base, modules: modules.value, mode: `import-${module}`, n: 0 }))
          if (outcome.ok) imports.set(`${name} ${module}`, [...(imports.get(`${name} ${module}`) ?? []), outcome.value.importCpuMs])
        }
      }
    }
    const importCpu = (name: string, module: string): Result<number> => {
      const values = imports.get(`${name} ${module}`) ?? []
      return values.length === 0 ? { ok: false, error: "no run succeeded" } : { ok: true, value: median(values) }
    }

    // Façade instructions per warm request: (I(2N) − I(N)) ÷ N under callgrind.
    const valgrind = await valgrindAvailability()
    const perRequest = async (modules: Result<Arguments["modules"]>): Promise<Result<number>> => {
      if (!modules.ok) return modules
      if (!valgrind.available) return { ok: false, error: valgrind.reason }
      return attempt(async () => {
        const [short, long] = await Promise.all([
          runCallgrind(script, { ...base, modules: modules.value, mode: "facade", n: sizes.n }),
          runCallgrind(script, { ...base, modules: modules.value, mode: "facade", n: 2 * sizes.n })
        ])
        return (long - short) / sizes.n
      })
    }
    log(`9. callgrind: the façade on both trees, ${sizes.n} and ${2 * sizes.n} warm GETs`)
    const facade = [await perRequest(trees[0]!.modules), await perRequest(trees[1]!.modules)] as const

    log("9. browser bundles (esbuild, minified, gzip -9)")
    const bundles = await Promise.all(trees.map(({ modules }) => (modules.ok ? attempt(() => browserBundle(modules.value, directory)) : Promise.resolve(modules))))

    const cell = (r: Result<number>, show: (n: number) => string) => (r.ok ? show(r.value) : `failed: ${r.error}`)
    const change = (before: Result<number>, after: Result<number>) => (before.ok && after.ok ? ratio(after.value, before.value) : "n/a")
    const [e3, e4] = trees.map((t) => t.name) as [string, string]
    const importRow = (module: "ociauth" | "fetch" | "effect", label: string) => {
      const before = importCpu(e3, module)
      const after = importCpu(e4, module)
      return [label, cell(before, ms), cell(after, ms), `**${change(before, after)}**`]
    }
    return {
      title: "9. Effect 3 → Effect 4: import CPU, façade instructions, browser bundle (issue 27)",
      description: `The same worker on two built trees: the last commit on Effect 3 (\`${EFFECT3_COMMIT}\`, archived and built under \`bench/.cache\`) and this one. Import CPU: \`process.cpuUsage()\` around one dynamic \`import()\` in a fresh plain-\`node\` process, the median of ${sizes.imports} processes per tree, alternating. Instructions: callgrind, (I(${2 * sizes.n}) − I(${sizes.n})) ÷ ${sizes.n} warm manifest GETs through \`makeRegistryFetch\` from \`ociauth\`. Bundle: esbuild, \`platform: "browser"\`, ESM, minified, \`node:*\` external, of \`@ociauth/core\`'s index and \`makeRegistryFetch\` from \`@ociauth/fetch\`, gzip -9.`,
      table: [
        ["figure", e3, e4, "Effect 4 ÷ Effect 3"],
        importRow("ociauth", "import CPU of `ociauth`"),
        importRow("fetch", "import CPU of `@ociauth/fetch`"),
        importRow("effect", "import CPU of `effect` alone (for reading the two above)"),
        ["façade, instructions per warm GET", cell(facade[0], mega), cell(facade[1], mega), `**${change(facade[0], facade[1])}**`],
        ["browser bundle of core + the façade, min + gzip", cell(bundles[0]!, kib), cell(bundles[1]!, kib), `**${change(bundles[0]!, bundles[1]!)}**`]
      ],
      notes: [
        `Node ${process.version}. The Effect 3 tree installs its own pinned dependencies (effect 3.22, @effect/platform 0.97) from its lockfile.`,
        "Re-measure this section alone: `npx -y -p node@24 -p pnpm@10.34.9 -c \"pnpm bench --only versions\"`."
      ]
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
