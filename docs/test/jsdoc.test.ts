/**
 * The JSDoc examples of the packages' sources (packages/<name>/src) — what IDE hovers and the published
 * .d.ts files show — compile. scripts/extract-docs.mjs extracts every ```ts
 * block of a doc comment to docs/snippets/jsdoc-*.ts; this file type-checks them
 * with docs/tsconfig.json's options (those of the Markdown blocks) and names
 * each error at its line in the source file. The examples allowed to fail for
 * now (`unchecked` in scripts/extract-docs.mjs) must still fail: one that
 * compiles has its entry removed. A check of its own counts the fences, so
 * that the extractor cannot miss a block silently.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import ts from "typescript"

interface Block {
  readonly file: string
  readonly origin: string
  readonly mode: string
  /** For an `unchecked` block: its allow-list entry, why, and its module's text (not written to disk). */
  readonly key?: string
  readonly why?: string
  readonly text?: string
}

const docs = join(import.meta.dirname, "..")
const root = join(docs, "..")
const snippets = join(docs, "snippets")
const blocks: ReadonlyArray<Block> = JSON.parse(readFileSync(join(snippets, "index.json"), "utf8"))
const examples = blocks.filter((b) => b.mode === "jsdoc" || b.mode === "unchecked")

/** `<source file>:<line>: TS<code> <message>` for each error of each block, by block file. */
const typeCheck = (list: ReadonlyArray<Block>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const config = ts.getParsedCommandLineOfConfigFile(join(docs, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    }
  })
  if (config === undefined) throw new Error("docs/tsconfig.json: unreadable")
  const byPath = new Map(list.map((b) => [join(snippets, b.file), b]))
  const host = ts.createCompilerHost(config.options)
  const virtual = (path: string) => byPath.get(path)?.text
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (path, language, ...rest) => {
    const text = virtual(path)
    return text === undefined ? getSourceFile.call(host, path, language, ...rest) : ts.createSourceFile(path, text, language)
  }
  host.fileExists = (path) => virtual(path) !== undefined || fileExists.call(host, path)
  host.readFile = (path) => virtual(path) ?? readFile.call(host, path)
  const program = ts.createProgram([...byPath.keys()], config.options, host)
  const errors = new Map<string, ReadonlyArray<string>>()
  for (const [path, block] of byPath) {
    const source = program.getSourceFile(path)
    if (source === undefined) throw new Error(`${block.file}: not in the program`)
    const [file, first] = [block.origin.slice(0, block.origin.lastIndexOf(":")), Number(block.origin.slice(block.origin.lastIndexOf(":") + 1))]
    errors.set(
      block.file,
      [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
        // Line 0 of the module is the origin comment; line 1 the block's first, at `first` in the source.
        const line = d.start === undefined ? 1 : source.getLineAndCharacterOfPosition(d.start).line
        return `${file}:${first + line - 1}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`
      })
    )
  }
  return errors
}

/** The ```ts fences opened in doc comments, counted line by line (independently of the extractor), by file. */
const fences = (): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".ts")) {
        const n = readFileSync(path, "utf8").split("\n").filter((line) => /^\s*\*\s?```ts(\s|$)/.test(line)).length
        if (n > 0) counts.set(relative(root, path), n)
      }
    }
  }
  for (const pkg of readdirSync(join(root, "packages"))) {
    try {
      walk(join(root, "packages", pkg, "src"))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
    }
  }
  return counts
}

describe("docs: the JSDoc examples compile", () => {
  let errors: ReadonlyMap<string, ReadonlyArray<string>>
  beforeAll(() => {
    errors = typeCheck(examples)
  })

  it("every ```ts block of a doc comment is extracted", () => {
    const extracted = new Map<string, number>()
    for (const b of examples) {
      const file = b.origin.slice(0, b.origin.lastIndexOf(":"))
      extracted.set(file, (extracted.get(file) ?? 0) + 1)
    }
    assert.deepStrictEqual(Object.fromEntries(extracted), Object.fromEntries(fences()))
    assert.isAbove(examples.length, 30)
  })

  it("every example type-checks (strict, as the Markdown blocks)", () => {
    const failed = blocks.filter((b) => b.mode === "jsdoc").flatMap((b) => errors.get(b.file) ?? [])
    assert.deepStrictEqual(failed, [], `\n${failed.join("\n")}\n`)
  })

  it("the examples allowed to fail still fail (one that compiles leaves `unchecked` in scripts/extract-docs.mjs)", () => {
    const compiling = blocks.filter((b) => b.mode === "unchecked" && (errors.get(b.file) ?? []).length === 0)
    assert.deepStrictEqual(compiling.map((b) => `${b.key} (${b.origin}) compiles now: remove its entry`), [])
    for (const b of blocks.filter((b) => b.mode === "unchecked")) console.log(`docs: not checked yet, ${b.origin}: ${b.why}\n  ${(errors.get(b.file) ?? []).join("\n  ")}`)
  })
})
