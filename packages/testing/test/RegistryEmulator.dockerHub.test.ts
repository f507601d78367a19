/**
 * The dockerHub profile against seed 000 (Docker Hub transcript), seed 002
 * (the `library/` question) and seed 003 (catalog).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { createHash } from "node:crypto"
import { accessOf, basic, bearer, challengeOf, requestToken, tokenFrom } from "./utils.js"

const sha256 = async (text: string) => createHash("sha256").update(text).digest("hex")

describe("RegistryEmulator dockerHub profile (seed 000, 002, 003)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let python: RegistryEmulator.PushedImage
  let own: RegistryEmulator.PushedImage
  const token = (scopes: ReadonlyArray<string>, authorization?: string) =>
    requestToken(hub.tokenServer.realm, "registry.docker.io", scopes, authorization)

  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { toddysm: "hunter2" }, pullRateLimit: 100 })
    python = hub.pushImage("library/python", "3.10")
    hub.pushImage("library/alpine", "latest")
    own = hub.pushImage("toddysm/python", "3.10")
  })
  afterAll(() => hub.close())

  it("GET / is a plain-text 404", async () => {
    const response = await fetch(`${hub.origin}/`)
    assert.strictEqual(response.status, 404)
    assert.strictEqual(await response.text(), "404 page not found\n")
    assert.strictEqual(response.headers.get("docker-distribution-api-version"), "registry/2.0")
  })

  it("/v2 and /v2/ challenge with the separate auth origin and service registry.docker.io, no scope", async () => {
    for (const path of ["/v2", "/v2/"]) {
      const response = await fetch(`${hub.origin}${path}`)
      assert.strictEqual(response.status, 401)
      assert.strictEqual(
        response.headers.get("www-authenticate"),
        `Bearer realm="${hub.tokenServer.realm}",service="registry.docker.io"`
      )
      assert.deepStrictEqual(await response.json(), {
        errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }]
      })
    }
    assert.notStrictEqual(new URL(hub.tokenServer.realm).origin, hub.origin, "auth lives on another origin")
  })

  it("POST /v2 redirects permanently to /v2/", async () => {
    const response = await fetch(`${hub.origin}/v2`, { method: "POST", redirect: "manual" })
    assert.strictEqual(response.status, 301)
    assert.strictEqual(response.headers.get("location"), "/v2/")
  })

  it("a scope-less token opens /v2/ (body {}) but not the catalog or a manifest", async () => {
    const response = await token([])
    const body = (await response.json()) as Record<string, unknown>
    assert.deepStrictEqual(Object.keys(body).sort(), ["access_token", "expires_in", "issued_at", "token"])
    assert.strictEqual(body.expires_in, 300)
    const base = await fetch(`${hub.origin}/v2/`, { headers: { authorization: bearer(body.token as string) } })
    assert.strictEqual(base.status, 200)
    assert.strictEqual(await base.text(), "{}")

    const catalog = await fetch(`${hub.origin}/v2/_catalog`, { headers: { authorization: bearer(body.token as string) } })
    assert.strictEqual(catalog.status, 401)
    assert.strictEqual(
      catalog.headers.get("www-authenticate"),
      `Bearer realm="${hub.tokenServer.realm}",service="registry.docker.io",scope="registry:catalog:*",error="insufficient_scope"`
    )
    assert.deepStrictEqual(((await catalog.json()) as any).errors[0].detail, [
      { Type: "registry", Class: "", Name: "catalog", Action: "*" }
    ])

    const manifest = await fetch(`${hub.origin}/v2/library/python/manifests/3.10`, {
      headers: { authorization: bearer(body.token as string) }
    })
    assert.strictEqual(manifest.status, 401)
    assert.strictEqual(challengeOf(manifest).error, "insufficient_scope")
    assert.deepStrictEqual(challengeOf(manifest).scopes.map((s) => (s._tag === "Resource" ? s.name : "")), ["library/python"])
  })

  it("the catalog scope is refused by the token server: 400 unknown resource type", async () => {
    const response = await token(["registry:catalog:*"])
    assert.strictEqual(response.status, 400)
    assert.deepStrictEqual(await response.json(), { details: "unknown resource type" })
  })

  it("an anonymous pull token reads manifests (with rate-limit headers) and tags", async () => {
    const jwt = await tokenFrom(await token(["repository:library/python:pull"]))
    const manifest = await fetch(`${hub.origin}/v2/library/python/manifests/3.10`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(manifest.status, 200)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), python.digest)
    assert.match(manifest.headers.get("ratelimit-limit")!, /^100;w=21600$/)
    assert.match(manifest.headers.get("ratelimit-remaining")!, /^\d+;w=21600$/)
    assert.strictEqual(manifest.headers.get("docker-ratelimit-source"), "127.0.0.1")
    const tags = await fetch(`${hub.origin}/v2/library/python/tags/list`, { headers: { authorization: bearer(jwt) } })
    assert.deepStrictEqual(await tags.json(), { name: "library/python", tags: ["3.10"] })
  })

  it("asking for pull,push anonymously succeeds but the JWT grants pull only (silent narrowing)", async () => {
    const jwt = await tokenFrom(await token(["repository:library/python:pull,push"]))
    assert.deepStrictEqual(accessOf(jwt), ["repository:library/python:pull"])
    const push = await fetch(`${hub.origin}/v2/library/python/blobs/uploads/`, { method: "POST", headers: { authorization: bearer(jwt) } })
    assert.strictEqual(push.status, 401)
    assert.strictEqual(challengeOf(push).error, "insufficient_scope")
  })

  it("seed 002: a token for `alpine` (no library/) grants nothing and the manifest GET fails", async () => {
    const jwt = await tokenFrom(await token(["repository:alpine:pull"]))
    // Hub leaves the scope out: `"access":[]` in the seed's JWT.
    assert.deepStrictEqual(accessOf(jwt), [])
    const response = await fetch(`${hub.origin}/v2/alpine/manifests/latest`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(response.status, 401)
    const challenge = challengeOf(response)
    assert.deepStrictEqual(challenge.scopes.map((s) => (s._tag === "Resource" ? `${s.name}:${s.actions}` : "")), ["alpine:pull"])
    // The answer's fix: library/alpine.
    const fixed = await tokenFrom(await token(["repository:library/alpine:pull"]))
    const ok = await fetch(`${hub.origin}/v2/library/alpine/manifests/latest`, { headers: { authorization: bearer(fixed) } })
    assert.strictEqual(ok.status, 200)
  })

  it("with Basic credentials the owner gets pull,push,delete; DELETE is by digest of an untagged manifest only (202), else 403", async () => {
    const jwt = await tokenFrom(await token(["repository:toddysm/python:pull,push,delete"], basic("toddysm", "hunter2")))
    assert.deepStrictEqual(accessOf(jwt), ["repository:toddysm/python:delete,pull,push"])
    const remove = (reference: string) =>
      fetch(`${hub.origin}/v2/toddysm/python/manifests/${reference}`, { method: "DELETE", headers: { authorization: bearer(jwt) } })
    // Docker Hub's registry API reference (registries.md H2): by tag, or a manifest a tag points at, is 403.
    assert.strictEqual((await remove("3.10")).status, 403)
    assert.strictEqual((await remove(own.digest)).status, 403)
    const manifest = await (await fetch(`${hub.origin}/v2/toddysm/python/manifests/3.10`, { headers: { authorization: bearer(jwt) } })).text()
    const untagged = JSON.stringify({ ...JSON.parse(manifest), annotations: { untagged: "yes" } })
    const put = await fetch(`${hub.origin}/v2/toddysm/python/manifests/sha256:${await sha256(untagged)}`, {
      method: "PUT",
      headers: { authorization: bearer(jwt), "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: untagged
    })
    assert.strictEqual(put.status, 201)
    const digest = put.headers.get("docker-content-digest")!
    const response = await remove(digest)
    assert.strictEqual(response.status, 202)
    assert.strictEqual(response.headers.get("docker-ratelimit-source"), "127.0.0.1")
  })

  it("wrong credentials are refused by the token server", async () => {
    const response = await token(["repository:toddysm/python:pull"], basic("toddysm", "wrong"))
    assert.strictEqual(response.status, 401)
  })

  it("blob GETs redirect to a CDN origin that refuses Authorization", async () => {
    const jwt = await tokenFrom(await token(["repository:library/python:pull"]))
    const layer = python.layers[0]!
    const redirect = await fetch(`${hub.origin}/v2/library/python/blobs/${layer}`, {
      headers: { authorization: bearer(jwt) },
      redirect: "manual"
    })
    assert.strictEqual(redirect.status, 307)
    const location = redirect.headers.get("location")!
    assert.strictEqual(new URL(location).origin, hub.cdnOrigin)
    const leaked = await fetch(location, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(leaked.status, 400)
    const clean = await fetch(location)
    assert.strictEqual(clean.status, 200)
    assert.strictEqual((await clean.arrayBuffer()).byteLength, 512)
    const tampered = await fetch(location.replace(/signature=[^&]+/, "signature=forged"))
    assert.strictEqual(tampered.status, 403)
    await tampered.arrayBuffer()
  })

  it("every request is in the log, per server", () => {
    assert.isAbove(hub.log.count({ server: "registry" }), 5)
    assert.isAbove(hub.log.count({ server: "token" }), 5)
    assert.isAbove(hub.log.count({ server: "cdn" }), 1)
    assert.strictEqual(hub.log.count({ server: "cdn", authorization: "bearer", status: 200 }), 0)
  })
})

describe("RegistryEmulator dockerHub rate limit", () => {
  it("manifest GETs count down, HEADs do not, and past the limit GET is 429", async () => {
    const hub = await RegistryEmulator.start({ profile: "dockerHub", pullRateLimit: 2 })
    try {
      hub.pushImage("library/busybox", "latest")
      const jwt = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:library/busybox:pull"]))
      const headers = { authorization: bearer(jwt) }
      const url = `${hub.origin}/v2/library/busybox/manifests/latest`
      const head = await fetch(url, { method: "HEAD", headers })
      assert.strictEqual(head.headers.get("ratelimit-remaining"), "2;w=21600")
      assert.strictEqual((await fetch(url, { headers })).headers.get("ratelimit-remaining"), "1;w=21600")
      assert.strictEqual((await fetch(url, { headers })).headers.get("ratelimit-remaining"), "0;w=21600")
      const limited = await fetch(url, { headers })
      assert.strictEqual(limited.status, 429)
      assert.include(await limited.text(), "pull rate limit")
    } finally {
      await hub.close()
    }
  })
})
