import { defineProject } from "vitest/config"
import { budget, resolveSources } from "../../vitest.shared.js"

export default defineProject({
  ...resolveSources,
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    testTimeout: budget(5_000),
    hookTimeout: budget(10_000)
  }
})
