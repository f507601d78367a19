/**
 * Answers of the emulator and its token endpoint that the profile suites do not
 * pin word for word: the CDN's refusals, ACR's exchange, the token endpoint's
 * malformed requests, pagination and digest errors, Google's tags/list, and
 * 404 outside the API.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { basic, bearer, requestToken, tokenFrom } from "./utils.js"

const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

const answer = async (response: Response) => ({ status: response.status, body: await response.text() })

describe("RegistryEmulator answers", () => {
  const users = { alice: "pw" }
  let hub: RegistryEmulator.RegistryEmulator
  let spec: RegistryEmulator.RegistryEmulator
  let acr: RegistryEmulator.RegistryEmulator
  let gar: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    ;[hub, spec, acr, gar] = await Promise.all([
      RegistryEmulator.start({ profile: "dockerHub", users }),
      RegistryEmulator.start({ users }),
      RegistryEmulator.start({ profile: "acr", users, identity: (token) => (token === "good-id" ? "alice" : undefined) }),
      RegistryEmulator.start({ profile: "gar", users })
    ])
  })
  afterAll(() => Promise.all([hub, spec, acr, gar].map((emulator) => emulator.close())))

  it("the CDN refuses an Authorization header, a wrong signature and an unknown path; HEAD has no body", async () => {
    const image = hub.pushImage("alice/app", "v1")
    const token = await tokenFrom(await requestToken(hub.tokenServer.realm, hub.tokenServer.service, ["repository:alice/app:pull"], basic("alice", "pw")))
    const redirect = await fetch(`${hub.origin}/v2/alice/app/blobs/${image.config}`, { redirect: "manual", headers: { authorization: bearer(token) } })
    assert.strictEqual(redirect.status, 307)
    const location = redirect.headers.get("location")!
    assert.isTrue(location.startsWith(`${hub.cdnOrigin}/blobs/${image.config}?expires=`))
    assert.deepStrictEqual(await answer(await fetch(location, { headers: { authorization: bearer(token) } })), {
      status: 400,
      body: JSON.stringify({ code: "InvalidArgument", message: "Only one auth mechanism allowed" })
    })
    assert.deepStrictEqual(await answer(await fetch(location.replace(/signature=[^&]+/, "signature=forged"))), {
      status: 403,
      body: JSON.stringify({ code: "AccessDenied", message: "Request has expired or is not signed" })
    })
    assert.deepStrictEqual(await answer(await fetch(`${hub.cdnOrigin}/elsewhere`)), { status: 404, body: JSON.stringify({ code: "NoSuchKey" }) })
    const head = await fetch(location, { method: "HEAD" })
    assert.strictEqual(head.status, 200)
    assert.strictEqual(head.headers.get("content-type"), "application/octet-stream")
    assert.strictEqual(await head.text(), "")
  })

  it("the token endpoint's malformed requests: Docker Hub's `details`, OAuth2's `error`", async () => {
    const { realm, service } = hub.tokenServer
    const withAccount = new URL(realm)
    withAccount.searchParams.set("service", service)
    withAccount.searchParams.set("account", "bob")
    assert.deepStrictEqual(await answer(await fetch(withAccount, { headers: { authorization: basic("alice", "pw") } })), {
      status: 400,
      body: `${JSON.stringify({ details: "user and account are not the same" })}\n`
    })
    assert.deepStrictEqual(await answer(await requestToken(realm, service, ["foo"], basic("alice", "pw"))), {
      status: 400,
      body: `${JSON.stringify({ details: "invalid scope" })}\n`
    })
    assert.deepStrictEqual(await answer(await fetch(realm, form({ grant_type: "magic", service, client_id: "test" }))), {
      status: 400,
      body: `${JSON.stringify({ error: "unsupported_grant_type" })}\n`
    })
    assert.deepStrictEqual(await answer(await fetch(realm, form({ grant_type: "password", username: "alice", password: "pw", service }))), {
      status: 400,
      body: `${JSON.stringify({ error: "invalid_request" })}\n`
    })
  })

  it("ACR's exchange refuses GET, other grants, other services and identity tokens it does not know", async () => {
    const exchange = `${acr.origin}/oauth2/exchange`
    const service = acr.tokenServer.service
    const error = (code: string, message: string) => JSON.stringify({ errors: [{ code, message, detail: null }] })
    assert.deepStrictEqual(await answer(await fetch(exchange)), { status: 405, body: error("UNSUPPORTED", "method not allowed") })
    assert.deepStrictEqual(await answer(await fetch(exchange, form({ grant_type: "password", service }))), {
      status: 400,
      body: error("UNSUPPORTED", "unsupported grant_type")
    })
    assert.deepStrictEqual(await answer(await fetch(exchange, form({ grant_type: "access_token", service: "other", access_token: "good-id" }))), {
      status: 400,
      body: error("UNSUPPORTED", "unknown service")
    })
    assert.deepStrictEqual(await answer(await fetch(exchange, form({ grant_type: "access_token", service, access_token: "bad-id" }))), {
      status: 401,
      body: error("UNAUTHORIZED", "the access token is not valid")
    })
    const granted = await fetch(exchange, form({ grant_type: "access_token", service, access_token: "good-id" }))
    assert.strictEqual(granted.status, 200)
    const { refresh_token } = (await granted.json()) as { refresh_token: string }
    const token = await fetch(acr.tokenServer.realm, form({ grant_type: "refresh_token", refresh_token, service, scope: "repository:alice/app:pull" }))
    assert.strictEqual(token.status, 200)
  })

  it("pagination and digest errors, 405 for other methods, 404 outside the API", async () => {
    spec.pushImage("alice/app", "v1")
    const token = await tokenFrom(await requestToken(spec.tokenServer.realm, spec.tokenServer.service, ["repository:alice/app:pull,push"], basic("alice", "pw")))
    const headers = { authorization: bearer(token) }
    assert.deepStrictEqual(await answer(await fetch(`${spec.origin}/v2/alice/app/tags/list?n=-1`, { headers })), {
      status: 400,
      body: JSON.stringify({ errors: [{ code: "PAGINATION_NUMBER_INVALID", message: "invalid number of results requested", detail: null }] })
    })
    assert.deepStrictEqual(await answer(await fetch(`${spec.origin}/v2/alice/app/referrers/sha256:zz`, { headers })), {
      status: 400,
      body: JSON.stringify({ errors: [{ code: "DIGEST_INVALID", message: "invalid digest format", detail: "sha256:zz" }] })
    })
    assert.deepStrictEqual(await answer(await fetch(`${spec.origin}/v2/alice/app/tags/list`, { method: "POST", headers })), {
      status: 405,
      body: JSON.stringify({ errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported.", detail: null }] })
    })
    assert.deepStrictEqual(await answer(await fetch(`${spec.origin}/elsewhere`)), { status: 404, body: "404 page not found\n" })
  })

  it("GAR's tags/list carries Google's `child` and `manifests` (per digest, with its tags)", async () => {
    const image = gar.pushImage("alice/app", "v1")
    const token = await tokenFrom(await requestToken(gar.tokenServer.realm, gar.tokenServer.service, ["repository:alice/app:pull"], basic("alice", "pw")))
    const response = await fetch(`${gar.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(token) } })
    assert.strictEqual(response.status, 200)
    const body = (await response.json()) as { child: Array<string>; name: string; tags: Array<string>; manifests: Record<string, { tag: Array<string>; mediaType: string }> }
    assert.deepStrictEqual(body.child, [])
    assert.deepStrictEqual(body.tags, ["v1"])
    assert.deepStrictEqual(body.manifests[image.digest]?.tag, ["v1"])
    assert.strictEqual(body.manifests[image.digest]?.mediaType, "application/vnd.oci.image.manifest.v1+json")
  })
})

describe("RegistryEmulator.start with a profile name it does not have", () => {
  it("is an error naming the profiles, not a TypeError from inside", async () => {
    const error = await RegistryEmulator.start({ profile: "dockerhub" as never }).then(
      (emulator) => emulator.close().then(() => assert.fail("started")),
      (e: unknown) => e as Error
    )
    assert.include(error.message, 'no profile named "dockerhub"')
    assert.include(error.message, "dockerHub")
  })
})
