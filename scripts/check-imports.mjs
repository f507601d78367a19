#!/usr/bin/env node
// Library code imports @effect/platform's modules by path (`@effect/platform/HttpClient`), never
// through the package's index: Node loads every module an index re-exports (servers, routers,
// workers, MsgPack), which more than doubled the SDK's import graph. Type-only imports are free.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const root = join(import.meta.dirname, "..")
const barrel = /^import\s+(?!type\b)(\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+"@effect\/platform"/gm
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : []
  })
const offenders = []
for (const pkg of readdirSync(join(root, "packages"))) {
  const src = join(root, "packages", pkg, "src")
  let sources
  try {
    sources = files(src)
  } catch {
    continue
  }
  for (const file of sources) {
    for (const match of readFileSync(file, "utf8").matchAll(barrel)) offenders.push(`${relative(root, file)}: ${match[0].replace(/\s+/g, " ")}`)
  }
}
if (offenders.length > 0) {
  console.error("check-imports: import @effect/platform modules by path (import * as HttpClient from \"@effect/platform/HttpClient\"):")
  for (const offender of offenders) console.error(`  ${offender}`)
  process.exit(1)
}
console.log("check-imports: no library module loads @effect/platform's index")
