/**
 * `hosts.json` means what docs/credential-helper.md says in every command: a
 * host the file declares `insecure` is reached at `http://<host>` (its default
 * origin) without `--insecure`, and so is one whose `origin` is
 * `http://<the same host>`: `request` with an image reference, `token` and
 * `probe`, against the emulator on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import { runCli } from "./utils.js"

let emulator: RegistryEmulator.RegistryEmulator
let dir: string
const saved = process.env.OCIAUTH_HOSTS_FILE
beforeAll(async () => {
  emulator = await RegistryEmulator.start({ profile: "distribution" })
  emulator.pushImage("pub/app", "1.0")
  dir = mkdtempSync(join(tmpdir(), "ociauth-cli-hosts-"))
})
afterEach(() => {
  if (saved === undefined) delete process.env.OCIAUTH_HOSTS_FILE
  else process.env.OCIAUTH_HOSTS_FILE = saved
})
afterAll(async () => {
  await emulator.close()
  rmSync(dir, { recursive: true, force: true })
})

let files = 0

/** The emulator under `name` (127.0.0.1 or localhost, its port), configured by `entry` in a hosts file of its own. */
const configure = (name: string, entry: (host: string) => Record<string, unknown>) => {
  const host = `${name}:${emulator.host.split(":")[1]}`
  const file = join(dir, `hosts-${files++}.json`)
  writeFileSync(file, JSON.stringify({ hosts: { [host]: { adapter: "generic", ...entry(host) } } }))
  process.env.OCIAUTH_HOSTS_FILE = file
  return host
}

describe("hosts.json in the CLI", () => {
  for (const name of ["127.0.0.1", "localhost"]) {
    for (const [what, entry] of [
      ["insecure: true (origin http://<host> by default)", () => ({ insecure: true })],
      ["origin http://<the same host>", (host: string) => ({ insecure: true, origin: `http://${host}` })],
      ["origin http://<the same host>, without insecure", (host: string) => ({ origin: `http://${host}` })]
    ] as const) {
      it.live(`${name}, ${what}: request, token and probe without --insecure`, () =>
        Effect.gen(function* () {
          const host = configure(name, entry)

          const request = yield* runCli(["request", "-v", "HEAD", `${host}/pub/app:1.0`])
          assert.strictEqual(request.code, 0, request.stderr)
          assert.include(request.stderr, `> HEAD http://${host}/v2/pub/app/manifests/1.0`)
          assert.match(request.stdout, /^status {2}200$/m)

          const token = yield* runCli(["token", `${host}/pub/app`])
          assert.strictEqual(token.code, 0, token.stderr)

          const probe = yield* runCli(["probe", host, "pub/app", "--json"])
          assert.strictEqual(probe.code, 0, probe.stderr)
          assert.include(probe.stdout, `http://${host}`)
        }))
    }
  }
})
