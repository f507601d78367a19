/**
 * The program in process: exit codes, messages that say what to do, help and
 * completions, login/logout into `auths`, token and request against the
 * emulator.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cli, ExitCode } from "@ociauth/cli"
import { RegistryEmulator } from "@ociauth/testing"
import { TokenStore } from "@ociauth/core"
import { NodeCredentials } from "ociauth"
import { Effect, Layer } from "effect"
import { runCli } from "./utils.js"

const CANARY = "CANARY-cli-51aa"

let emulator: RegistryEmulator.RegistryEmulator
let dir: string
beforeAll(async () => {
  emulator = await RegistryEmulator.start({ profile: "distribution", users: { me: CANARY }, privateRepositories: ["*"] })
  emulator.pushImage("me/app", "1.0")
  dir = mkdtempSync(join(tmpdir(), "ociauth-cli-"))
})
afterAll(async () => {
  await emulator.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The seams pointed at a docker config of the test's own. */
const machine = (file: string): Cli.Options => ({
  store: NodeCredentials.layerStore({ path: file }),
  credentials: NodeCredentials.layerWith({ dockerConfig: { path: file }, podman: { path: `${file}.absent` } })
})

describe("the program", () => {
  it.live("--version is the package's; --help lists every command; completions come from @effect/cli", () =>
    Effect.gen(function* () {
      const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string; bin: Record<string, string> }
      assert.strictEqual(Cli.version, manifest.version)
      assert.deepStrictEqual(manifest.bin, { ociauth: "./dist/bin.js" })
      const version = yield* runCli(["--version"])
      assert.strictEqual(version.stdout.trim(), manifest.version)
      const help = yield* runCli(["--help"])
      assert.strictEqual(help.code, ExitCode.ExitCode.ok)
      for (const command of ["probe", "token", "request", "login", "logout"]) assert.include(help.stdout, `- ${command}`)
      assert.notInclude(help.stdout, "\u001b[") // not a terminal: no colours
      const bash = yield* runCli(["--completions", "bash"])
      assert.strictEqual(bash.code, 0)
      assert.include(bash.stdout, "complete -F")
    }))

  it.live("usage errors exit 2 and say what to do", () =>
    Effect.gen(function* () {
      const missing = yield* runCli(["probe"])
      assert.strictEqual(missing.code, ExitCode.ExitCode.usage)
      const noStdin = yield* runCli(["login", "ghcr.io", "-u", "me"])
      assert.strictEqual(noStdin.code, ExitCode.ExitCode.usage)
      assert.include(noStdin.stderr, "never from the command line")
      assert.include(noStdin.stderr, "--password-stdin")
      const userOnly = yield* runCli(["probe", "ghcr.io", "--user", "me"])
      assert.strictEqual(userOnly.code, ExitCode.ExitCode.usage)
      const empty = yield* runCli(["login", "ghcr.io", "-u", "me", "--password-stdin"], { stdin: "\n" })
      assert.strictEqual(empty.code, ExitCode.ExitCode.usage)
      assert.include(empty.stderr, "no password on standard input")
    }))

  it.live("no answer exits 4", () =>
    Effect.gen(function* () {
      const probe = yield* runCli(["probe", "127.0.0.1:1", "--insecure"])
      assert.strictEqual(probe.code, ExitCode.ExitCode.network)
      assert.include(probe.stderr, "did not answer")
      const request = yield* runCli(["request", "http://127.0.0.1:1/v2/"])
      assert.strictEqual(request.code, ExitCode.ExitCode.network, request.stderr)
    }))

  it.live("login/logout into auths: base64 auth, the rest of the file and its mode kept; token and request with it", () =>
    Effect.gen(function* () {
      const file = join(dir, "auths", "config.json")
      mkdirSync(join(dir, "auths"))
      writeFileSync(file, JSON.stringify({ auths: { "other.example": { auth: "eDp5" } }, detachKeys: "ctrl-e,e" }), { mode: 0o644 })
      const seams = machine(file)

      const anonymous = yield* runCli(["request", `${emulator.host}/me/app:1.0`, "--insecure"], seams)
      assert.strictEqual(anonymous.code, ExitCode.ExitCode.auth, anonymous.stderr)

      const login = yield* runCli(["login", emulator.host, "-u", "me", "--password-stdin", "--insecure"], { ...seams, stdin: `${CANARY}\n` })
      assert.strictEqual(login.code, 0, login.stderr)
      assert.include(login.stdout, `Login Succeeded: ${emulator.host} stored in ${file}`)
      const written = JSON.parse(readFileSync(file, "utf8"))
      assert.strictEqual(written.detachKeys, "ctrl-e,e")
      assert.deepStrictEqual(written.auths, { "other.example": { auth: "eDp5" }, [emulator.host]: { auth: Buffer.from(`me:${CANARY}`).toString("base64") } })
      assert.strictEqual(statSync(file).mode & 0o777, 0o644)

      const token = yield* runCli(["token", `${emulator.host}/me/app`, "--insecure"], { ...seams, tty: true })
      assert.strictEqual(token.code, 0, token.stderr)
      const value = token.stdout.trim()
      assert.match(value, /^eyJ/)
      assert.include(token.stderr, "realm    " + emulator.tokenServer.realm)
      assert.include(token.stderr, "scopes   repository:me/app:pull")
      assert.include(token.stderr, "granted  repository:me/app:pull")
      assert.match(token.stderr, /expires {2}\d{4}-\d\d-\d\dT.+\(\d+ s\)/)
      assert.notInclude(token.stderr, value)

      const request = yield* runCli(["request", `${emulator.host}/me/app:1.0`, "--insecure", "-v"], seams)
      assert.strictEqual(request.code, 0, request.stderr)
      assert.strictEqual(JSON.parse(request.stdout).schemaVersion, 2)
      assert.include(request.stderr, "challenge from")
      assert.include(request.stderr, "token request: GET")
      assert.include(request.stderr, "token issued for repository:me/app:pull")
      assert.notInclude(request.stderr, CANARY)

      const missing = yield* runCli(["request", `http://${emulator.host}/v2/me/app/manifests/nope`], seams)
      assert.strictEqual(missing.code, ExitCode.ExitCode.failure)
      assert.include(missing.stdout, "MANIFEST_UNKNOWN")

      const logout = yield* runCli(["logout", emulator.host], seams)
      assert.strictEqual(logout.code, 0)
      assert.deepStrictEqual(JSON.parse(readFileSync(file, "utf8")).auths, { "other.example": { auth: "eDp5" } })
      const again = yield* runCli(["logout", emulator.host], seams)
      assert.include(again.stdout, "Not logged in")
    }))

  it.live("a broken credential helper: exit 3, and the message names it and says what to do", () =>
    Effect.gen(function* () {
      const file = join(dir, "helper.json")
      writeFileSync(file, JSON.stringify({ credHelpers: { [emulator.host]: "nowhere-to-be-found" } }))
      const outcome = yield* runCli(["token", `${emulator.host}/me/app`, "--insecure"], machine(file))
      assert.strictEqual(outcome.code, ExitCode.ExitCode.auth, outcome.stderr)
      assert.include(outcome.stderr, `credentials for ${emulator.host} come from docker-credential-nowhere-to-be-found`)
      assert.include(outcome.stderr, "ociauth login")
    }))

  it.live("wrong credentials: login stores nothing and exits 3", () =>
    Effect.gen(function* () {
      const file = join(dir, "wrong.json")
      const outcome = yield* runCli(["login", emulator.host, "-u", "me", "--password-stdin", "--insecure"], { ...machine(file), stdin: "not-it" })
      assert.strictEqual(outcome.code, ExitCode.ExitCode.auth, outcome.stderr)
      assert.notInclude(outcome.stderr, "not-it")
      assert.throws(() => readFileSync(file))
    }))
})

describe("request: identity tokens, methods, and what -v explains", () => {
  it.live("probe --identity-token-stdin: the refresh-token grant works where the password does; the token never printed", () =>
    Effect.gen(function* () {
      const form = new URLSearchParams({
        grant_type: "password", username: "me", password: CANARY, service: emulator.tokenServer.service,
        client_id: "test", scope: "repository:me/app:pull", access_type: "offline"
      })
      const issued = yield* Effect.promise(() =>
        fetch(emulator.tokenServer.realm, { method: "POST", body: form }).then((r) => r.json() as Promise<{ refresh_token: string }>)
      )
      const outcome = yield* runCli(
        ["probe", emulator.host, "me/app", "--insecure", "--identity-token-stdin", "--json"],
        { ...machine(join(dir, "none.json")), stdin: `${issued.refresh_token}\n` }
      )
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      const { findings } = JSON.parse(outcome.stdout) as {
        findings: { identity: string; catalog: { credentials: { method: string; identity: string; status: number } | null } }
      }
      assert.strictEqual(findings.identity, "credentials")
      assert.strictEqual(findings.catalog.credentials?.identity, "credentials")
      assert.strictEqual(findings.catalog.credentials?.method, "POST", "an identity token is only good for the OAuth2 POST")
      assert.strictEqual(findings.catalog.credentials?.status, 200)
      assert.notInclude(outcome.stdout + outcome.stderr, issued.refresh_token)

      const wrong = yield* runCli(
        ["probe", emulator.host, "me/app", "--insecure", "--identity-token-stdin", "--json"],
        { ...machine(join(dir, "none.json")), stdin: "not-a-refresh-token\n" }
      )
      // A refused credential is a finding, not a failure of the probe.
      const refused = (JSON.parse(wrong.stdout) as { findings: { catalog: { credentials: { status: number } | null } } }).findings
      assert.strictEqual(refused.catalog.credentials?.status, 401)
      assert.notInclude(wrong.stdout + wrong.stderr, "not-a-refresh-token")
      const both = yield* runCli(["probe", emulator.host, "--user", "me", "--password-stdin", "--identity-token-stdin"], { stdin: "x\n" })
      assert.strictEqual(both.code, ExitCode.ExitCode.usage)
      assert.include(both.stderr, "exclude each other")
    }))

  it.live("an explicit method; -v says when the token came from the cache and when a redirect dropped credentials", () =>
    Effect.gen(function* () {
      const hub = yield* Effect.promise(() => RegistryEmulator.start({ profile: "dockerHub" }))
      yield* Effect.addFinalizer(() => Effect.promise(() => hub.close()))
      const image = hub.pushImage("library/alpine", "latest")
      const tokens = yield* TokenStore.makeMemory()
      const seams = { ...machine(join(dir, "none.json")), tokenStore: Layer.succeed(TokenStore.TokenStore, tokens) }
      const manifest = `http://${hub.host}/v2/library/alpine/manifests/latest`

      const first = yield* runCli(["request", "GET", manifest, "-v", "-H", "accept: application/vnd.oci.image.manifest.v1+json"], seams)
      assert.strictEqual(first.code, 0, first.stderr)
      assert.include(first.stderr, "token issued for repository:library/alpine:pull")
      const second = yield* runCli(["request", "HEAD", manifest, "-v"], seams)
      assert.strictEqual(second.code, 0, second.stderr)
      assert.include(second.stderr, "token from the cache for repository:library/alpine:pull")
      assert.notInclude(second.stderr, "token request:")

      const blob = yield* runCli(["request", `http://${hub.host}/v2/library/alpine/blobs/${image.config}`, "-v"], seams)
      assert.strictEqual(blob.code, 0, blob.stderr)
      assert.match(blob.stderr, /redirected .* → .* \(credentials dropped\)/)
      const wrongMethod = yield* runCli(["request", "FETCH", manifest], seams)
      assert.strictEqual(wrongMethod.code, ExitCode.ExitCode.usage, wrongMethod.stderr)
    }).pipe(Effect.scoped))
})
