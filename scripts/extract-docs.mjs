#!/usr/bin/env node
// Extracts every ```ts block of docs/*.md and README.md into docs/snippets/, one
// module per block, so that `tsc` type-checks the documentation's code.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"

const root = join(import.meta.dirname, "..")
const out = join(root, "docs", "snippets")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const sources = [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))]
let count = 0
for (const file of sources) {
  const text = readFileSync(file, "utf8")
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
  blocks.forEach((match, i) => {
    const line = text.slice(0, match.index).split("\n").length
    const name = `${basename(file, ".md")}-${String(i + 1).padStart(2, "0")}.ts`
    writeFileSync(join(out, name), `// ${basename(file)}:${line + 1}\n${match[1]}\nexport {}\n`)
    count++
  })
}
console.log(`docs: ${count} code blocks extracted from ${sources.length} files`)
if (count === 0) process.exit(1)
