import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { defineProject } from "vitest/config"
import { budget, resolveSources } from "../vitest.shared.js"

// The blocks are extracted afresh before every run (docs/snippets/ is generated).
execFileSync(process.execPath, [join(import.meta.dirname, "..", "scripts", "extract-docs.mjs")], { stdio: "inherit" })

export default defineProject({
  ...resolveSources,
  test: {
    name: "docs",
    include: ["test/**/*.test.ts", "snippets/*.test.ts"],
    testTimeout: budget(60_000),
    hookTimeout: budget(60_000)
  }
})
