/**
 * The writable store: docker's config file and a real credential helper
 * executable, as `docker login` / `docker logout` write them.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Credential, CredentialProvider, CredentialStore } from "@ociauth/core"
import * as CredentialHelper from "@ociauth/core/CredentialHelper"
import * as DockerConfig from "@ociauth/core/DockerConfig"
import { CredentialHelperScript } from "@ociauth/testing"
import { Effect, Layer, Option, Redacted } from "effect"

const platform = NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
const CANARY = "CANARY-store-9f2"
const basic = (username: string, password: string) => Credential.Basic({ username, password: Redacted.make(password) })
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"))

let dir: string
let helper: CredentialHelperScript.CredentialHelperScript
let savedPath: string | undefined
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ociauth-store-"))
  helper = await CredentialHelperScript.write("test")
  savedPath = process.env.PATH
  process.env.PATH = helper.path
})
afterAll(async () => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
  await helper.remove()
})

const storeAt = (path: string) =>
  Effect.map(CredentialStore.CredentialStore, (s) => s).pipe(Effect.provide(CredentialStore.layerDockerConfig({ path }).pipe(Layer.provide(platform))))
const readBack = (path: string, host: string) =>
  Effect.flatMap(CredentialProvider.CredentialProvider, (p) => p.get(host)).pipe(
    Effect.provide(CredentialProvider.layerDockerConfig({ path }).pipe(Layer.provide(platform)))
  )

describe("CredentialStore.layerDockerConfig", () => {
  it.effect("auths: base64 auth under docker's key, the rest of the file and its mode kept", () =>
    Effect.gen(function* () {
      const file = join(dir, "auths.json")
      writeFileSync(file, JSON.stringify({ auths: { "other.example": { auth: "b3RoZXI6cHc=" } }, psFormat: "table", proxies: { x: 1 } }), { mode: 0o640 })
      const store = yield* storeAt(file)
      const stored = yield* store.store("docker.io", basic("me", CANARY))
      assert.deepStrictEqual(stored, { file, helper: Option.none(), serverAddress: "https://index.docker.io/v1/" })
      const written = json(file)
      assert.strictEqual(written.psFormat, "table")
      assert.deepStrictEqual(written.proxies, { x: 1 })
      assert.strictEqual(written.auths["other.example"].auth, "b3RoZXI6cHc=")
      assert.strictEqual(written.auths["https://index.docker.io/v1/"].auth, Buffer.from(`me:${CANARY}`).toString("base64"))
      assert.strictEqual(statSync(file).mode & 0o777, 0o640)
      const back = yield* readBack(file, "registry-1.docker.io")
      assert.isTrue(back._tag === "Basic" && back.username === "me" && Redacted.value(back.password) === CANARY)

      const erased = yield* store.erase("index.docker.io")
      assert.isTrue(erased.found)
      assert.deepStrictEqual(Object.keys(json(file).auths), ["other.example"])
      assert.isFalse((yield* store.erase("docker.io")).found)
    }))

  it.effect("a new file is 0600, in a new 0700 directory", () =>
    Effect.gen(function* () {
      const file = join(dir, "fresh", "config.json")
      const store = yield* storeAt(file)
      yield* store.store("localhost:5000", Credential.IdentityToken({ token: Redacted.make(CANARY), username: "me" }))
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(statSync(join(dir, "fresh")).mode & 0o777, 0o700)
      assert.deepStrictEqual(json(file).auths["localhost:5000"], { auth: Buffer.from("me:").toString("base64"), identitytoken: CANARY })
    }))

  it.effect("credsStore / credHelpers: the helper keeps the secret, the file an empty entry", () =>
    Effect.gen(function* () {
      const file = join(dir, "helper.json")
      writeFileSync(file, JSON.stringify({ credsStore: "test", credHelpers: { "ghcr.io": "test" }, auths: {} }))
      const store = yield* storeAt(file)
      const stored = yield* store.store("ghcr.io", basic("octo", CANARY))
      assert.deepStrictEqual(stored.helper, Option.some("test"))
      assert.deepStrictEqual(json(file).auths, { "ghcr.io": {} })
      assert.notInclude(readFileSync(file, "utf8"), CANARY)
      assert.deepStrictEqual(yield* Effect.promise(() => helper.entries()), { "ghcr.io": { Username: "octo", Secret: CANARY } })
      const back = yield* readBack(file, "ghcr.io")
      assert.isTrue(back._tag === "Basic" && Redacted.value(back.password) === CANARY)

      const erased = yield* store.erase("ghcr.io")
      assert.isTrue(erased.found)
      assert.deepStrictEqual(yield* Effect.promise(() => helper.entries()), {})
      assert.deepStrictEqual(json(file).auths, {})
      assert.strictEqual((yield* readBack(file, "ghcr.io"))._tag, "Anonymous")
    }))

  it.effect("a file that is not JSON is never overwritten", () =>
    Effect.gen(function* () {
      const file = join(dir, "broken.json")
      writeFileSync(file, "{ not json")
      const store = yield* storeAt(file)
      const error = yield* Effect.flip(store.store("ghcr.io", basic("me", CANARY)))
      assert.strictEqual(error._tag, "CredentialError")
      assert.strictEqual(readFileSync(file, "utf8"), "{ not json")
      assert.notInclude(error.message, CANARY)
    }))
})

describe("CredentialHelper.store / erase", () => {
  it.effect("a helper that fails says so without the secret it was fed", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(CredentialHelper.store("missing-helper", "ghcr.io", basic("me", CANARY)))
      assert.include(error.message, "docker-credential-missing-helper")
      assert.include(error.message, "not installed")
      assert.isFalse(yield* CredentialHelper.erase("test", "nothing.example"))
    }).pipe(Effect.provide(platform)))

  it("DockerConfig.helperFor: credHelpers first, then credsStore", () => {
    assert.deepStrictEqual(DockerConfig.helperFor({ credsStore: "desktop", credHelpers: { "ghcr.io": "gh" } }, "ghcr.io"), Option.some("gh"))
    assert.deepStrictEqual(DockerConfig.helperFor({ credsStore: "desktop" }, "quay.io"), Option.some("desktop"))
    assert.deepStrictEqual(DockerConfig.helperFor({}, "quay.io"), Option.none())
  })
})
