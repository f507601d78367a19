import { defineProject } from "vitest/config"
import { budget, resolveSources } from "../../vitest.shared.js"

export default defineProject({
  ...resolveSources,
  test: {
    name: "nvcr",
    include: ["test/**/*.test.ts"],
    testTimeout: budget(30_000),
    hookTimeout: budget(30_000)
  }
})
