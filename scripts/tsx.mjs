#!/usr/bin/env node
// Runs tsx with the workspace's `@ociauth/source` export condition, so that
// `@ociauth/*` imports resolve to the TypeScript sources and no build is needed.
// The condition goes through NODE_OPTIONS, so child processes (the bench's
// workers) inherit it.
import { spawnSync } from "node:child_process"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const condition = "--conditions=@ociauth/source"
const nodeOptions = process.env.NODE_OPTIONS ?? ""
const env = { ...process.env, NODE_OPTIONS: nodeOptions.includes(condition) ? nodeOptions : `${nodeOptions} ${condition}`.trim() }
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs")
const run = spawnSync(process.execPath, [tsx, ...process.argv.slice(2)], { stdio: "inherit", env })
process.exit(run.status ?? 1)
