#!/usr/bin/env node
// Removes the current package's dist/ before a build, so that a module deleted from
// src/ can never be published from a stale build.
import { rmSync } from "node:fs"

rmSync("dist", { recursive: true, force: true })
