import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Scope, Token, TokenStore } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { FileChallengeStore, FileStore, FileTokenStore } from "@ociauth/store"
import { RegistryEmulator } from "@ociauth/testing"
import { ConfigProvider, DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { runScript } from "./utils/processes.js"

const SECRET = "tok-SECRET-8f2c1"
const KEY = "https://auth.example/token\u0000registry.example\u0000identity-digest\u0000repository:team/app:pull"

const tokenAt = (issued: number, seconds = 300): Token.Token => ({
  value: Redacted.make(SECRET),
  issuedAt: DateTime.makeUnsafe(issued),
  expiresAt: DateTime.makeUnsafe(issued + seconds * 1000),
  granted: Option.some([Scope.repository("team/app", ["pull"])]),
  refreshToken: Option.none(),
  scopes: [Scope.repository("team/app", ["pull"])]
})

const tempDirectory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "ociauth-store-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** The file stores alone (`layerWithoutMemory`): these tests read and tamper with the files themselves. */
const stores = (directory: string) =>
  Layer.mergeAll(FileTokenStore.layerWithoutMemory({ directory }), FileChallengeStore.layer({ directory })).pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer)))

const entryFiles = (directory: string) => readdir(directory).then((names) => names.filter((n) => !n.startsWith(".")))

describe("FileTokenStore", () => {
  it.effect("layer has a memory tier: a warm read reads no file, and a token removed on disk stops being served within the re-check", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const layer = FileTokenStore.layer({ directory, memory: { recheckInterval: "5 seconds" } }).pipe(
        Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
      )
      yield* Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        yield* store.set(KEY, tokenAt(0))
        const names = yield* Effect.promise(() => entryFiles(directory))
        assert.strictEqual(names.length, 1, "written through to the file")
        // Another process removes it.
        yield* Effect.promise(() => rm(join(directory, names[0]!)))
        assert.isTrue(Option.isSome(yield* store.get(KEY)), "served from memory: no file read")
        yield* TestClock.adjust("6 seconds")
        assert.isTrue(Option.isNone(yield* store.get(KEY)), "re-read from the file after the interval: gone")
      }).pipe(Effect.provide(layer))
    }))

  it.effect("keeps the token and its expiry in a 0600 file of a 0700 folder, named by a digest that reveals nothing", () =>
    Effect.gen(function* () {
      const directory = join(yield* tempDirectory, "nested", "ociauth")
      const token = tokenAt(0)
      const found = yield* Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        yield* store.set(KEY, token)
        return yield* store.get(KEY)
      }).pipe(Effect.provide(stores(directory)))
      assert.isTrue(Option.isSome(found))
      const back = Option.getOrThrow(found)
      assert.strictEqual(Redacted.value(back.value), SECRET)
      assert.isTrue(DateTime.Equivalence(back.expiresAt, token.expiresAt))
      assert.deepStrictEqual(back.scopes.map(Scope.format), ["repository:team/app:pull"])
      const names = yield* Effect.promise(() => entryFiles(directory))
      assert.strictEqual(names.length, 1)
      assert.match(names[0]!, /^token-[0-9a-f]{64}$/)
      assert.strictEqual((yield* Effect.promise(() => stat(directory))).mode & 0o777, 0o700)
      assert.strictEqual((yield* Effect.promise(() => stat(join(directory, names[0]!)))).mode & 0o777, 0o600)
      assert.notInclude(names[0]!, "team")
    }))

  it.effect("an expired entry is a miss and its file is removed when read", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        yield* store.set(KEY, tokenAt(0, 60))
        assert.isTrue(Option.isSome(yield* store.get(KEY)))
        yield* TestClock.adjust(Duration.seconds(61))
        assert.isTrue(Option.isNone(yield* store.get(KEY)))
      }).pipe(Effect.provide(stores(directory)))
      assert.deepStrictEqual(yield* Effect.promise(() => entryFiles(directory)), [])
    }))

  it.effect("an unreadable, tampered or misplaced entry is a miss, never an error", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        const other = `${KEY} other`
        yield* store.set(KEY, tokenAt(0))
        yield* store.set(other, tokenAt(0))
        const [a, b] = (yield* Effect.promise(() => entryFiles(directory))).map((n) => join(directory, n))
        // A file moved under another key's name is refused (the entry names the digest it was written for).
        const text = yield* Effect.promise(() => readFile(a!, "utf8"))
        yield* Effect.promise(() => writeFile(b!, text))
        const foundA = yield* store.get(KEY)
        const foundB = yield* store.get(other)
        assert.strictEqual(Option.isSome(foundA) !== Option.isSome(foundB), true)
        for (const garbage of ["{not json", JSON.stringify({ v: 1, key: "x" }), "\u0000\u0001", JSON.stringify({ ...JSON.parse(text), value: { value: 1 } })]) {
          yield* Effect.promise(() => writeFile(a!, garbage))
          yield* Effect.promise(() => writeFile(b!, garbage))
          assert.isTrue(Option.isNone(yield* store.get(KEY)))
          assert.isTrue(Option.isNone(yield* store.get(other)))
        }
        // and the next write replaces it
        yield* store.set(KEY, tokenAt(0))
        assert.isTrue(Option.isSome(yield* store.get(KEY)))
      }).pipe(Effect.provide(stores(directory)))
    }))

  it.effect("forget(host) removes the tokens written under withRegistry(host), expired or not, and no other's", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const removed = yield* Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        const file = yield* FileTokenStore.FileTokenStore
        yield* FileTokenStore.withRegistry(store.set(KEY, tokenAt(0)), "Registry.Example:5000")
        yield* FileTokenStore.withRegistry(store.set(`${KEY} short`, tokenAt(0, 1)), "registry.example:5000")
        yield* FileTokenStore.withRegistry(store.set(`${KEY} other`, tokenAt(0)), "registry-example:5000")
        yield* FileTokenStore.withRegistry(store.set(`${KEY} hub`, tokenAt(0)), "index.docker.io")
        yield* store.set(`${KEY} unnamed`, tokenAt(0))
        yield* TestClock.adjust(Duration.seconds(2))
        const first = yield* file.forget("registry.example:5000")
        assert.isTrue(Option.isNone(yield* store.get(KEY)))
        assert.isTrue(Option.isSome(yield* store.get(`${KEY} other`)))
        assert.isTrue(Option.isSome(yield* store.get(`${KEY} unnamed`)))
        const hub = yield* file.forget("docker.io")
        assert.isTrue(Option.isNone(yield* store.get(`${KEY} hub`)))
        return [first, hub, yield* file.forget("nowhere.example")]
      }).pipe(Effect.provide(stores(directory)))
      assert.deepStrictEqual(removed, [2, 1, 0])
      const names = yield* Effect.promise(() => entryFiles(directory))
      assert.strictEqual(names.length, 2)
      const registries = yield* Effect.promise(() => Promise.all(names.map((n) => readFile(join(directory, n), "utf8").then((t) => JSON.parse(t).registry))))
      assert.sameMembers(registries, ["registry-example:5000", undefined])
    }))

  it.effect("the folder: $XDG_CACHE_HOME/ociauth, else $HOME/.cache/ociauth", () =>
    Effect.gen(function* () {
      const at = (env: Record<string, string>) =>
        FileStore.directory.pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })),
          Effect.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
        )
      assert.strictEqual(yield* at({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }), "/x/cache/ociauth")
      assert.strictEqual(yield* at({ XDG_CACHE_HOME: "relative", HOME: "/home/u" }), "/home/u/.cache/ociauth")
      assert.strictEqual(yield* at({ HOME: "/home/u" }), "/home/u/.cache/ociauth")
    }))
})

describe("FileChallengeStore", () => {
  it.effect("keeps what an origin answered without the challenge's scope, for its time to live", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const origin = "https://registry.example"
      yield* Effect.gen(function* () {
        const store = yield* ChallengeStore.ChallengeStore
        yield* store.set(origin, Option.some({ scheme: "bearer", realm: "https://auth.example/token", service: "reg", scopes: [Scope.repository("user/image", ["pull"])] }))
        yield* store.set("https://open.example", Option.none())
        assert.deepStrictEqual(yield* store.get(origin), Option.some(Option.some({ scheme: "bearer" as const, realm: "https://auth.example/token", service: "reg", scopes: [] })))
        assert.deepStrictEqual(yield* store.get("https://open.example"), Option.some(Option.none()))
        yield* TestClock.adjust(Duration.hours(2))
        assert.isTrue(Option.isNone(yield* store.get(origin)))
      }).pipe(Effect.provide(stores(directory)))
    }))
})

describe("file stores across processes (tsx children against the emulator)", () => {
  let emulator: RegistryEmulator.RegistryEmulator
  let root: string
  beforeAll(async () => {
    emulator = await RegistryEmulator.start()
    emulator.pushImage("team/app", "v1")
    root = await mkdtemp(join(tmpdir(), "ociauth-store-fleet-"))
  })
  afterAll(async () => {
    await emulator.close()
    await rm(root, { recursive: true, force: true })
  })
  const tokenRequests = () => emulator.log.count({ server: "token" })
  const discoveries = () => emulator.log.count({ server: "registry", status: 401 })
  const client = (directory: string, concurrency = 1) =>
    runScript("client.ts", { origin: emulator.origin, directory, repository: "team/app", tag: "v1", concurrency })
  const ok = (outcome: Awaited<ReturnType<typeof client>>) => {
    assert.strictEqual(outcome.code, 0, `${JSON.stringify(outcome.lines)} ${outcome.stderr}`)
    assert.deepInclude(outcome.lines[0], { statuses: Array.from({ length: (outcome.lines[0] as { statuses: Array<number> }).statuses.length }, () => 200) })
  }

  it("two processes one after the other: the second makes 0 token and 0 discovery requests", async () => {
    const directory = join(root, "sequential")
    emulator.log.clear()
    ok(await client(directory))
    assert.strictEqual(tokenRequests(), 1, emulator.log.format())
    assert.strictEqual(discoveries(), 1, emulator.log.format())
    emulator.log.clear()
    ok(await client(directory))
    assert.strictEqual(tokenRequests(), 0, emulator.log.format())
    assert.strictEqual(discoveries(), 0, emulator.log.format())
    assert.strictEqual(emulator.log.count(), 1, emulator.log.format())
  })

  it("8 processes started together: at most 8 token requests, every entry intact, no temporary file left", async () => {
    const directory = join(root, "together")
    emulator.log.clear()
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => client(directory, 20)))
    outcomes.forEach(ok)
    assert.isAtMost(tokenRequests(), 8, emulator.log.format())
    const names = await readdir(directory)
    assert.deepStrictEqual(names.filter((n) => n.startsWith(".")), [])
    assert.deepStrictEqual(names.map((n) => n.replace(/-.*/, "")).sort(), ["challenge", "token"])
    for (const name of names) {
      const entry = JSON.parse(await readFile(join(directory, name), "utf8")) as { v: number; key: string }
      assert.strictEqual(entry.v, 1)
      assert.strictEqual(`${name.replace(/-.*/, "")}-${entry.key.replace(/^[a-z]+-/, "")}`, name)
    }
  })

  it("a corrupted token file is a miss: the request succeeds with a new token", async () => {
    const directory = join(root, "corrupted")
    ok(await client(directory))
    for (const name of await readdir(directory)) {
      if (name.startsWith("token-")) await writeFile(join(directory, name), "\u0000garbage{")
    }
    emulator.log.clear()
    ok(await client(directory))
    assert.strictEqual(tokenRequests(), 1, emulator.log.format())
    assert.strictEqual(discoveries(), 0, emulator.log.format())
  })
})
