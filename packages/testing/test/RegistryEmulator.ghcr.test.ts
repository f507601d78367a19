/** The ghcr profile against seed 000/001 (GHCR transcript). */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { basic, bearer, challengeOf, requestToken, tokenFrom } from "./utils.js"

describe("RegistryEmulator ghcr profile (seed 000, 001)", () => {
  let ghcr: RegistryEmulator.RegistryEmulator
  let image: RegistryEmulator.PushedImage
  const token = (scopes: ReadonlyArray<string>, authorization?: string) =>
    requestToken(ghcr.tokenServer.realm, "ghcr.io", scopes, authorization)
  const credentials = () => basic("toddysm", "ghp_secret")

  beforeAll(async () => {
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { toddysm: "ghp_secret" } })
    image = ghcr.pushImage("toddysm/python", "3.10")
    for (const name of ["0b2ce/coreutils", "a/one", "b/two"]) ghcr.pushImage(name, "latest")
  })
  afterAll(() => ghcr.close())

  it("/v2/ challenges with realm on the same origin, service ghcr.io and the placeholder scope", async () => {
    const response = await fetch(`${ghcr.origin}/v2/`)
    assert.strictEqual(response.status, 401)
    assert.strictEqual(
      response.headers.get("www-authenticate"),
      `Bearer realm="${ghcr.origin}/token",service="ghcr.io",scope="repository:user/image:pull"`
    )
    assert.deepStrictEqual(await response.json(), { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] })
  })

  it("the placeholder scope is DENIED anonymously (403), granted with credentials", async () => {
    const anonymous = await token(["repository:user/image:pull"])
    assert.strictEqual(anonymous.status, 403)
    assert.deepStrictEqual(await anonymous.json(), {
      errors: [{ code: "DENIED", message: "requested access to the resource is denied" }]
    })
    const authenticated = await token(["repository:user/image:pull"], credentials())
    assert.strictEqual(authenticated.status, 200)
  })

  it("tokens are opaque and come without expires_in", async () => {
    const response = await token(["repository:toddysm/python:pull"])
    const body = (await response.json()) as Record<string, unknown>
    // Exactly `{"token": …}`: seed 000's Content-Length 65/69 leaves no room for `access_token`.
    assert.deepStrictEqual(Object.keys(body), ["token"])
    assert.match(body.token as string, /^djE6/)
    assert.notInclude(body.token as string, ".")
  })

  it("/v2/ with a token is 200 with an empty body; /v2 without the slash is 401, then 404 with a token", async () => {
    const jwt = await tokenFrom(await token(["repository:toddysm/python:pull"]))
    const base = await fetch(`${ghcr.origin}/v2/`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(base.status, 200)
    assert.strictEqual(base.headers.get("content-length"), "0")
    assert.strictEqual(await base.text(), "")
    assert.strictEqual((await fetch(`${ghcr.origin}/v2`)).status, 401)
    const noSlash = await fetch(`${ghcr.origin}/v2`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(noSlash.status, 404)
  })

  it("the catalog needs credentials; with them it pages with a Link header", async () => {
    const anonymous = await tokenFrom(await token(["repository:toddysm/python:pull"]))
    const refused = await fetch(`${ghcr.origin}/v2/_catalog`, { headers: { authorization: bearer(anonymous) } })
    assert.strictEqual(refused.status, 401)
    assert.deepStrictEqual(challengeOf(refused).scopes.map((s) => (s._tag === "Resource" ? s.name : "")), ["user/image"])
    const user = await tokenFrom(await token(["repository:toddysm/python:pull,push,delete"], credentials()))
    const page = await fetch(`${ghcr.origin}/v2/_catalog?n=2`, { headers: { authorization: bearer(user) } })
    assert.strictEqual(page.status, 200)
    assert.deepStrictEqual(await page.json(), { repositories: ["0b2ce/coreutils", "a/one"] })
    assert.strictEqual(page.headers.get("link"), '</v2/_catalog?last=a%2Fone&n=2>; rel="next"')
    const next = await fetch(`${ghcr.origin}/v2/_catalog?last=a%2Fone&n=2`, { headers: { authorization: bearer(user) } })
    assert.deepStrictEqual(await next.json(), { repositories: ["b/two", "toddysm/python"] })
    assert.isNull(next.headers.get("link"))
  })

  it("anonymous pull: tags, manifest GET and HEAD", async () => {
    const jwt = await tokenFrom(await token(["repository:toddysm/python:pull"]))
    const headers = { authorization: bearer(jwt) }
    assert.deepStrictEqual(await (await fetch(`${ghcr.origin}/v2/toddysm/python/tags/list`, { headers })).json(), {
      name: "toddysm/python",
      tags: ["3.10"]
    })
    for (const method of ["GET", "HEAD"]) {
      const response = await fetch(`${ghcr.origin}/v2/toddysm/python/manifests/3.10`, { method, headers })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("docker-content-digest"), image.digest)
      await response.arrayBuffer()
    }
  })

  it("asking for more than allowed is DENIED, not narrowed", async () => {
    const response = await token(["repository:toddysm/python:pull,push,delete"])
    assert.strictEqual(response.status, 403)
  })

  it("an anonymous token for a package that does not exist (or is private) is 401, not DENIED (openai/tunnel-client#75)", async () => {
    const response = await token(["repository:nobody/nothing:pull"])
    assert.strictEqual(response.status, 401)
    assert.deepStrictEqual(await response.json(), { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] })
  })

  it("DELETE of manifests and blobs is 405 UNSUPPORTED, whatever the token", async () => {
    const anonymous = await tokenFrom(await token(["repository:toddysm/python:pull"]))
    const user = await tokenFrom(await token(["repository:toddysm/python:pull,push,delete"], credentials()))
    for (const [jwt, path] of [
      [anonymous, "/v2/toddysm/python/manifests/3.10"],
      [user, "/v2/toddysm/python/manifests/3.10"],
      [user, `/v2/toddysm/python/blobs/${image.layers[0]}`]
    ] as const) {
      const response = await fetch(`${ghcr.origin}${path}`, { method: "DELETE", headers: { authorization: bearer(jwt) } })
      assert.strictEqual(response.status, 405)
      assert.deepStrictEqual(await response.json(), { errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported." }] })
    }
  })

  it("PUT of a manifest with the user's token is 201 with its digest", async () => {
    const user = await tokenFrom(await token(["repository:toddysm/python:pull,push,delete"], credentials()))
    const manifest = await (await fetch(`${ghcr.origin}/v2/toddysm/python/manifests/3.10`, { headers: { authorization: bearer(user) } })).text()
    const response = await fetch(`${ghcr.origin}/v2/toddysm/python/manifests/3.11`, {
      method: "PUT",
      headers: { authorization: bearer(user), "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(response.status, 201)
    assert.strictEqual(response.headers.get("docker-content-digest"), image.digest)
    assert.strictEqual(response.headers.get("location"), `/v2/toddysm/python/manifests/${image.digest}`)
  })

  it("token requests are logged as the token server even though they share the origin", () => {
    assert.isAbove(ghcr.log.count({ server: "token", path: "/token" }), 3)
    assert.strictEqual(ghcr.log.count({ server: "registry", path: "/token" }), 0)
  })
})
