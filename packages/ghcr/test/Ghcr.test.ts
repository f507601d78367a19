/**
 * The GHCR adapter: the core conformance suite, then the scenarios of seeds
 * 000/001 replayed through the SDK against the emulator's ghcr profile.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Scope } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import type { RegistryAdapter } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { Ghcr } from "@ociauth/ghcr"
import { RegistryEmulator } from "@ociauth/testing"
import { Duration, Option } from "effect"

describe("Ghcr.adapter", () => {
  for (const check of Conformance.checks(Ghcr.adapter, {
    hosts: ["ghcr.io", "GHCR.IO"],
    foreignHosts: ["docker.pkg.github.com", "github.com", "docker.io"],
    repositories: [["toddysm/python", "toddysm/python"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the seeds show", () => {
    const a = Ghcr.adapter
    assert.strictEqual(a.origin("ghcr.io"), "https://ghcr.io")
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "bearer", realm: "https://ghcr.io/token", service: "ghcr.io", scopes: [] })
    assert.isFalse(a.trustChallengeScope, "the /v2/ scope is a placeholder")
    assert.strictEqual(Duration.toSeconds(a.defaultTokenLifetime), 60, "no expires_in: the spec's 60 s")
    assert.isFalse(a.capabilities.delete)
    assert.isTrue(Option.isNone(a.catalogScope))
    assert.strictEqual(a.normalizeRepository("alpine"), "alpine", "no library/ on GHCR")
  })
})

describe("GHCR seeds through the SDK (emulator ghcr profile)", () => {
  let ghcr: RegistryEmulator.RegistryEmulator
  let image: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  let toddy: RegistryFetch
  const tokenScopes = () => ghcr.log.filter({ server: "token" }).flatMap((e) => new URLSearchParams(e.query).getAll("scope"))

  beforeAll(async () => {
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { toddysm: "ghp_token" } })
    image = ghcr.pushImage("toddysm/python", "3.10")
    adapter = Ghcr.make({ origin: ghcr.origin, realm: ghcr.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    toddy = makeRegistryFetch({ adapters: [adapter], credentials: { "ghcr.io": { username: "toddysm", password: "ghp_token" } } })
  })
  afterAll(async () => {
    await anonymous.close()
    await toddy.close()
    await ghcr.close()
  })

  it("/v2/: 200 with an empty body, and the placeholder scope is never requested", async () => {
    ghcr.log.clear()
    const response = await toddy("https://ghcr.io/v2/")
    assert.strictEqual(response.status, 200)
    assert.strictEqual(await response.text(), "")
    assert.notInclude(tokenScopes(), "repository:user/image:pull")
  })

  it("anonymous pull of a public package: tags, manifest GET and HEAD; 2 round trips cold", async () => {
    ghcr.log.clear()
    const tags = await anonymous("https://ghcr.io/v2/toddysm/python/tags/list")
    assert.deepStrictEqual(await tags.json(), { name: "toddysm/python", tags: ["3.10"] })
    assert.deepStrictEqual(ghcr.log.entries.map((e) => e.server), ["token", "registry"])
    for (const method of ["GET", "HEAD"]) {
      const manifest = await anonymous("https://ghcr.io/v2/toddysm/python/manifests/3.10", { method })
      assert.strictEqual(manifest.headers.get("docker-content-digest"), image.digest)
      await manifest.arrayBuffer()
    }
    assert.strictEqual(ghcr.log.count({ server: "token" }), 1, "the opaque token is reused within its 60 s")
  })

  it("missing expires_in: the token is held for 60 s (the response has none)", async () => {
    ghcr.log.clear()
    const events: Array<string> = []
    const watched = makeRegistryFetch({ adapters: [adapter], credentials: {}, onEvent: (e) => events.push(e._tag === "TokenIssued" ? `issued:${e.expiresAt.epochMilliseconds}` : e._tag) })
    try {
      const before = Date.now()
      await (await watched("https://ghcr.io/v2/toddysm/python/tags/list")).arrayBuffer()
      const after = Date.now()
      const expiresAt = Number(events.find((e) => e.startsWith("issued:"))!.slice(7))
      // Issued between before and after (±1 s): 60 s of life, however long a busy machine took to ask.
      assert.isAtLeast(expiresAt - before, 59_000)
      assert.isAtMost(expiresAt - after, 61_000)
    } finally {
      await watched.close()
    }
  })

  it("DELETE is Unsupported, without a request (405 UNSUPPORTED on GHCR)", async () => {
    ghcr.log.clear()
    for (const path of ["/v2/toddysm/python/manifests/3.10", `/v2/toddysm/python/blobs/${image.layers[0]}`]) {
      const error = await toddy(`https://ghcr.io${path}`, { method: "DELETE" }).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "Unsupported")
    }
    assert.strictEqual(ghcr.log.entries.length, 0)
  })

  it("anonymous access beyond the grant is DENIED by the token server, typed", async () => {
    const error = await anonymous("https://ghcr.io/v2/toddysm/python/blobs/uploads/", { method: "POST" }).catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
    assert.strictEqual((error as { reason: string }).reason, "Denied")
  })

  it("GHCR's token statuses, typed: anonymous on a private package needs credentials (401); the placeholder is denied (403); a malformed name is invalid (400)", async () => {
    const own = await RegistryEmulator.start({ profile: "ghcr", users: { toddysm: "ghp_token" }, privateRepositories: ["toddysm/secret"] })
    own.pushImage("toddysm/secret", "1.0")
    const fresh = makeRegistryFetch({ adapters: [Ghcr.make({ origin: own.origin, realm: own.challenge.realm })], credentials: {} })
    try {
      const refusal = async (url: string) => (await fresh(url).catch((e: unknown) => e)) as { _tag: string; reason: string; status: number; detail: string }
      const privately = await refusal("https://ghcr.io/v2/toddysm/secret/manifests/1.0")
      assert.deepStrictEqual([privately._tag, privately.reason, privately.status], ["TokenRequestError", "Unauthorized", 401])
      assert.match(privately.detail, /^credentials are needed \(an anonymous token was refused\): UNAUTHORIZED/)
      const placeholder = await refusal("https://ghcr.io/v2/user/image/manifests/1.0")
      assert.deepStrictEqual([placeholder._tag, placeholder.reason, placeholder.status], ["TokenRequestError", "Denied", 403])
      assert.match(placeholder.detail, /^DENIED/)
      const malformed = await refusal("https://ghcr.io/v2/toddysm/manifests/1.0")
      assert.deepStrictEqual([malformed._tag, malformed.reason, malformed.status], ["TokenRequestError", "InvalidName", 400])
      assert.include(malformed.detail, "repository:toddysm:pull")
      assert.strictEqual(own.log.count({ server: "registry", authorization: "bearer" }), 0)
    } finally {
      await fresh.close()
      await own.close()
    }
  })

  it("authenticated push of a manifest: 201", async () => {
    const manifest = await (await toddy("https://ghcr.io/v2/toddysm/python/manifests/3.10")).text()
    const put = await toddy("https://ghcr.io/v2/toddysm/python/manifests/3.11", {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(put.status, 201)
    assert.include(tokenScopes(), "repository:toddysm/python:pull,push")
  })

  it("the catalog needs credentials: listed for the user; no registry:catalog:* is ever asked for", async () => {
    ghcr.log.clear()
    const listed = await toddy("https://ghcr.io/v2/_catalog?n=10")
    assert.strictEqual(listed.status, 200)
    assert.include(((await listed.json()) as { repositories: Array<string> }).repositories, "toddysm/python")
    // GHCR refuses an anonymous token without a scope with 403 DENIED (seed 000): a typed refusal, before the registry.
    ghcr.log.clear()
    const refused = await anonymous("https://ghcr.io/v2/_catalog").catch((e: unknown) => e)
    assert.strictEqual((refused as { _tag: string })._tag, "TokenRequestError")
    assert.strictEqual((refused as { reason: string }).reason, "Denied")
    assert.strictEqual((refused as { status: number }).status, 403)
    assert.include((refused as { detail: string }).detail, "DENIED")
    assert.deepStrictEqual(ghcr.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query).getAll("scope")), [[]])
    // Nothing was listed: the registry answered the anonymous request (bare, or with a token pooled from earlier) 401 only.
    assert.deepStrictEqual([...new Set(ghcr.log.filter({ server: "registry" }).map((e) => e.status))], [401])
    assert.notInclude(tokenScopes(), Scope.format(Scope.catalog))
  })

  it("scope hints reach the token request (the seed's repository-scoped catalog token)", async () => {
    const { Effect, Layer } = await import("effect")
    const { CredentialProvider, Registries } = await import("@ociauth/core")
    const { HttpClient } = await import("effect/http")
    ghcr.log.clear()
    const status = await Effect.runPromise(
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.get("https://ghcr.io/v2/_catalog")
        return response.status
      }).pipe(
        RegistryClient.withScopes([Scope.repository("toddysm/python", ["pull"])]),
        Effect.provide(
          RegistryClient.layerFetch.pipe(
            Layer.provide([Registries.layer([adapter]), CredentialProvider.layerStatic({ "ghcr.io": { username: "toddysm", password: "ghp_token" } })])
          )
        )
      )
    )
    assert.strictEqual(status, 200)
    assert.deepStrictEqual(tokenScopes(), ["repository:toddysm/python:pull"])
  })
})
