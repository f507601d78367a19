/**
 * Issue 12 §5, the bounded form run by CI: every fuzz target, seeded, a few
 * thousand inputs each; no throw, no broken invariant, no prototype pollution.
 * Timing is measured by `pnpm fuzz`, not asserted here.
 */
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { describeValue, pollution, targets } from "./fuzzing.js"

const SEED = 20_260_112
const RUNS: Record<string, number> = {
  "Challenge.parse": 3_000,
  "Scope.parse": 4_000,
  "Reference.parse": 4_000,
  "Token.Response": 3_000,
  "Token.grantedScopes": 3_000
}

describe("security: fuzzing (seeded, bounded)", () => {
  for (const target of targets) {
    it(`${target.name}: never throws, keeps its invariants, pollutes nothing`, { timeout: 30_000 }, () => {
      fc.assert(
        fc.property(target.arbitrary, (input) => {
          const broken = target.run(input) ?? pollution()
          if (broken !== undefined) throw new Error(`${broken} on ${describeValue(input)}`)
        }),
        { seed: SEED, numRuns: RUNS[target.name] ?? 2_000 }
      )
      assert.isUndefined(pollution())
      assert.isUndefined(({} as Record<string, unknown>).polluted)
    })
  }
})
