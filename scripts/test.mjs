#!/usr/bin/env node
// Runs every vitest project and closes with a plain "N passed, N failed" line that
// CI reads. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const outDir = join(root, "node_modules", ".cache", "ociauth")
const outFile = join(outDir, "vitest-results.json")
mkdirSync(outDir, { recursive: true })
rmSync(outFile, { force: true })

const vitest = join(root, "node_modules", "vitest", "vitest.mjs")
const run = spawnSync(
  process.execPath,
  [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${outFile}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" }
)

let summary = "tests: no results were written"
try {
  const results = JSON.parse(readFileSync(outFile, "utf8"))
  const skipped = results.numPendingTests + results.numTodoTests
  summary = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed` + (skipped > 0 ? `, ${skipped} skipped` : "")
  if (results.numTotalTests === 0) summary = "tests: 0 passed, 0 failed (no test ran)"
} catch {}
console.log(summary)
process.exit(run.status ?? 1)
