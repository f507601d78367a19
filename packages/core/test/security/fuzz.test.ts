/**
 * Issue 12 §5, the bounded form run by CI: every fuzz target, seeded, a few
 * thousand inputs each; no throw, no broken invariant, no prototype pollution.
 * Timing is measured by `pnpm fuzz`, not asserted here.
 */
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect } from "effect"
import { budget } from "../../../../vitest.shared.js"
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
    it.effect(`${target.name}: never throws, keeps its invariants, pollutes nothing`, () =>
      Effect.gen(function* () {
        const result = yield* Arbitrary.checkEffect(
          target.arbitrary,
          (input) =>
            // a throw out of `run` is a crash of the API under test: a falsification, shrunk like a broken invariant
            Effect.try({ try: () => target.run(input) ?? pollution(), catch: (error) => `threw ${String(error)}` }).pipe(
              Effect.flatMap((broken) => (broken === undefined ? Effect.succeed(true) : Effect.fail(broken))),
              Effect.mapError((broken) => new Error(`${broken} on ${describeValue(input)}`))
            ),
          { seed: SEED, runs: RUNS[target.name] ?? 2_000 }
        )
        assert.isUndefined(Arbitrary.formatCheckFailure(result))
        assert.strictEqual(result._tag, "Passed")
        assert.isUndefined(pollution())
        assert.isUndefined(({} as Record<string, unknown>).polluted)
      }), { timeout: budget(30_000) })
  }
})
