/**
 * The Docker Hub adapter: the core conformance suite, then the scenarios of
 * seeds 000, 002 and 003 replayed through the SDK against the emulator's
 * dockerHub profile (the adapter aimed at it with `DockerHub.make`).
 */
import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Reference, RegistryAdapter, Scope } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { DockerHub } from "@ociauth/docker-hub"
import { makeRegistryFetch, RateLimit } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Option } from "effect"

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`

describe("DockerHub.adapter", () => {
  for (const check of Conformance.checks(DockerHub.adapter, {
    hosts: ["docker.io", "index.docker.io", "registry-1.docker.io", "DOCKER.IO"],
    foreignHosts: ["ghcr.io", "registry.docker.io", "auth.docker.io", "hub.docker.com", "docker.io.evil.example"],
    repositories: [["alpine", "library/alpine"], ["library/alpine", "library/alpine"], ["toddysm/python", "toddysm/python"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the seeds show", () => {
    const a = DockerHub.adapter
    assert.strictEqual(a.origin("docker.io"), "https://registry-1.docker.io")
    assert.strictEqual(a.origin("index.docker.io"), "https://registry-1.docker.io")
    assert.strictEqual(a.credentialHost("registry-1.docker.io"), "docker.io")
    const challenge = Option.getOrThrow(a.challenge)
    assert.deepStrictEqual(challenge, { scheme: "bearer", realm: "https://auth.docker.io/token", service: "registry.docker.io", scopes: [] })
    assert.strictEqual(Duration.toSeconds(a.defaultTokenLifetime), 300)
    assert.isFalse(a.capabilities.catalog)
    assert.isTrue(a.capabilities.delete)
  })

  it.effect("references parse to the names the adapter serves", () =>
    Effect.gen(function* () {
      const ref = yield* Reference.parse("alpine")
      assert.isTrue(DockerHub.adapter.matches(ref.registry))
      assert.strictEqual(DockerHub.adapter.normalizeRepository(ref.repository), "library/alpine")
    }))
})

describe("Docker Hub seeds through the SDK (emulator dockerHub profile)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let python: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  let toddy: RegistryFetch

  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { toddysm: "dckr_pat_x" }, privateRepositories: ["toddysm/*"] })
    python = hub.pushImage("library/python", "3.10")
    hub.pushImage("library/alpine", "latest")
    hub.pushImage("toddysm/python", "3.10")
    adapter = DockerHub.make({ origin: hub.origin, realm: hub.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    toddy = makeRegistryFetch({ adapters: [adapter], credentials: { "docker.io": { username: "toddysm", password: "dckr_pat_x" } } })
  })
  afterAll(async () => {
    await anonymous.close()
    await toddy.close()
    await hub.close()
  })

  const costOf = async <A>(run: () => Promise<A>) => {
    hub.log.clear()
    const result = await run()
    return { result, registry: hub.log.count({ server: "registry" }), token: hub.log.count({ server: "token" }) }
  }

  it("the root URL is not the API: 404, no auth attempted", async () => {
    const { result, token } = await costOf(() => anonymous("https://registry-1.docker.io/"))
    assert.strictEqual(result.status, 404)
    assert.strictEqual(token, 0)
  })

  it("/v2/ and /v2 (no slash): 200 with a scope-less token, 2 round trips cold", async () => {
    const cold = await costOf(() => anonymous("https://registry-1.docker.io/v2/"))
    assert.strictEqual(cold.result.status, 200)
    assert.deepStrictEqual([cold.registry, cold.token], [1, 1])
    const noSlash = await costOf(() => anonymous("https://registry-1.docker.io/v2"))
    assert.strictEqual(noSlash.result.status, 200)
    assert.deepStrictEqual([noSlash.registry, noSlash.token], [1, 0])
  })

  it("the DNS split: API at registry-1, tokens from the auth origin for service registry.docker.io", async () => {
    await costOf(() => anonymous("https://docker.io/v2/library/python/tags/list"))
    const tokenRequest = hub.log.filter({ server: "token" })[0]!
    const query = new URLSearchParams(tokenRequest.query)
    assert.strictEqual(query.get("service"), "registry.docker.io")
    assert.deepStrictEqual(query.getAll("scope"), ["repository:library/python:pull"])
    assert.notStrictEqual(new URL(hub.tokenServer.realm).origin, hub.origin)
  })

  it("_catalog is Unsupported without any request", async () => {
    const { result, registry, token } = await costOf(() => anonymous("https://docker.io/v2/_catalog").catch((e: unknown) => e))
    assert.strictEqual((result as { _tag: string })._tag, "Unsupported")
    assert.deepStrictEqual([registry, token], [0, 0])
  })

  it("anonymous pull of a public repository: manifest, with rate-limit data, and tags", async () => {
    const manifest = await anonymous("https://docker.io/v2/python/manifests/3.10", {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" }
    })
    assert.strictEqual(manifest.status, 200)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), python.digest)
    const rate = Option.getOrThrow(RateLimit.fromHeaders(manifest.headers, 0))
    assert.strictEqual(Option.getOrThrow(rate.limit).amount, 100)
    assert.isTrue(Option.isSome(rate.remaining))
    await manifest.arrayBuffer()
  })

  it("seed 002: GET index.docker.io/v2/alpine/manifests/latest succeeds (library/ and service fixed)", async () => {
    const { result, registry, token } = await costOf(() => anonymous("https://index.docker.io/v2/alpine/manifests/latest"))
    assert.strictEqual(result.status, 200)
    assert.strictEqual(registry, 1)
    assert.isAtMost(token, 1)
    const scopes = hub.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query).getAll("scope")).flat()
    assert.notInclude(scopes, "repository:alpine:pull")
  })

  it("narrowed grants: an anonymous push fails with InsufficientScope before reaching the registry", async () => {
    const { result, registry } = await costOf(() =>
      anonymous("https://docker.io/v2/library/python/blobs/uploads/", { method: "POST" }).catch((e: unknown) => e)
    )
    const error = result as { _tag: string; requested: Array<string>; granted: Array<string> }
    assert.strictEqual(error._tag, "InsufficientScope")
    assert.deepStrictEqual(error.requested, ["repository:library/python:pull,push"])
    assert.deepStrictEqual(error.granted, ["repository:library/python:pull"])
    assert.strictEqual(registry, 0)
  })

  it("a private repository: anonymous is refused; the owner pulls, pushes, and deletes by digest an untagged manifest only", async () => {
    const refused = await anonymous("https://docker.io/v2/toddysm/python/manifests/3.10").catch((e: unknown) => e)
    assert.strictEqual((refused as { _tag: string })._tag, "InsufficientScope")

    const pulled = await toddy("https://docker.io/v2/toddysm/python/manifests/3.10")
    assert.strictEqual(pulled.status, 200)
    const manifest = await pulled.text()
    const put = await toddy("https://docker.io/v2/toddysm/python/manifests/3.11", {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(put.status, 201)
    // Docker Hub deletes by digest only, and only a manifest no tag points at (its registry API reference):
    // 3.11 points at this one, so the owner is refused with Hub's 403 DENIED, and the manifest stays.
    const tagged = await toddy(`https://docker.io/v2/toddysm/python/manifests/${put.headers.get("docker-content-digest")}`, { method: "DELETE" })
    assert.strictEqual(tagged.status, 403)
    assert.deepStrictEqual(((await tagged.json()) as { errors: Array<{ code: string }> }).errors.map((e) => e.code), ["DENIED"])
    assert.strictEqual((await toddy("https://docker.io/v2/toddysm/python/manifests/3.11", { method: "HEAD" })).status, 200)
    // A manifest pushed by digest (no tag) is deleted.
    const untagged = JSON.stringify({ ...JSON.parse(manifest), annotations: { "org.example.untagged": "yes" } })
    const putByDigest = await toddy(`https://docker.io/v2/toddysm/python/manifests/${sha256(untagged)}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: untagged
    })
    assert.strictEqual(putByDigest.status, 201)
    const deleted = await toddy(`https://docker.io/v2/toddysm/python/manifests/${putByDigest.headers.get("docker-content-digest")}`, { method: "DELETE" })
    assert.strictEqual(deleted.status, 202)
    assert.strictEqual((await toddy(`https://docker.io/v2/toddysm/python/manifests/${putByDigest.headers.get("docker-content-digest")}`, { method: "HEAD" })).status, 404)
    const tokenScopes = hub.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query).getAll("scope")).flat()
    assert.include(tokenScopes, "repository:toddysm/python:delete")
  })

  it("a wrong password or PAT: TokenRequestError Unauthorized carrying auth.docker.io's own words ({\"details\": …}), never the secret", async () => {
    const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { "docker.io": { username: "toddysm", password: "dckr_pat_wrong" } } })
    try {
      const error = (await wrong("https://docker.io/v2/toddysm/python/manifests/3.10").catch((e: unknown) => e)) as {
        _tag: string
        reason: string
        status: number
        detail: string
        message: string
      }
      assert.deepStrictEqual([error._tag, error.reason, error.status, error.detail], ["TokenRequestError", "Unauthorized", 401, "incorrect username or password"])
      assert.include(error.message, "incorrect username or password")
      assert.notInclude(error.message, "dckr_pat_wrong")
    } finally {
      await wrong.close()
    }
  })

  it("blobs come from the CDN; the token never goes there", async () => {
    const response = await anonymous(`https://docker.io/v2/python/blobs/${python.layers[0]}`)
    assert.strictEqual(response.status, 200)
    assert.strictEqual((await response.arrayBuffer()).byteLength, 512)
    assert.strictEqual(hub.log.count({ server: "cdn", authorization: "bearer" }), 0)
    assert.isAbove(hub.log.count({ server: "cdn", status: 200 }), 0)
  })

  it("credentials are looked up under docker.io whichever Docker Hub host is used", async () => {
    for (const host of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
      const response = await toddy(`https://${host}/v2/toddysm/python/tags/list`)
      assert.strictEqual(response.status, 200, host)
      await response.arrayBuffer()
    }
  })

  it("scopes the engine infers are the ones Docker Hub expects", () => {
    assert.deepStrictEqual(Scope.fromRequest("DELETE", "https://registry-1.docker.io/v2/toddysm/python/manifests/sha256:ab").map(Scope.format), [
      "repository:toddysm/python:delete"
    ])
  })
})
