/**
 * `pnpm fuzz`: the long fuzz campaign of issue 12 over the parsers that read
 * what servers and users send (the targets of
 * packages/core/test/security/fuzzing.ts, whose seeded, bounded form CI runs).
 * Times every input on its own and prints, per target: inputs, throws, broken
 * invariants, slowest input, inputs over 50 ms, prototype pollution.
 *
 *   pnpm fuzz                      1,000,000 inputs, seed 1
 *   pnpm fuzz --inputs 200000 --seed 7
 *
 * Exits 1 when anything was found. An input's time is its first run, or, when
 * that took over 2 ms, the fastest of four runs: a GC pause or a busy machine
 * is not the input's cost. "raw" is the slowest first run, pauses included.
 */
import { performance } from "node:perf_hooks"
import { Arbitrary, Effect } from "effect"
import { describeValue, pollution, targets } from "../../packages/core/test/security/fuzzing.js"
import type { Target } from "../../packages/core/test/security/fuzzing.js"

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? Number.NaN : Number(process.argv[at + 1])
  return Number.isFinite(value) ? value : fallback
}

const total = argument("inputs", 1_000_000)
const seed = argument("seed", 1)
const SLOW_MS = 50
const RETIME_MS = 2
const BATCH = 5_000
/** Share of the inputs per target: the Challenge parser reads the most hostile input. */
const shares: Record<string, number> = {
  "Challenge.parse": 0.3,
  "Scope.parse": 0.2,
  "Reference.parse": 0.2,
  "Token.Response": 0.2,
  "Token.grantedScopes": 0.1
}

interface Finding {
  readonly kind: "throw" | "invariant" | "slow" | "pollution"
  readonly detail: string
  readonly input: string
}

interface Tally {
  readonly target: string
  inputs: number
  throws: number
  broken: number
  slow: number
  pollution: number
  slowestMs: number
  slowestInput: string
  rawMs: number
  totalMs: number
  readonly findings: Array<Finding>
}

const timeOnce = (target: Target, input: unknown): number => {
  const start = performance.now()
  try {
    target.run(input)
  } catch {
    // counted on the first run
  }
  return performance.now() - start
}

const fuzz = (target: Target, inputs: number, targetSeed: number): Tally => {
  const tally: Tally = {
    target: target.name, inputs: 0, throws: 0, broken: 0, slow: 0, pollution: 0,
    slowestMs: 0, slowestInput: "", rawMs: 0, totalMs: 0, findings: []
  }
  const note = (finding: Finding) => {
    if (tally.findings.length < 5) tally.findings.push(finding)
  }
  for (let batch = 0; tally.inputs < inputs; batch++) {
    const count = Math.min(BATCH, inputs - tally.inputs)
    const sample = Effect.runSync(Arbitrary.sampleEffect(target.arbitrary, { seed: targetSeed * 1_000_003 + batch, count }))
    for (const input of sample) {
      tally.inputs++
      const start = performance.now()
      let broken: string | undefined
      try {
        broken = target.run(input)
      } catch (error) {
        tally.throws++
        note({ kind: "throw", detail: String(error), input: describeValue(input) })
      }
      const elapsed = performance.now() - start
      tally.totalMs += elapsed
      if (broken !== undefined) {
        tally.broken++
        note({ kind: "invariant", detail: broken, input: describeValue(input) })
      }
      tally.rawMs = Math.max(tally.rawMs, elapsed)
      const settled = elapsed > RETIME_MS
        ? Math.min(elapsed, timeOnce(target, input), timeOnce(target, input), timeOnce(target, input))
        : elapsed
      if (settled > SLOW_MS) {
        tally.slow++
        note({ kind: "slow", detail: `${settled.toFixed(1)} ms at best of 4 runs`, input: describeValue(input) })
      }
      if (settled > tally.slowestMs) {
        tally.slowestMs = settled
        tally.slowestInput = describeValue(input)
      }
    }
    const polluted = pollution()
    if (polluted !== undefined) {
      tally.pollution++
      note({ kind: "pollution", detail: polluted, input: `batch ${batch}` })
    }
  }
  return tally
}

const pad = (value: string | number, width: number) => String(value).padStart(width)

console.log(`fuzz: ${total.toLocaleString("en")} inputs, seed ${seed}, node ${process.version}`)
const started = performance.now()
const tallies = targets.map((target, k) => {
  const tally = fuzz(target, Math.round(total * (shares[target.name] ?? 0.1)), seed + k)
  console.log(
    `${tally.target.padEnd(20)} inputs ${pad(tally.inputs.toLocaleString("en"), 9)}  throws ${tally.throws}  broken ${tally.broken}` +
      `  slowest ${tally.slowestMs.toFixed(2)} ms (raw ${tally.rawMs.toFixed(1)})  over ${SLOW_MS} ms ${tally.slow}` +
      `  pollution ${tally.pollution}` +
      `  mean ${((tally.totalMs / Math.max(tally.inputs, 1)) * 1000).toFixed(1)} µs`
  )
  return tally
})
const sum = (pick: (t: Tally) => number) => tallies.reduce((acc, t) => acc + pick(t), 0)
const slowest = tallies.reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a))
const finalPollution = pollution()
console.log(
  `total                inputs ${pad(sum((t) => t.inputs).toLocaleString("en"), 9)}  throws ${sum((t) => t.throws)}` +
    `  broken ${sum((t) => t.broken)}  slowest ${slowest.slowestMs.toFixed(2)} ms (${slowest.target};` +
    ` raw ${Math.max(...tallies.map((t) => t.rawMs)).toFixed(1)})` +
    `  over ${SLOW_MS} ms ${sum((t) => t.slow)}  pollution ${sum((t) => t.pollution) + (finalPollution === undefined ? 0 : 1)}` +
    `  in ${((performance.now() - started) / 1000).toFixed(1)} s`
)
console.log(`slowest input: ${slowest.slowestInput}`)
for (const tally of tallies) {
  for (const finding of tally.findings) console.log(`  ${tally.target} ${finding.kind}: ${finding.detail} on ${finding.input}`)
}
const found = sum((t) => t.throws + t.broken + t.slow + t.pollution) + (finalPollution === undefined ? 0 : 1)
process.exit(found === 0 ? 0 : 1)
