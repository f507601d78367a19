import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { Console, Effect, Option } from "effect"
import * as Catalog from "../src/catalog.js"
import * as CheckLatest from "../src/check-latest.js"
import * as CustomAdapter from "../src/custom-adapter.js"
import { runDemo } from "../src/demo.js"
import * as ImageDigest from "../src/image-digest.js"
import * as ListTags from "../src/list-tags.js"
import * as PushImage from "../src/push-image.js"
import { layer } from "../src/shared.js"
import type { Setup } from "../src/shared.js"

/** Runs an effect with console output captured. */
const captured = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const console = yield* Console.Console
    const capture: Console.Console = { ...console, log: (...args: ReadonlyArray<unknown>) => void lines.push(args.join(" ")) }
    const result = yield* Effect.provideService(effect, Console.Console, capture)
    return { result, output: lines.join("\n") }
  })

describe("examples against the emulator", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let ghcr: RegistryEmulator.RegistryEmulator
  let corp: RegistryEmulator.RegistryEmulator
  let setup: Setup
  const images: Record<string, string> = {}

  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { me: "pw" } })
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { me: "ghp" } })
    corp = await RegistryEmulator.start({ users: { ci: "secret" }, service: "corp-registry" })
    images.alpine = hub.pushImage("library/alpine", "latest").digest
    for (const tag of ["1", "2", "3", "4", "5"]) hub.pushImage("library/python", tag)
    images.app = ghcr.pushImage("me/app", "1.0").digest
    corp.pushImage("team/app", "v1")
    setup = {
      targets: {
        dockerHub: { origin: hub.origin, realm: hub.tokenServer.realm },
        ghcr: { origin: ghcr.origin, realm: ghcr.tokenServer.realm }
      },
      credentials: { "ghcr.io": { username: "me", password: "ghp" } }
    }
  })
  afterAll(async () => {
    await Promise.all([hub.close(), ghcr.close(), corp.close()])
  })

  it.live("image-digest finds the digests the registries hold", () =>
    Effect.gen(function* () {
      const alpine = yield* ImageDigest.digestOf("alpine")
      const app = yield* ImageDigest.digestOf("ghcr.io/me/app:1.0")
      assert.strictEqual(alpine.digest, images.alpine)
      assert.strictEqual(alpine.image, "alpine:latest")
      assert.strictEqual(app.digest, images.app)
    }).pipe(Effect.provide(layer(setup))))

  it.live("list-tags follows pagination to the end", () =>
    Effect.gen(function* () {
      const { pages, tags } = yield* ListTags.listTags("python", 2)
      assert.deepStrictEqual(tags, ["1", "2", "3", "4", "5"])
      assert.strictEqual(pages, 3)
    }).pipe(Effect.provide(layer(setup))))

  it.live("catalog: Unsupported on Docker Hub without a request; a list on GHCR with credentials", () =>
    Effect.gen(function* () {
      hub.log.clear()
      const hubOut = yield* captured(Catalog.program("docker.io"))
      assert.include(hubOut.output, "does not support catalog listing")
      assert.strictEqual(hub.log.entries.length, 0)
      const repositories = yield* Catalog.listCatalog("ghcr.io")
      assert.include(repositories, "me/app")
    }).pipe(Effect.provide(layer(setup))))

  it.live("push-image pushes an image that can be pulled back by its digest", () =>
    Effect.gen(function* () {
      const { digest } = yield* PushImage.pushImage("ghcr.io/me/hello:1.0", "hi\n")
      const back = yield* ImageDigest.digestOf("ghcr.io/me/hello:1.0")
      assert.strictEqual(back.digest, digest)
      assert.deepStrictEqual(ghcr.tags("me/hello"), ["1.0"])
    }).pipe(Effect.provide(layer(setup))))

  it("the tar layer is a valid ustar archive", () => {
    const tar = PushImage.tarOf("a.txt", new TextEncoder().encode("x"))
    assert.strictEqual(tar.length, 512 * 4)
    assert.strictEqual(new TextDecoder().decode(tar.slice(257, 262)), "ustar")
    const stored = Number.parseInt(new TextDecoder().decode(tar.slice(148, 154)), 8)
    const sum = [...tar.slice(0, 512)].map((b, i) => (i >= 148 && i < 156 ? 32 : b)).reduce((a, b) => a + b, 0)
    assert.strictEqual(stored, sum)
  })

  it.live("custom-adapter lists tags and refuses DELETE before sending", () =>
    Effect.gen(function* () {
      corp.log.clear()
      const { output } = yield* captured(CustomAdapter.program("team/app"))
      assert.include(output, "registry.corp.example/team/app: v1")
      assert.include(output, "in-house does not support DELETE")
      assert.strictEqual(corp.log.count({ method: "DELETE" }), 0)
      assert.include(corp.log.filter({ server: "token" })[0]!.query, "service=corp-registry")
    }).pipe(
      Effect.provide(
        layer({
          ...setup,
          adapters: [CustomAdapter.inHouse({ origin: corp.origin, realm: corp.tokenServer.realm })],
          credentials: { [CustomAdapter.host]: { username: "ci", password: "secret" } }
        })
      )
    ))

  it.live("check-latest checks concurrently, reads the quota, and reports failures per image", () =>
    Effect.gen(function* () {
      const results = yield* CheckLatest.checkAll(["alpine", "python:3", "ghcr.io/me/app:1.0", "nosuch/image"])
      assert.strictEqual(Option.getOrThrow(results[0]!.digest), images.alpine)
      assert.isTrue(Option.isSome(results[0]!.remaining))
      assert.strictEqual(Option.getOrThrow(results[2]!.digest), images.app)
      assert.isTrue(Option.isSome(results[3]!.problem))
    }).pipe(Effect.provide(layer(setup))))
})

describe("the demo", () => {
  it.live("runs every example against the emulator, offline, and every step succeeds", () =>
    Effect.gen(function* () {
      const { output, result } = yield* captured(runDemo)
      assert.deepStrictEqual(result.failed, [])
      assert.strictEqual(result.steps, 14)
      for (const expected of [
        "token?      GET",
        "token!      granted repository:library/alpine:pull",
        "cache hit",
        "without Authorization",
        "Authorization seen by the CDN: never",
        "no request was sent",
        "refused as expected: Insufficient scope",
        "DELETE refused before sending",
        "6/6 images checked",
        "repository:user/image:pull is a placeholder",
        "Quirks (6)",
        "GetAuthorizationToken calls: 1",
        "Entra tokens: 1, exchanges: 1, access tokens: 2",
        "OAuth2 tokens: 1, registry tokens: 1",
        "14/14 steps succeeded"
      ]) {
        assert.include(output, expected)
      }
    }))
})
