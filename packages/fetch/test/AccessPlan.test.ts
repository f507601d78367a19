/**
 * Access plans (`RegistryClient.withAccess`): one token for every repository a
 * program declares, and a token of its own for a request the plan's token does
 * not cover — before the request is sent, never after a failure.
 */
import { HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect, Layer } from "effect"

const clientLayer = (emulator: RegistryEmulator.RegistryEmulator, options: RegistryClient.Options = {}) =>
  RegistryClient.layerClient(options).pipe(
    Layer.provide(Authenticator.layer()),
    Layer.provide(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer([RegistryAdapter.make({ name: "emulator", hosts: [emulator.host], challenge: emulator.challenge })]),
        CredentialProvider.layerAnonymous
      )
    )
  )

/** What `skopeo inspect` reads: the manifest, the config blob, the tags. */
const inspect = (emulator: RegistryEmulator.RegistryEmulator, repository: string, config: string) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) =>
    Effect.forEach(
      [
        HttpClientRequest.get(`${emulator.origin}/v2/${repository}/manifests/latest`).pipe(
          HttpClientRequest.setHeader("accept", "application/vnd.oci.image.manifest.v1+json")
        ),
        HttpClientRequest.get(`${emulator.origin}/v2/${repository}/blobs/${config}`),
        HttpClientRequest.get(`${emulator.origin}/v2/${repository}/tags/list`)
      ],
      (request) => Effect.flatMap(client.execute(request), (response) => Effect.as(response.arrayBuffer, response.status))
    )
  )

const plan = (emulator: RegistryEmulator.RegistryEmulator, repositories: ReadonlyArray<string>): ReadonlyArray<RegistryClient.Access> =>
  repositories.map((repository) => ({ registry: emulator.host, repository }))

describe("access plans", () => {
  let emulator: RegistryEmulator.RegistryEmulator
  const configs = new Map<string, string>()
  const repositories = Array.from({ length: 10 }, (_, i) => `team/r${i}`)
  beforeAll(async () => {
    emulator = await RegistryEmulator.start({ privateRepositories: ["secret/*"] })
    for (const repository of [...repositories, "secret/x"]) configs.set(repository, emulator.pushImage(repository, "latest").config)
  })
  afterAll(() => emulator.close())
  const count = (server: string) => emulator.log.count({ server })

  it.live("inspect 10 repositories: 10 tokens without a plan, 1 with it; 30 registry requests either way, all 200", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const without = yield* Effect.forEach(repositories, (r) => inspect(emulator, r, configs.get(r)!)).pipe(Effect.provide(clientLayer(emulator)))
      assert.deepStrictEqual([count("registry"), count("token")], [30, 10], emulator.log.format())
      emulator.log.clear()
      const withPlan = yield* Effect.forEach(repositories, (r) => inspect(emulator, r, configs.get(r)!)).pipe(
        RegistryClient.withAccess(plan(emulator, repositories)),
        Effect.provide(clientLayer(emulator))
      )
      assert.deepStrictEqual([count("registry"), count("token")], [30, 1], emulator.log.format())
      assert.deepStrictEqual(withPlan, without)
      assert.isTrue(withPlan.flat().every((status) => status === 200))
      const scopes = new URLSearchParams(emulator.log.filter({ server: "token" })[0]!.query).getAll("scope")
      assert.deepStrictEqual([...scopes].sort(), repositories.map((r) => `repository:${r}:pull`).sort())
    }))

  it.live("a plan given as a client option works the same, for the client's whole life", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      yield* Effect.forEach(repositories.slice(0, 4), (r) => inspect(emulator, r, configs.get(r)!)).pipe(
        Effect.provide(clientLayer(emulator, { access: plan(emulator, repositories.slice(0, 4)) }))
      )
      assert.deepStrictEqual([count("registry"), count("token")], [12, 1], emulator.log.format())
    }))

  it("the fetch façade takes a plan as its access option", async () => {
    emulator.log.clear()
    const adapter = RegistryAdapter.make({ name: "emulator", hosts: [emulator.host], challenge: emulator.challenge })
    const registryFetch = makeRegistryFetch({ adapters: [adapter], access: plan(emulator, repositories) })
    try {
      for (const repository of repositories) {
        const response = await registryFetch(`${emulator.origin}/v2/${repository}/tags/list`)
        assert.strictEqual(response.status, 200)
        await response.arrayBuffer()
      }
    } finally {
      await registryFetch.close()
    }
    assert.deepStrictEqual([count("registry"), count("token")], [10, 1], emulator.log.format())
  })

  it.live("narrowed: the repositories the token server grants share the token; the one it refuses fails typed, unsent", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const result = yield* Effect.gen(function* () {
        const granted = yield* Effect.forEach(["team/r0", "team/r1"], (r) => inspect(emulator, r, configs.get(r)!))
        const refused = yield* Effect.flip(inspect(emulator, "secret/x", configs.get("secret/x")!))
        return { granted, refused }
      }).pipe(RegistryClient.withAccess(plan(emulator, ["team/r0", "team/r1", "secret/x"])), Effect.provide(clientLayer(emulator)))
      assert.isTrue(result.granted.flat().every((status) => status === 200))
      assert.strictEqual(result.refused._tag, "InsufficientScope")
      // 6 requests for r0 and r1, none for secret/x; the plan's token, then secret/x's own.
      assert.deepStrictEqual([count("registry"), count("token")], [6, 2], emulator.log.format())
      assert.strictEqual(emulator.log.count((e) => e.server === "registry" && e.status !== 200), 0)
    }))

  it.live("capped: a registry granting 2 scopes per token; the others get tokens of their own, no request fails", () =>
    Effect.gen(function* () {
      const capped = yield* Effect.promise(() => RegistryEmulator.start({ maxTokenScopes: 2 }))
      yield* Effect.addFinalizer(() => Effect.promise(() => capped.close()))
      const names = ["a/r0", "a/r1", "a/r2", "a/r3"]
      const pushed = new Map(names.map((r) => [r, capped.pushImage(r, "latest").config]))
      const statuses = yield* Effect.forEach(names, (r) => inspect(capped, r, pushed.get(r)!)).pipe(
        RegistryClient.withAccess(plan(capped, names)),
        Effect.provide(clientLayer(capped))
      )
      assert.isTrue(statuses.flat().every((status) => status === 200))
      assert.strictEqual(capped.log.count({ server: "registry" }), 12, capped.log.format())
      // the plan's token (r0, r1), then r2's and r3's own
      assert.strictEqual(capped.log.count({ server: "token" }), 3, capped.log.format())
    }).pipe(Effect.scoped))
})
