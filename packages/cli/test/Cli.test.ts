/**
 * The program in process: exit codes, messages that say what to do, help and
 * completions, login/logout into `auths`, token and request against the
 * emulator.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cli, ExitCode, Probe } from "@ociauth/cli"
import { RegistryClient } from "@ociauth/fetch"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { RegistryError, TokenStore } from "@ociauth/core"
import { NodeCredentials } from "ociauth"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientResponse } from "effect/http"
import { recording } from "./security/attack.js"
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

/** A loopback port nothing listens on (taken, then let go). */
const closedPort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        server.close(() => resolve(port))
      })
    })
)

/** A loopback server that accepts every connection and never answers; it counts the request heads it is sent. */
const silentServer = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ readonly port: number; readonly requests: () => number; readonly firstRequest: Promise<void>; readonly close: () => Promise<void> }>((resolve) => {
        const sockets = new Set<Socket>()
        let requests = 0
        let requested = () => {}
        const firstRequest = new Promise<void>((done) => (requested = done))
        const server = createServer((socket) => {
          sockets.add(socket)
          socket.on("data", (chunk: Buffer) => {
            if (/^[A-Z]+ \//.test(chunk.toString("latin1")) && ++requests === 1) requested()
          })
          socket.on("error", () => {})
        })
        const close = () => {
          for (const socket of sockets) socket.destroy()
          return new Promise<void>((done) => server.close(() => done()))
        }
        server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as AddressInfo).port, requests: () => requests, firstRequest, close }))
      })
  ),
  (silent) => Effect.promise(silent.close)
)

/**
 * Runs the program against a silent registry on the `TestClock`: once its first request has reached the
 * server (an event, not a wait), the clock moves to 1 ms before `millis` (the program must still be
 * waiting), then to `millis`, by which it must have ended.
 */
const givenUpAt = (millis: number, argv: (host: string) => ReadonlyArray<string>, options: Cli.Options = {}) =>
  Effect.gen(function* () {
    const silent = yield* silentServer
    const fiber = yield* Effect.forkChild(runCli(argv(`127.0.0.1:${silent.port}`), options))
    yield* Effect.promise(() => silent.firstRequest)
    yield* TestClock.adjust(millis - 1)
    assert.isUndefined(fiber.pollUnsafe(), `still waiting at ${millis - 1} ms`)
    yield* TestClock.adjust(1)
    return { ...(yield* Fiber.join(fiber)), port: silent.port, requests: silent.requests() }
  })

/** A transport that answers every request 404 at once, without a connection: commands run to their end. */
const nowhere = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response(null, { status: 404 }))))
)

/** The help's sections: each heading with its lines. */
const sections = (help: string): Record<string, ReadonlyArray<string>> => {
  const out: Record<string, Array<string>> = {}
  let current: Array<string> | undefined
  for (const line of help.split("\n")) {
    if (/^[A-Z][A-Z ]+$/.test(line)) out[line] = current = []
    else if (line.trim() !== "") current?.push(line)
  }
  return out
}

/** The `ociauth …` invocations of an example line (after a pipe, inside `$(…)`), split as a shell would, with variables set. */
const invocations = (example: string): ReadonlyArray<ReadonlyArray<string>> =>
  [...example.matchAll(/(?:^|[|(]\s*)ociauth ([^|)<>]*)/g)].map((match) =>
    [...match[1]!.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((word) => (word[1] ?? word[2] ?? word[3]!).replace(/\$\w+/g, "value"))
  )

/** The seams pointed at a docker config of the test's own. */
const machine = (file: string): Cli.Options => ({
  store: NodeCredentials.layerStore({ path: file }),
  credentials: NodeCredentials.layerWith({ dockerConfig: { path: file }, podman: { path: `${file}.absent` } })
})

describe("the program", () => {
  it.live("--version is the package's; --help lists every command; completions come from @effect/cli", () =>
    Effect.gen(function* () {
      const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
        version: string
        publishConfig: { bin: Record<string, string> }
      }
      assert.strictEqual(Cli.version, manifest.version)
      // declared for publishing only: a fresh pnpm install links no bin before the first build
      assert.strictEqual(manifest.publishConfig.bin.ociauth, "./dist/bin.js")
      const version = yield* runCli(["--version"])
      assert.strictEqual(version.stdout.trim(), manifest.version)
      const help = yield* runCli(["--help"])
      assert.strictEqual(help.code, ExitCode.ExitCode.ok)
      for (const command of ["probe", "token", "request", "login", "logout"]) assert.include(help.stdout, `- ${command}`)
      assert.notInclude(help.stdout, "\u001b[") // not a terminal: no colours
      const bash = yield* runCli(["--completions", "bash"])
      assert.strictEqual(bash.code, 0)
      assert.include(bash.stdout, "complete -F")
      // --help and the script say the same about where the script goes.
      const install = /^# Installation:\n#\s+(.+)$/m.exec(bash.stdout)?.[1]
      assert.isDefined(install, bash.stdout.slice(0, 300))
      assert.include(help.stdout.replace(/\s+/g, " "), install!)
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
      // The answer to a login: the credentials were refused, not "log in again".
      assert.include(outcome.stderr, `${emulator.host} refused the credentials of me`)
      assert.include(outcome.stderr, "nothing was stored")
      assert.notInclude(outcome.stderr, "log in again")
      assert.throws(() => readFileSync(file))
    }))
})

describe("manners: help, messages, hints", () => {
  const commands = [[], ["probe"], ["token"], ["request"], ["login"], ["logout"]] as const

  it.live("every argument and flag of every command says what it does, in our words; every help has examples", () =>
    Effect.gen(function* () {
      for (const path of commands) {
        const help = yield* runCli([...path, "--help"])
        assert.strictEqual(help.code, 0, help.stderr)
        const parts = sections(help.stdout)
        const rows = [...(parts["ARGUMENTS"] ?? []), ...(parts["FLAGS"] ?? []), ...(parts["GLOBAL FLAGS"] ?? [])]
        assert.isAbove(rows.length, 2, help.stdout)
        for (const row of rows) {
          // "  --name, -n metavar    What it does." : a description after the name, ending as a sentence
          const description = /^ {2}\S.*?\s{2,}(\S.*)$/.exec(row)?.[1]
          assert.isDefined(description, `${path.join(" ")}: no description in ${JSON.stringify(row)}`)
          assert.match(description!, /^[A-Z].{20,}[.)]$/, `${path.join(" ")}: ${row}`)
        }
        for (const filler of ["A user-defined piece of text", "A true or false value", "Show help information", "Show version information", "Print shell completion script", "wizard", "log-level", " string "]) {
          assert.notInclude(help.stdout, filler, `${path.join(" ")} --help`)
        }
        assert.isAbove(parts["EXAMPLES"]?.filter((line) => !line.trim().startsWith("#")).length ?? 0, 0, `${path.join(" ")}: no examples`)
      }
    }))

  it.live("every example of every help runs as written: no usage error", () =>
    Effect.gen(function* () {
      const seams: Cli.Options = { ...machine(join(dir, "examples.json")), transport: nowhere, probeTransport: nowhere }
      let ran = 0
      for (const path of commands) {
        const help = yield* runCli([...path, "--help"])
        for (const line of sections(help.stdout)["EXAMPLES"] ?? []) {
          if (line.trim().startsWith("#")) continue
          for (const argv of invocations(line.trim())) {
            const outcome = yield* runCli(argv, { ...seams, stdin: "secret\n" })
            assert.notStrictEqual(outcome.code, ExitCode.ExitCode.usage, `${line.trim()}: ${outcome.stderr}`)
            assert.notInclude(outcome.stderr, "shows the usage", line)
            ran++
          }
        }
      }
      assert.isAtLeast(ran, 15)
    }))

  it.live("an invalid reference: the library's reason, not a guess", () =>
    Effect.gen(function* () {
      const request = yield* runCli(["request", "host/alice/Bad:Tag"])
      assert.strictEqual(request.code, ExitCode.ExitCode.usage)
      assert.include(request.stderr, `Invalid image reference "host/alice/Bad:Tag": repository name must be lower-case`)
      assert.notInclude(request.stderr, "neither a URL nor an image reference")
      const head = yield* runCli(["request", "HEAD", "ghcr.io/owner/app@sha256:abc"])
      assert.strictEqual(head.code, ExitCode.ExitCode.usage)
      assert.include(head.stderr, "invalid sha256 digest: expected 64 lower-case hex characters")
      const token = yield* runCli(["token", "ghcr.io/Owner/app"])
      assert.strictEqual(token.code, ExitCode.ExitCode.usage)
      assert.include(token.stderr, "repository name must be lower-case")
    }))

  it.live("--password (or -p): not unknown, but where the password goes instead; its value never echoed", () =>
    Effect.gen(function* () {
      for (const [argv, pipe] of [
        [["login", "ghcr.io", "-u", "me", "--password", "hunter2-canary"], "ociauth login <registry> --username <user> --password-stdin"],
        [["login", "ghcr.io", "-u", "me", "--password=hunter2-canary"], "ociauth login <registry> --username <user> --password-stdin"],
        [["login", "ghcr.io", "-u", "me", "-p", "hunter2-canary"], "ociauth login <registry> --username <user> --password-stdin"],
        [["probe", "ghcr.io", "--user", "me", "--password", "hunter2-canary"], "ociauth probe <registry> --user <user> --password-stdin"],
        [["request", "ghcr.io/owner/app:1.0", "--password", "hunter2-canary"], "ociauth login <registry> --username <user> --password-stdin"]
      ] as const) {
        const outcome = yield* runCli(argv)
        assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, argv.join(" "))
        assert.include(outcome.stderr, "is not an option: a password on the command line shows in the process list", argv.join(" "))
        assert.include(outcome.stderr, `echo "$PASSWORD" | ${pipe}`, argv.join(" "))
        assert.notInclude(outcome.stderr, "Unrecognized flag")
        assert.notInclude(outcome.stdout + outcome.stderr, "hunter2-canary")
      }
    }))

  it.live("an unreachable registry: the reason, a hint true for the flags given, no retries", () =>
    Effect.gen(function* () {
      const seams = machine(join(dir, "none.json"))
      const port = yield* closedPort
      const host = `127.0.0.1:${port}`
      // --insecure given: the scheme was http already; nothing suggests --insecure
      for (const argv of [
        ["request", `${host}/me/app:1.0`, "--insecure", "-v"],
        ["request", `http://${host}/v2/`, "--insecure", "-v"],
        ["token", `${host}/me/app`, "--insecure"],
        ["login", host, "-u", "me", "--password-stdin", "--insecure"]
      ]) {
        const outcome = yield* runCli(argv, { ...seams, stdin: "secret\n" })
        assert.strictEqual(outcome.code, ExitCode.ExitCode.network, outcome.stderr)
        assert.include(outcome.stderr, "connection refused (ECONNREFUSED)", argv.join(" "))
        assert.include(outcome.stderr, `Check that a registry listens at http://${host} and that the network reaches it.`, argv.join(" "))
        assert.notInclude(outcome.stderr, "--insecure", argv.join(" "))
        // a connection that cannot be made is not retried: it surfaces at once
        assert.notInclude(outcome.stderr, "retrying", argv.join(" "))
      }
      // a host or reference without --insecure: https was tried; plain HTTP is one flag away
      const reference = yield* runCli(["request", `${host}/me/app:1.0`], seams)
      assert.strictEqual(reference.code, ExitCode.ExitCode.network)
      assert.include(reference.stderr, `GET https://${host}/v2/me/app/manifests/1.0: connection refused (ECONNREFUSED).`)
      assert.include(reference.stderr, "add --insecure")
      // a URL: its scheme is the user's
      const url = yield* runCli(["request", `https://${host}/v2/`, "--insecure"], seams)
      assert.strictEqual(url.code, ExitCode.ExitCode.network)
      assert.include(url.stderr, "give an http:// URL")
      assert.notInclude(url.stderr, "add --insecure")
      const probe = yield* runCli(["probe", host, "--insecure"])
      assert.strictEqual(probe.code, ExitCode.ExitCode.network)
      assert.include(probe.stderr, "connection refused (ECONNREFUSED)")
      assert.notInclude(probe.stderr, "--insecure")
    }))

  it.effect("a registry that accepts the connection and never answers: token gives up after discovery's 10 s, exit 4", () =>
    Effect.gen(function* () {
      const outcome = yield* givenUpAt(10_000, (host) => ["token", `${host}/me/app`, "--insecure"], machine(join(dir, "none.json")))
      assert.strictEqual(outcome.code, ExitCode.ExitCode.network, outcome.stderr)
      assert.include(outcome.stderr, `GET http://127.0.0.1:${outcome.port}/v2/ sent no response headers within 10s.`)
      assert.notInclude(outcome.stderr, "--insecure")
    }).pipe(Effect.scoped))

  it.effect("probe of a registry that accepts the connection and never answers: RegistryTimeout at the SDK's deadline (30 s), exit 4", () =>
    Effect.gen(function* () {
      const outcome = yield* givenUpAt(30_000, (host) => ["probe", host, "--insecure"])
      assert.strictEqual(outcome.code, ExitCode.ExitCode.network, outcome.stderr)
      assert.include(outcome.stderr, `GET http://127.0.0.1:${outcome.port}/ timed out: its deadline of 30s passed`)
      assert.include(outcome.stderr, "try again later")
      // one deadline in all: the probe asked nothing more once its first request went unanswered
      assert.strictEqual(outcome.requests, 1)
    }).pipe(Effect.scoped))

  it.live("Probe.run with a short deadline of its own: the silent registry's typed timeout, in real time", () =>
    Effect.gen(function* () {
      const silent = yield* silentServer
      // Well within the default 30 s; scaled, so that a busy machine's loopback is not mistaken for silence.
      const deadline = Budget.scaled(300)
      const error = yield* Effect.flip(Probe.run({ registry: `127.0.0.1:${silent.port}`, insecure: true, deadline }).pipe(Effect.provide(RegistryClient.layerFetchTransport)))
      assert.strictEqual(error._tag, "RegistryTimeout")
      if (error._tag === "RegistryTimeout") {
        assert.isTrue(RegistryError.isRegistryError(error))
        assert.strictEqual(error.bound, "deadline")
        assert.strictEqual(error.deadlineMillis, deadline)
        assert.strictEqual(error.url, `http://127.0.0.1:${silent.port}/`)
        assert.strictEqual(error.waitingFor, `the response of http://127.0.0.1:${silent.port}/`)
        assert.strictEqual(error.attempts, 1)
      }
      assert.strictEqual(silent.requests(), 1)
    }).pipe(Effect.scoped))

  it("a request that ran out of time (RegistryTimeout) is a network failure: exit 4", () => {
    const timeout = new RegistryClient.RegistryTimeout({
      method: "GET",
      url: "https://registry.example/v2/team/app/manifests/1.0",
      waitingFor: "the response headers of https://registry.example/v2/team/app/manifests/1.0",
      bound: "deadline",
      deadlineMillis: 30_000,
      responseTimeoutMillis: 10_000,
      attempts: 3
    })
    const { code, message } = ExitCode.classify(timeout)
    assert.strictEqual(code, ExitCode.ExitCode.network)
    assert.include(message, "timed out: its deadline of 30s passed")
    assert.include(message, "try again later")
  })

  it.live("https to a plain-HTTP registry: the TLS failure named, and the flag that fixes it", () =>
    Effect.gen(function* () {
      const seams = machine(join(dir, "none.json"))
      const reference = yield* runCli(["request", "HEAD", `${emulator.host}/me/app:1.0`], seams)
      assert.strictEqual(reference.code, ExitCode.ExitCode.network, reference.stderr)
      assert.include(reference.stderr, "no TLS: the server answered in plain HTTP")
      assert.include(reference.stderr, `https://${emulator.host} serves plain HTTP: add --insecure.`)
      const url = yield* runCli(["request", "HEAD", `https://${emulator.host}/v2/`, "--insecure"], seams)
      assert.include(url.stderr, `https://${emulator.host} serves plain HTTP: use an http:// URL.`)
    }))
})

describe("request: manifests by their media types; what a success answered", () => {
  const MEDIA_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"
  ]

  it.live("HEAD of a manifest URL: every manifest and index media type accepted; status, digest, type and size printed without -v", () =>
    Effect.gen(function* () {
      const hub = yield* Effect.promise(() => RegistryEmulator.start({ profile: "distribution" }))
      yield* Effect.addFinalizer(() => Effect.promise(() => hub.close()))
      const image = hub.pushImage("team/app", "1.0")
      const transport = recording()
      const seams = { ...machine(join(dir, "none.json")), transport: transport.layer }

      const head = yield* runCli(["request", "HEAD", `http://${hub.host}/v2/team/app/manifests/1.0`], seams)
      assert.strictEqual(head.code, 0, head.stderr)
      assert.match(head.stdout, /^status {2}200\ndigest {2}sha256:[0-9a-f]{64}\ntype {4}application\/vnd\.oci\.image\.manifest\.v1\+json\nsize {4}\d+ bytes\n$/)
      assert.include(head.stdout, `digest  ${image.digest}\n`)
      assert.strictEqual(head.stderr, "")
      const manifestRequests = transport.log.filter((sent) => sent.url.pathname === "/v2/team/app/manifests/1.0")
      assert.isAbove(manifestRequests.length, 0)
      for (const sent of manifestRequests) assert.deepStrictEqual(sent.headers.accept?.split(", "), MEDIA_TYPES)

      // by digest, too; and a reference is a manifest URL
      const byDigest = yield* runCli(["request", "HEAD", `${hub.host}/team/app@${image.digest}`, "--insecure"], seams)
      assert.strictEqual(byDigest.code, 0, byDigest.stderr)
      assert.include(byDigest.stdout, `digest  ${image.digest}`)

      // GET: the body on standard output; on a terminal, what it is on standard error
      const get = yield* runCli(["request", `http://${hub.host}/v2/team/app/manifests/1.0`], { ...seams, tty: true })
      assert.strictEqual(get.code, 0, get.stderr)
      assert.strictEqual(JSON.parse(get.stdout).schemaVersion, 2)
      assert.include(get.stderr, `status  200\ndigest  ${image.digest}\n`)
      const piped = yield* runCli(["request", `http://${hub.host}/v2/team/app/manifests/1.0`], seams)
      assert.strictEqual(piped.stderr, "", "not on a terminal: the body alone")

      // -H accept replaces ours; other URLs get no Accept of ours
      transport.log.length = 0
      const mine = yield* runCli(["request", "HEAD", `http://${hub.host}/v2/team/app/manifests/1.0`, "-H", "Accept: application/vnd.oci.image.manifest.v1+json"], seams)
      assert.strictEqual(mine.code, 0, mine.stderr)
      const tags = yield* runCli(["request", `http://${hub.host}/v2/team/app/tags/list`], seams)
      assert.strictEqual(tags.code, 0, tags.stderr)
      const sentTo = (path: string) => [...new Set(transport.log.filter((sent) => sent.url.pathname === path).map((sent) => sent.headers.accept ?? "(none)"))]
      assert.deepStrictEqual(sentTo("/v2/team/app/manifests/1.0"), ["application/vnd.oci.image.manifest.v1+json"])
      assert.deepStrictEqual(sentTo("/v2/team/app/tags/list"), ["(none)"])

      // a failed HEAD prints no summary, and says what answered
      const missing = yield* runCli(["request", "HEAD", `http://${hub.host}/v2/team/app/manifests/nope`], seams)
      assert.strictEqual(missing.code, ExitCode.ExitCode.failure)
      assert.strictEqual(missing.stdout, "")
      assert.include(missing.stderr, "answered 404")
    }).pipe(Effect.scoped))
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
      // A refused credential is a finding (the findings are printed), and the exit says so as token's would (3).
      assert.strictEqual(wrong.code, ExitCode.ExitCode.auth, wrong.stderr)
      const refused = (JSON.parse(wrong.stdout) as { findings: { credentialsRefused: boolean; catalog: { credentials: { status: number } | null } } }).findings
      assert.strictEqual(refused.catalog.credentials?.status, 401)
      assert.isTrue(refused.credentialsRefused)
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
