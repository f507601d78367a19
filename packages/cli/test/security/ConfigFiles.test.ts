/**
 * Issue 26 §7: `login` / `logout` and the files they touch. docker's config is
 * replaced atomically through a temporary file of a random name created
 * exclusively beside its target (0600), so nothing is left in the folder — also
 * when a write fails — and nothing already there (a `config.json.tmp`, a folder
 * or a symlink at the temporary name) is followed or clobbered; a symlinked
 * `config.json` is written through to its target, as docker does. `logout` also
 * forgets that registry's tokens in the file token store, and no other's.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { afterAll, assert, beforeAll, describe, it, vi } from "@effect/vitest"
import { CredentialStore } from "@ociauth/core"
import { FileTokenStore } from "@ociauth/store"
import { Budget, RegistryEmulator } from "@ociauth/testing"
import { Cli } from "@ociauth/cli"
import { NodeCredentials } from "ociauth"
import { Effect, FileSystem, Layer, PlatformError } from "effect"
import { runBin, runCli } from "../utils.js"

const CANARY = "CANARY-configfiles-93d0"
const b64 = (text: string) => Buffer.from(text).toString("base64")

let a: RegistryEmulator.RegistryEmulator
let b: RegistryEmulator.RegistryEmulator
let dir: string
beforeAll(async () => {
  a = await RegistryEmulator.start({ profile: "distribution", users: { me: CANARY }, privateRepositories: ["*"] })
  b = await RegistryEmulator.start({ profile: "distribution", users: { me: CANARY }, privateRepositories: ["*"] })
  a.pushImage("me/app", "1.0")
  b.pushImage("me/app", "1.0")
  dir = mkdtempSync(join(tmpdir(), "ociauth-cli-files-"))
})
afterAll(async () => {
  await a.close()
  await b.close()
  rmSync(dir, { recursive: true, force: true })
})

let count = 0
const fresh = (name: string) => {
  const folder = join(dir, `${name}-${count++}`)
  mkdirSync(folder, { recursive: true })
  return folder
}

/** The seams for a docker config at `file`, and a file token store in `cache`. */
const seams = (file: string, cache?: string): Cli.Options => ({
  store: NodeCredentials.layerStore({ path: file }),
  credentials: NodeCredentials.layerWith({ dockerConfig: { path: file }, podman: { path: join(dir, "no-podman.json") } }),
  ...(cache === undefined ? {} : { tokenStore: FileTokenStore.layer({ directory: cache }).pipe(Layer.provide(Cli.layerPlatform), Layer.orDie) })
})

const login = (host: string, options: Cli.Options) =>
  runCli(["login", host, "-u", "me", "--password-stdin", "--insecure", "--skip-verify"], { ...options, stdin: `${CANARY}\n` })

const authOf = (file: string, host: string): unknown => (JSON.parse(readFileSync(file, "utf8")) as { auths: Record<string, { auth?: string }> }).auths[host]?.auth

describe("login / logout: docker's config file", () => {
  it.live("a new config.json is 0600 and alone in its folder after login and logout", () =>
    Effect.gen(function* () {
      const folder = join(fresh("new"), ".docker")
      const file = join(folder, "config.json")
      const first = yield* login(a.host, seams(file))
      assert.strictEqual(first.code, 0, first.stderr)
      assert.strictEqual(authOf(file, a.host), b64(`me:${CANARY}`))
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(readdirSync(folder), ["config.json"])
      const second = yield* login(b.host, seams(file))
      assert.strictEqual(second.code, 0, second.stderr)
      assert.deepStrictEqual(readdirSync(folder), ["config.json"])
      const out = yield* runCli(["logout", a.host], seams(file))
      assert.strictEqual(out.code, 0, out.stderr)
      assert.strictEqual(authOf(file, a.host), undefined)
      assert.strictEqual(authOf(file, b.host), b64(`me:${CANARY}`))
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(readdirSync(folder), ["config.json"], "no config.json.XXXXXX file or folder left")
    }))

  it.live("a symlinked config.json is written through to its target (relative links, chains, a target not yet there)", () =>
    Effect.gen(function* () {
      const root = fresh("linked")
      mkdirSync(join(root, ".docker"))
      mkdirSync(join(root, "dotfiles"))
      const target = join(root, "dotfiles", "docker-config.json")
      writeFileSync(target, JSON.stringify({ auths: {}, detachKeys: "ctrl-e,e" }), { mode: 0o600 })
      const link = join(root, ".docker", "config.json")
      symlinkSync(join("..", "dotfiles", "docker-config.json"), link)

      const outcome = yield* login(a.host, seams(link))
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.isTrue(lstatSync(link).isSymbolicLink(), "the link is still a link")
      assert.strictEqual(readlinkSync(link), join("..", "dotfiles", "docker-config.json"))
      assert.strictEqual(authOf(target, a.host), b64(`me:${CANARY}`))
      assert.strictEqual(JSON.parse(readFileSync(target, "utf8")).detachKeys, "ctrl-e,e")
      assert.deepStrictEqual(readdirSync(join(root, ".docker")), ["config.json"])
      assert.deepStrictEqual(readdirSync(join(root, "dotfiles")), ["docker-config.json"])

      const out = yield* runCli(["logout", a.host], seams(link))
      assert.strictEqual(out.code, 0, out.stderr)
      assert.isTrue(lstatSync(link).isSymbolicLink())
      assert.strictEqual(authOf(target, a.host), undefined)
      assert.deepStrictEqual(readdirSync(join(root, "dotfiles")), ["docker-config.json"])

      // A chain of links, the last one dangling: the file is created where it points.
      const chain = fresh("chain")
      const final = join(chain, "store", "final.json")
      mkdirSync(join(chain, "store"))
      symlinkSync(final, join(chain, "middle.json"))
      symlinkSync("middle.json", join(chain, "config.json"))
      const created = yield* login(a.host, seams(join(chain, "config.json")))
      assert.strictEqual(created.code, 0, created.stderr)
      assert.isTrue(lstatSync(join(chain, "config.json")).isSymbolicLink())
      assert.isTrue(lstatSync(join(chain, "middle.json")).isSymbolicLink())
      assert.strictEqual(authOf(final, a.host), b64(`me:${CANARY}`))
      assert.strictEqual(statSync(final).mode & 0o777, 0o600)
      assert.deepStrictEqual(readdirSync(join(chain, "store")), ["final.json"])
    }))

  it.live("files, folders and symlinks already at temporary names are neither followed nor clobbered", () =>
    Effect.gen(function* () {
      const folder = fresh("precreated")
      const file = join(folder, "config.json")
      writeFileSync(file, JSON.stringify({ auths: {} }), { mode: 0o600 })
      const victim = join(fresh("victim"), "victim.txt")
      writeFileSync(victim, "untouched")
      writeFileSync(join(folder, "config.json.tmp"), "a file")
      mkdirSync(join(folder, "config.json.lock"))
      symlinkSync(victim, join(folder, "config.json.new"))
      // The very names the writer will pick next: a symlink to the victim, then a folder.
      const taken = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"]
      symlinkSync(victim, join(folder, `config.json.${taken[0]}.tmp`))
      mkdirSync(join(folder, `config.json.${taken[1]}.tmp`))
      const before = readdirSync(folder).sort()
      const spy = vi.spyOn(globalThis.crypto, "randomUUID")
      for (const uuid of taken) spy.mockReturnValueOnce(uuid as `${string}-${string}-${string}-${string}-${string}`)
      let calls = 0
      const outcome = yield* login(a.host, seams(file)).pipe(
        Effect.ensuring(Effect.sync(() => {
          calls = spy.mock.calls.length
          spy.mockRestore()
        }))
      )
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.isAtLeast(calls, 3, "the two names taken were tried")
      assert.strictEqual(authOf(file, a.host), b64(`me:${CANARY}`))
      assert.strictEqual(readFileSync(victim, "utf8"), "untouched")
      assert.isTrue(lstatSync(join(folder, `config.json.${taken[0]}.tmp`)).isSymbolicLink())
      assert.isTrue(statSync(join(folder, `config.json.${taken[1]}.tmp`)).isDirectory())
      assert.strictEqual(readFileSync(join(folder, "config.json.tmp"), "utf8"), "a file")
      assert.isTrue(lstatSync(join(folder, "config.json.new")).isSymbolicLink())
      assert.isFalse(lstatSync(file).isSymbolicLink())
      assert.deepStrictEqual(readdirSync(folder).sort(), before, "nothing added, nothing removed")
    }))

  it.live("a write that fails leaves nothing behind, and the file as it was", () =>
    Effect.gen(function* () {
      const folder = fresh("failing")
      const file = join(folder, "config.json")
      const original = JSON.stringify({ auths: { "other.example": { auth: "eDp5" } } })
      writeFileSync(file, original, { mode: 0o600 })
      // A file system whose rename fails (a full disk, another process): the temporary file must go.
      const failingRename = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => ({
          ...fs,
          rename: (from: string) => Effect.fail(PlatformError.systemError({ _tag: "Unknown", module: "FileSystem", method: "rename", pathOrDescriptor: from }))
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const store = CredentialStore.layerDockerConfig({ path: file }).pipe(Layer.provide(failingRename), Layer.provide(Cli.layerPlatform))
      const outcome = yield* login(a.host, { ...seams(file), store })
      assert.notStrictEqual(outcome.code, 0)
      assert.include(outcome.stderr, "cannot write the file")
      assert.deepStrictEqual(readdirSync(folder), ["config.json"])
      assert.strictEqual(readFileSync(file, "utf8"), original)
    }))
})

describe("logout forgets the registry's cached tokens", () => {
  const tokenFiles = (cache: string) => readdirSync(cache).filter((name) => name.startsWith("token-"))
  const registryOf = (cache: string, name: string) => (JSON.parse(readFileSync(join(cache, name), "utf8")) as { registry?: string }).registry

  it.live("in process: a's tokens go, b's stay", () =>
    Effect.gen(function* () {
      const folder = fresh("tokens")
      const file = join(folder, "config.json")
      const cache = join(folder, "cache")
      for (const registry of [a, b]) {
        assert.strictEqual((yield* login(registry.host, seams(file, cache))).code, 0)
        const token = yield* runCli(["token", `${registry.host}/me/app`, "--insecure"], seams(file, cache))
        assert.strictEqual(token.code, 0, token.stderr)
        const request = yield* runCli(["request", `${registry.host}/me/app:1.0`, "--insecure"], seams(file, cache))
        assert.strictEqual(request.code, 0, request.stderr)
      }
      const before = new Map(tokenFiles(cache).map((n) => [n, registryOf(cache, n)]))
      const of = (host: string) => [...before].filter(([, registry]) => registry === host).map(([n]) => n).sort()
      assert.isAbove(of(a.host).length, 0, "a's tokens are cached")
      assert.isAbove(of(b.host).length, 0, "b's tokens are cached")
      assert.strictEqual(of(a.host).length + of(b.host).length, before.size, "every token names its registry")

      const out = yield* runCli(["logout", a.host], seams(file, cache))
      assert.strictEqual(out.code, 0, out.stderr)
      assert.include(out.stdout, "cached token")
      const after = tokenFiles(cache)
      assert.deepStrictEqual(after.filter((n) => registryOf(cache, n) === a.host), [], "a's tokens are gone")
      assert.deepStrictEqual(after.sort(), of(b.host), "b's are all there")
      assert.deepStrictEqual(readdirSync(folder).sort(), ["cache", "config.json"])
      const again = yield* runCli(["logout", a.host], seams(file, cache))
      assert.include(again.stdout, "Not logged in")
      assert.notInclude(again.stdout, "cached token")
    }))

  it("the program (its default file store in the user's cache folder, docker's config in ~/.docker): nothing left, a's tokens forgotten", async () => {
    const home = fresh("home")
    const cache = join(home, ".cache", "ociauth")
    const env = { HOME: home, XDG_CACHE_HOME: join(home, ".cache"), DOCKER_CONFIG: join(home, ".docker"), REGISTRY_AUTH_FILE: join(home, "none.json") }
    for (const registry of [a, b]) {
      const login = await runBin(["login", registry.host, "-u", "me", "--password-stdin", "--insecure"], { stdin: `${CANARY}\n`, env })
      assert.strictEqual(login.code, 0, login.stderr)
      const token = await runBin(["token", `${registry.host}/me/app`, "--insecure"], { env })
      assert.strictEqual(token.code, 0, token.stderr)
    }
    assert.deepStrictEqual(readdirSync(join(home, ".docker")), ["config.json"])
    assert.strictEqual(statSync(join(home, ".docker", "config.json")).mode & 0o777, 0o600)
    const before = tokenFiles(cache)
    assert.isAbove(before.filter((n) => registryOf(cache, n) === a.host).length, 0)
    const out = await runBin(["logout", a.host], { env })
    assert.strictEqual(out.code, 0, out.stderr)
    assert.deepStrictEqual(readdirSync(join(home, ".docker")), ["config.json"])
    const after = tokenFiles(cache)
    assert.deepStrictEqual(after.filter((n) => registryOf(cache, n) === a.host), [])
    assert.isAbove(after.filter((n) => registryOf(cache, n) === b.host).length, 0)
  }, Budget.scaled(180_000))
})
