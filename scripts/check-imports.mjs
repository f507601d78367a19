#!/usr/bin/env node
// Library code imports Effect's modules by path (`effect/Effect`, `effect/http/HttpClient`,
// `effect/encoding/Base64`), never through an index: Node loads every module an index re-exports
// (all of `effect`'s ~150 modules behind `effect`; the HTTP server, router and multipart parser
// behind `effect/http`; YAML, TOML and zip behind `effect/encoding`). The grouped indexes tripled
// the cost of importing the façade; the top-level one cost it another ~25% (bench section 7).
// Type-only imports are free. Doc-comment examples keep `from "effect"`: users write that.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const root = join(import.meta.dirname, "..")
const grouped = ["http", "encoding", "process", "persistence", "crypto", "testing", "observability"]
const barrel = new RegExp(`^import\\s+(?!type\\b)(\\{[^}]*\\}|\\*\\s+as\\s+\\w+|\\w+)\\s+from\\s+"effect(?:\\/(?:${grouped.join("|")}))?"`, "gm")
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
  console.error("check-imports: import effect's modules by path (import * as Effect from \"effect/Effect\", import * as HttpClient from \"effect/http/HttpClient\"):")
  for (const offender of offenders) console.error(`  ${offender}`)
  process.exit(1)
}
console.log(`check-imports: no library module loads the index of effect or effect/{${grouped.join(",")}}`)
