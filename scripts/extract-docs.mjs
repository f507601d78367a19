#!/usr/bin/env node
// Extracts every ```ts block of README.md, packages/*/README.md and docs/*.md into
// docs/snippets/, one module per block, so that `tsc` type-checks the
// documentation's code and docs/test/run.test.ts runs it against the emulator.
//
// The info string says how a block runs:
//   ```ts            runs (the docs harness routes docker.io, ghcr.io, … to the emulator)
//   ```ts internet   needs the real internet: type-checked, not run
//   ```ts no-run     a fragment that is not meant to run (type-checked only)
// A block that imports "vitest" or "@effect/vitest" is a test file: it is extracted
// as <name>.test.ts and run by vitest itself.
// docs/snippets/index.json lists every block with its mode and origin.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"

const root = join(import.meta.dirname, "..")
const out = join(root, "docs", "snippets")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const modes = new Set(["run", "internet", "no-run"])
const sources = [
  join(root, "README.md"),
  ...readdirSync(join(root, "packages"))
    .map((dir) => join(root, "packages", dir, "README.md"))
    .filter((file) => existsSync(file)),
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))
]
const index = []
for (const file of sources) {
  const text = readFileSync(file, "utf8")
  const blocks = [...text.matchAll(/^```ts([^\n]*)\n([\s\S]*?)^```$/gm)]
  const prefix = file.includes(`${join(root, "packages")}`) ? `${basename(dirname(file))}-README` : basename(file, ".md")
  blocks.forEach((match, i) => {
    const line = text.slice(0, match.index).split("\n").length
    const words = match[1].trim().split(/\s+/).filter(Boolean)
    const unknown = words.filter((w) => !modes.has(w))
    if (unknown.length > 0) {
      console.error(`docs: ${relative(root, file)}:${line}: unknown info string "${unknown.join(" ")}" (known: ts, ts internet, ts no-run)`)
      process.exit(1)
    }
    const isTest = /from "(@effect\/)?vitest"/.test(match[2])
    const mode = isTest ? "test" : (words[0] ?? "run")
    const name = `${prefix}-${String(i + 1).padStart(2, "0")}${isTest ? ".test" : ""}.ts`
    const origin = `${relative(root, file)}:${line + 1}`
    writeFileSync(join(out, name), `// ${origin}\n${match[2]}\nexport {}\n`)
    index.push({ file: name, origin, mode })
  })
}
writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 2) + "\n")
const count = (mode) => index.filter((b) => b.mode === mode).length
console.log(
  `docs: ${index.length} code blocks extracted from ${sources.length} files ` +
    `(${count("run")} to run, ${count("test")} test files, ${count("internet")} need the internet, ${count("no-run")} not runnable)`
)
if (index.length === 0) process.exit(1)
