/**
 * `pnpm bench`: measures ociauth side by side with a peer in one run, writes
 * bench/results/latest.md and prints it. Figures are ratios from one run on one
 * machine; nothing here passes or fails on a number.
 */
import { cpus } from "node:os"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DistributionRegistry } from "@ociauth/testing"
import { bed } from "./harness.js"
import { svg } from "./plot.js"
import { instructions } from "./instructions.js"
import { versions } from "./versions.js"
import { moduleLoad } from "./moduleLoad.js"
import { coldProcess, concurrency, expiry, roundTrips, streaming, warmOverhead } from "./workloads.js"
import type { Section } from "./workloads.js"

const quick = process.argv.includes("--quick")
const sizes = quick
  ? { repositories: 3, concurrent: 200, heads: 1_000, streamMiB: 64, expiryMinutes: 5, coldProcesses: 3 }
  : { repositories: 10, concurrent: 1_000, heads: 10_000, streamMiB: 1_024, expiryMinutes: 30, coldProcesses: 5 }
const instructionSizes = quick
  ? { n: 100, warm: 50, rssLoop: 1_000, coldProcesses: 3, heads: 200 }
  : { n: 200, warm: 100, rssLoop: 2_000, coldProcesses: 5, heads: 200 }

const versionSizes = quick ? { n: 100, warm: 50, imports: 5 } : { n: 200, warm: 100, imports: 9 }

/** The sections by name, for `--only name[,name…]`. */
const names = ["round-trips", "concurrency", "warm", "streaming", "expiry", "cold-process", "module-load", "instructions", "versions"] as const
type Name = (typeof names)[number]
const onlyIndex = process.argv.indexOf("--only")
const only = onlyIndex < 0 ? undefined : new Set((process.argv[onlyIndex + 1] ?? "").split(",").filter((n) => n !== ""))
if (only !== undefined) {
  const unknown = [...only].filter((n) => !(names as ReadonlyArray<string>).includes(n))
  if (only.size === 0 || unknown.length > 0) {
    console.error(`--only takes section names separated by commas: ${names.join(", ")}${unknown.length > 0 ? ` (not one: ${unknown.join(", ")})` : ""}`)
    process.exit(2)
  }
}
const wanted = (name: Name) => only === undefined || only.has(name)

const render = (section: Section): string => {
  const [header, ...rows] = section.table
  const line = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  return [
    `## ${section.title}`,
    "",
    section.description,
    "",
    line(header!),
    line(header!.map(() => "---")),
    ...rows.map(line),
    "",
    ...(section.notes ?? []).map((note) => `- ${note}`),
    ""
  ].join("\n")
}

const log = (text: string) => process.stderr.write(`bench: ${text}\n`)

/**
 * Runs one section; a section that fails (one of its clients failed in a way
 * the section itself does not report) becomes a section that says so, and the
 * bench goes on with the next.
 */
const section = async (name: Name, title: string, work: () => Promise<Section>): Promise<ReadonlyArray<Section>> => {
  if (!wanted(name)) return []
  log(title)
  try {
    return [await work()]
  } catch (error) {
    const reason = String(error instanceof Error ? (error.stack ?? error.message) : error).split("\n").slice(0, 3).join(" ")
    log(`${title} failed: ${reason}`)
    return [{ title: `${title} — failed`, description: "This section failed and was not measured; the others were.", table: [["reason"], [reason.replaceAll("|", "\\|")]] }]
  }
}

const main = async () => {
  const sections: Array<Section> = []
  const availability = DistributionRegistry.availability()
  const needsRegistry = names.slice(0, 3).some(wanted) || wanted("instructions") || wanted("versions")
  if (!availability.available) {
    log(availability.reason)
  } else if (needsRegistry) {
    const b = await bed()
    try {
      // Only round trips read more than one repository.
      const repositories = Array.from({ length: wanted("round-trips") ? sizes.repositories : 1 }, (_, i) => `bench/repo${i}`)
      log(`pushing ${repositories.length} images to the real registry`)
      for (const repository of repositories) await b.push(repository, "latest")
      sections.push(...(await section("round-trips", "1. round trips", () => roundTrips(b, repositories))))
      sections.push(...(await section("concurrency", "2. concurrency", () => concurrency(b, repositories[0]!, sizes.concurrent))))
      sections.push(...(await section("warm", "3. warm overhead", () => warmOverhead(b, repositories[0]!, sizes.heads))))
      sections.push(...(await section("instructions", "8. instructions, memory and cold CPU against the floors", () => instructions(b, repositories[0]!, instructionSizes, log))))
      sections.push(...(await section("versions", "9. Effect 3 → Effect 4", () => versions(b, repositories[0]!, versionSizes, log))))
    } finally {
      await b.close()
    }
  }
  sections.push(...(await section("streaming", "4. streaming", () => streaming(sizes.streamMiB))))
  sections.push(...(await section("expiry", "5. expiry", () => expiry(sizes.expiryMinutes, 5))))
  sections.push(...(await section("cold-process", "6. cold process", () => coldProcess(sizes.coldProcesses))))
  sections.push(...(await section("module-load", "7. module load", () => moduleLoad(sizes.coldProcesses))))
  // In the order of their numbers (8 runs beside 1–3, while the registry is up).
  sections.sort((a, b) => Number.parseInt(a.title) - Number.parseInt(b.title))
  // A partial run (--only) does not overwrite the full report.
  const stem = only === undefined ? "latest" : `latest-${[...only].join("-")}`
  const plots = sections.flatMap((s) => (s.plot === undefined ? [] : [s.plot]))

  const report = [
    "# ociauth benchmarks",
    "",
    `Run ${new Date().toISOString()} on Node ${process.version}, ${cpus().length} CPUs${quick ? " (quick mode: smaller sizes)" : ""}; the SDK ${
      import.meta.resolve("@ociauth/fetch").includes("/dist/") ? "as built JS (dist), what users run" : "from its TypeScript sources through tsx (not built)"
    }.`,
    "Read the ratios, not the absolute times: they come from one run on one machine, peers side by side.",
    ...(only === undefined ? [] : ["", `Only: ${[...only].join(", ")} (\`--only\`).`]),
    ...(availability.available ? [] : ["", `**${availability.reason}** — sections 1–3 and 8 need it.`]),
    "",
    ...(plots.length > 0 ? [`![requests per repository and warm CPU per request](${stem}.svg)`, ""] : []),
    ...sections.map(render)
  ].join("\n")
  const out = join(import.meta.dirname, "..", "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, `${stem}.md`), report)
  if (plots.length > 0) writeFileSync(join(out, `${stem}.svg`), svg(plots))
  console.log(report)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
