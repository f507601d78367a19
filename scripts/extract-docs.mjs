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
//
// Every ```ts block of a JSDoc comment in packages/*/src/**/*.ts (the examples IDE
// hovers and the .d.ts files show) is extracted too, as jsdoc-<package>-<module>-NN.ts,
// mode "jsdoc": type-checked with the same options (and by docs/test/jsdoc.test.ts,
// which names the source line of each error), never run. An example known not to
// compile yet is named in `unchecked` below, with the reason: it is listed (mode
// "unchecked") and named in the summary, but not written.
// docs/snippets/index.json lists every block with its mode and origin.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"

const root = join(import.meta.dirname, "..")
const out = join(root, "docs", "snippets")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const modes = new Set(["run", "internet", "no-run"])
const fail = (message) => {
  console.error(`docs: ${message}`)
  process.exit(1)
}
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
// JSDoc examples known not to compile yet, by "<path>#<n>" (its n-th ```ts block) → why. They are listed
// (mode "unchecked", with their code) and named in the summary, not written; docs/test/jsdoc.test.ts
// fails once one compiles, so that the entry goes. Keep it short, and empty when possible.
const unchecked = new Map([])

const sourceFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** The ```ts blocks of a file's doc comments: info words, first code line (1-based) and code, the ` * ` margin removed. */
const docBlocks = (path, text) => {
  const blocks = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const first = text.slice(0, comment.index).split("\n").length
    const lines = comment[0].split("\n").map((line) => line.replace(/^\s*(?:\/\*\*|\*) ?/, ""))
    let open
    lines.forEach((line, i) => {
      const fence = open === undefined ? /^```ts(\s.*)?$/.exec(line) : null
      if (fence) open = { info: (fence[1] ?? "").trim().split(/\s+/).filter(Boolean), from: i + 1 }
      else if (open !== undefined && /^```\s*$/.test(line)) {
        blocks.push({ info: open.info, line: first + open.from, code: lines.slice(open.from, i).join("\n") })
        open = undefined
      }
    })
    if (open !== undefined) fail(`${path}:${first + open.from}: a \`\`\`ts block of a doc comment is not closed`)
  }
  return blocks
}

const packages = join(root, "packages")
const jsdocSources = readdirSync(packages)
  .filter((dir) => existsSync(join(packages, dir, "src")))
  .flatMap((dir) => sourceFiles(join(packages, dir, "src")))
  .sort()
for (const file of jsdocSources) {
  const path = relative(root, file)
  const module = relative(packages, file).replace(/\/src\//, "-").replace(/\.ts$/, "").replaceAll("/", "_")
  docBlocks(path, readFileSync(file, "utf8")).forEach((block, i) => {
    const unknown = block.info.filter((w) => !modes.has(w))
    if (unknown.length > 0) fail(`${path}:${block.line}: unknown info string "${unknown.join(" ")}" (known: ts, ts internet, ts no-run)`)
    const name = `jsdoc-${module}-${String(i + 1).padStart(2, "0")}.ts`
    const origin = `${path}:${block.line}`
    const text = `// ${origin}\n${block.code}\nexport {}\n`
    const key = `${path}#${i + 1}`
    if (unchecked.has(key)) return index.push({ file: name, origin, mode: "unchecked", key, why: unchecked.get(key), text })
    writeFileSync(join(out, name), text)
    index.push({ file: name, origin, mode: "jsdoc" })
  })
}
for (const key of unchecked.keys()) {
  if (!index.some((b) => b.key === key)) fail(`${key} is allowed to fail in scripts/extract-docs.mjs, but that file has no such \`\`\`ts example: remove the entry`)
}

writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 2) + "\n")
const count = (mode) => index.filter((b) => b.mode === mode).length
const markdown = index.filter((b) => !b.file.startsWith("jsdoc-")).length
console.log(
  `docs: ${markdown} code blocks extracted from ${sources.length} Markdown files ` +
    `(${count("run")} to run, ${count("test")} test files, ${count("internet")} need the internet, ${count("no-run")} not runnable); ` +
    `${count("jsdoc")} JSDoc examples of packages/*/src to type-check` +
    (count("unchecked") > 0 ? `, ${count("unchecked")} NOT checked (${index.filter((b) => b.mode === "unchecked").map((b) => `${b.origin}: ${b.why}`).join("; ")})` : "")
)
if (index.length === 0) process.exit(1)
