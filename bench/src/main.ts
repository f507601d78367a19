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
import { coldProcess, concurrency, expiry, moduleLoad, roundTrips, streaming, warmOverhead } from "./workloads.js"
import type { Section } from "./workloads.js"

const quick = process.argv.includes("--quick")
const sizes = quick
  ? { repositories: 3, concurrent: 200, heads: 1_000, streamMiB: 64, expiryMinutes: 5, coldProcesses: 3 }
  : { repositories: 10, concurrent: 1_000, heads: 10_000, streamMiB: 1_024, expiryMinutes: 30, coldProcesses: 5 }

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

const main = async () => {
  const sections: Array<Section> = []
  const log = (text: string) => process.stderr.write(`bench: ${text}\n`)
  const availability = DistributionRegistry.availability()
  if (!availability.available) {
    log(availability.reason)
  } else {
    const b = await bed()
    try {
      const repositories = Array.from({ length: sizes.repositories }, (_, i) => `bench/repo${i}`)
      log(`pushing ${repositories.length} images to the real registry`)
      for (const repository of repositories) await b.push(repository, "latest")
      log("1. round trips")
      sections.push(await roundTrips(b, repositories))
      log("2. concurrency")
      sections.push(await concurrency(b, repositories[0]!, sizes.concurrent))
      log("3. warm overhead")
      sections.push(await warmOverhead(b, repositories[0]!, sizes.heads))
    } finally {
      await b.close()
    }
  }
  log("4. streaming")
  sections.push(await streaming(sizes.streamMiB))
  log("5. expiry")
  sections.push(await expiry(sizes.expiryMinutes, 5))
  log("6. cold process")
  sections.push(await coldProcess(sizes.coldProcesses))
  log("7. module load")
  sections.push(await moduleLoad(sizes.coldProcesses))

  const report = [
    "# ociauth benchmarks",
    "",
    `Run ${new Date().toISOString()} on Node ${process.version}, ${cpus().length} CPUs${quick ? " (quick mode: smaller sizes)" : ""}; the SDK ${
      import.meta.resolve("@ociauth/fetch").includes("/dist/") ? "as built JS (dist), what users run" : "from its TypeScript sources through tsx (not built)"
    }.`,
    "Read the ratios, not the absolute times: they come from one run on one machine, peers side by side.",
    ...(availability.available ? [] : ["", `**${availability.reason}** — sections 1–3 need it.`]),
    "",
    "![requests per repository and warm CPU per request](latest.svg)",
    "",
    ...sections.map(render)
  ].join("\n")
  const out = join(import.meta.dirname, "..", "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, "latest.md"), report)
  const plots = sections.flatMap((section) => (section.plot === undefined ? [] : [section.plot]))
  if (plots.length > 0) writeFileSync(join(out, "latest.svg"), svg(plots))
  console.log(report)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
