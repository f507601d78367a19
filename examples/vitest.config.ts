import { defineProject } from "vitest/config"
import { resolveSources } from "../vitest.shared.js"

export default defineProject({
  ...resolveSources,
  test: {
    name: "examples",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
