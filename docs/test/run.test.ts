/**
 * Runs the documentation's code blocks (extracted to docs/snippets/ by
 * scripts/extract-docs.mjs) against the emulator through the docs harness. A
 * block that throws or rejects fails its test. Blocks marked `internet` or
 * `no-run` are skipped and counted; test-file blocks run as vitest files.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Harness from "./harness.js"

interface Block {
  readonly file: string
  readonly origin: string
  readonly mode: "run" | "internet" | "no-run" | "test"
}

const snippets = join(import.meta.dirname, "..", "snippets")
const blocks: ReadonlyArray<Block> = JSON.parse(readFileSync(join(snippets, "index.json"), "utf8"))

describe("docs: every runnable code block runs against the emulator", () => {
  let harness: Harness.Harness
  beforeAll(async () => {
    harness = await Harness.start()
  })
  afterAll(async () => {
    await harness.close()
    const skipped = blocks.filter((b) => b.mode === "internet" || b.mode === "no-run")
    console.log(
      `docs: ${blocks.filter((b) => b.mode === "run").length} blocks run, ${blocks.filter((b) => b.mode === "test").length} run as test files, ` +
        `${skipped.length} skipped` + (skipped.length > 0 ? ` (${skipped.map((b) => `${b.origin} ${b.mode}`).join(", ")})` : "")
    )
  })

  it("has blocks to run", () => {
    assert.isAbove(blocks.filter((b) => b.mode === "run").length, 10)
  })

  for (const block of blocks) {
    if (block.mode !== "run") continue
    it(block.origin, async () => {
      await import(/* @vite-ignore */ join(snippets, block.file))
    })
  }
})
