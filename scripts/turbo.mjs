#!/usr/bin/env node
// Runs turbo with its telemetry off (for `check`, `typecheck` and `build`, not only in CI).
import { spawnSync } from "node:child_process"
import { join } from "node:path"

const turbo = join(import.meta.dirname, "..", "node_modules", "turbo", "bin", "turbo")
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }
const run = spawnSync(process.execPath, [turbo, ...process.argv.slice(2)], { stdio: "inherit", env })
process.exit(run.status ?? 1)
