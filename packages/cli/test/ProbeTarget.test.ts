/**
 * What `probe` takes as its target: the part of `registry/repository` before
 * the first `/` is the registry whatever it looks like (a single-label host
 * such as `corp-registry` is never a Docker Hub namespace, so a password given
 * for it never goes to Docker Hub).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import { runCli } from "./utils.js"

const PASSWORD = "CANARY-probe-target-5e21"

let emulator: RegistryEmulator.RegistryEmulator
/** Stands for Docker Hub (hosts.json's `docker.io`): it logs every request and its Authorization. */
let hub: Server
const hubRequests: Array<string> = []
let dir: string
const saved = process.env.OCIAUTH_HOSTS_FILE

beforeAll(async () => {
  emulator = await RegistryEmulator.start({ profile: "distribution", users: { u: PASSWORD } })
  emulator.pushImage("team/app", "1.0")
  hub = createServer((request, response) => {
    hubRequests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ""}`)
    response.writeHead(401, { "www-authenticate": "Basic realm=\"hub\"", "docker-distribution-api-version": "registry/2.0" }).end("{}")
  })
  await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve))
  dir = mkdtempSync(join(tmpdir(), "ociauth-cli-probe-target-"))
  const file = join(dir, "hosts.json")
  writeFileSync(
    file,
    JSON.stringify({
      hosts: {
        "docker.io": { adapter: "generic", insecure: true, origin: `http://127.0.0.1:${(hub.address() as AddressInfo).port}` },
        "corp-registry": { adapter: "generic", insecure: true, origin: `http://${emulator.host}` }
      }
    })
  )
  process.env.OCIAUTH_HOSTS_FILE = file
})
afterEach(() => void hubRequests.splice(0))
afterAll(async () => {
  if (saved === undefined) delete process.env.OCIAUTH_HOSTS_FILE
  else process.env.OCIAUTH_HOSTS_FILE = saved
  await emulator.close()
  await new Promise<void>((resolve) => hub.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

describe("probe registry/repository", () => {
  it.live("a single-label registry (corp-registry/team/app) is the registry: probed there, nothing sent to docker.io", () =>
    Effect.gen(function* () {
      for (const argv of [["corp-registry/team/app"], ["corp-registry/team/app:1.0"], ["corp-registry", "team/app"]]) {
        const outcome = yield* runCli(["probe", ...argv, "--user", "u", "--password-stdin", "--json"], { stdin: `${PASSWORD}\n` })
        assert.strictEqual(outcome.code, 0, outcome.stderr)
        const findings = JSON.parse(outcome.stdout).findings as { readonly repository: string; readonly origin: string }
        assert.strictEqual(findings.repository, "team/app", argv.join(" "))
        assert.strictEqual(findings.origin, `http://${emulator.host}`, argv.join(" "))
        assert.deepStrictEqual(hubRequests, [], argv.join(" "))
        assert.notInclude(outcome.stdout + outcome.stderr, PASSWORD)
      }
      assert.isAbove(emulator.log.count({ server: "registry" }), 0, emulator.log.format())
      // docker.io/... still names Docker Hub (here the logging server)
      const hubProbe = yield* runCli(["probe", "docker.io/library/python", "--json"])
      assert.strictEqual(hubProbe.code, 0, hubProbe.stderr)
      assert.isAbove(hubRequests.length, 0)
      // a repository that is no repository name: the reason, as typed
      const invalid = yield* runCli(["probe", "corp-registry/Team/App"])
      assert.strictEqual(invalid.code, 2, invalid.stderr)
      assert.include(invalid.stderr, `Invalid image reference "corp-registry/Team/App": repository name must be lower-case`)
    }))
})
