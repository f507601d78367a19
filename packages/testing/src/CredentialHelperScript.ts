/**
 * A real docker credential helper for tests: an executable
 * `docker-credential-<name>` (a small Node script) in a temporary directory,
 * implementing `get`, `store`, `erase` and `list` of the helper protocol over a
 * JSON file. Put `dir` first on `PATH` and name the helper in a docker config
 * (`credsStore` or `credHelpers`).
 *
 * @since 0.2.0
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"

/**
 * @since 0.2.0
 * @category models
 */
export interface CredentialHelperScript {
  /** The helper's name: the executable is `docker-credential-<name>`. */
  readonly name: string
  /** The directory holding the executable: put it on `PATH`. */
  readonly dir: string
  /** The JSON file the helper keeps its entries in. */
  readonly file: string
  /** `PATH` with `dir` first. */
  readonly path: string
  /** What the helper holds: server URL → `{ Username, Secret }`. */
  readonly entries: () => Promise<Record<string, { readonly Username: string; readonly Secret: string }>>
  readonly remove: () => Promise<void>
}

const script = (file: string) => `#!/usr/bin/env node
const fs = require("node:fs")
const file = ${JSON.stringify(file)}
const load = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {})
const save = (entries) => fs.writeFileSync(file, JSON.stringify(entries, null, 2))
let input = ""
process.stdin.on("data", (chunk) => (input += chunk))
process.stdin.on("end", () => {
  const verb = process.argv[2]
  const entries = load()
  if (verb === "store") {
    const { ServerURL, Username, Secret } = JSON.parse(input)
    entries[ServerURL] = { Username, Secret }
    save(entries)
  } else if (verb === "get" || verb === "erase") {
    const server = input.trim()
    if (!(server in entries)) {
      process.stdout.write("credentials not found in native keychain\\n")
      process.exit(1)
    }
    if (verb === "get") process.stdout.write(JSON.stringify({ ServerURL: server, ...entries[server] }))
    else {
      delete entries[server]
      save(entries)
    }
  } else if (verb === "list") {
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.Username]))))
  } else {
    process.stderr.write("unknown verb " + verb + "\\n")
    process.exit(2)
  }
})
`

/**
 * Writes `docker-credential-<name>` (default `test`) into a new temporary directory.
 *
 * @since 0.2.0
 * @category constructors
 */
export const write = async (name = "test"): Promise<CredentialHelperScript> => {
  const dir = await mkdtemp(join(tmpdir(), "ociauth-helper-"))
  const file = join(dir, "entries.json")
  const executable = join(dir, `docker-credential-${name}`)
  await writeFile(executable, script(file))
  await chmod(executable, 0o755)
  return {
    name,
    dir,
    file,
    path: `${dir}${delimiter}${process.env.PATH ?? ""}`,
    entries: async () => {
      try {
        return JSON.parse(await readFile(file, "utf8"))
      } catch {
        return {}
      }
    },
    remove: () => rm(dir, { recursive: true, force: true })
  }
}
