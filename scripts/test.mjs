#!/usr/bin/env node
// Runs every vitest project and closes with a plain "N passed, N failed" line that
// CI reads. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join, relative } from "node:path"

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
  // A file that fails to load or collect has no failed test of its own: it counts
  // as one failure, so that the line below never says "0 failed" when vitest failed.
  const brokenFiles = (results.testResults ?? []).filter(
    (file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed")
  )
  const failed = results.numFailedTests + brokenFiles.length
  summary = `tests: ${results.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : "")
  if (brokenFiles.length > 0) {
    const names = brokenFiles.map((file) => relative(root, file.name)).join(", ")
    summary += ` (${brokenFiles.length} test file${brokenFiles.length === 1 ? "" : "s"} failed outside any test: ${names})`
  }
  if (results.numTotalTests === 0 && brokenFiles.length === 0) summary = "tests: 0 passed, 0 failed (no test ran)"
} catch {}
if (run.status !== 0 && /, 0 failed/.test(summary)) summary += ` (vitest exited with ${run.status ?? run.signal})`
console.log(summary)
process.exit(run.status ?? 1)
