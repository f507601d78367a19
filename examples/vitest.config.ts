import { defineProject } from "vitest/config"
import { budget, resolveSources } from "../vitest.shared.js"

export default defineProject({
  ...resolveSources,
  test: {
    name: "examples",
    include: ["test/**/*.test.ts"],
    testTimeout: budget(60_000),
    hookTimeout: budget(60_000)
  }
})
