#!/usr/bin/env node
// Runs tsx with the workspace's `@ociauth/source` export condition, so that
// `@ociauth/*` imports resolve to the TypeScript sources and no build is needed.
// The condition goes through NODE_OPTIONS, so child processes (the bench's
// workers) inherit it. With `--built` first, `@ociauth/*` resolve to the built
// dist instead (what users run; the bench measures that), children included.
import { spawnSync } from "node:child_process"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const condition = "--conditions=@ociauth/source"
const built = process.argv[2] === "--built"
const nodeOptions = (process.env.NODE_OPTIONS ?? "").replace(condition, "").trim()
const env = built
  ? { ...process.env, NODE_OPTIONS: nodeOptions, TSX_TSCONFIG_PATH: join(root, "bench", "tsconfig.dist.json") }
  : { ...process.env, NODE_OPTIONS: `${nodeOptions} ${condition}`.trim() }
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs")
const run = spawnSync(process.execPath, [tsx, ...process.argv.slice(built ? 3 : 2)], { stdio: "inherit", env })
process.exit(run.status ?? 1)
