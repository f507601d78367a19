/**
 * The ecr and ecrPublic profiles (registry reference §6–7) with a stub of
 * issued passwords, and the AWS API stand-in's refusals (its signed path is
 * exercised by the real AWS SDK in packages/ecr and packages/ecr-public).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type { TokenServer } from "@ociauth/testing"
import { AwsEcrApi, RegistryEmulator } from "@ociauth/testing"
import { basic, requestToken } from "./utils.js"

const issued: TokenServer.IssuedPasswords = {
  check: (username, password) =>
    username !== "AWS" ? "unknown" : password === "fresh-password" ? "valid" : password === "old-password" ? "expired" : "unknown"
}
const EXPIRED = { errors: [{ code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again.", detail: null }] }

describe("RegistryEmulator ecr profile", () => {
  let ecr: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    ecr = await RegistryEmulator.start({ profile: "ecr", issuedPasswords: issued })
    ecr.pushImage("team/app", "1.0")
  })
  afterAll(() => ecr.close())

  it("challenges with Basic realm=<origin>/ and service ecr.amazonaws.com; no token endpoint is involved", async () => {
    const response = await fetch(`${ecr.origin}/v2/team/app/manifests/1.0`)
    assert.strictEqual(response.status, 401)
    assert.strictEqual(response.headers.get("www-authenticate"), `Basic realm="${ecr.origin}/",service="ecr.amazonaws.com"`)
    const unknown = await fetch(`${ecr.origin}/v2/`, { headers: { authorization: basic("AWS", "made-up") } })
    assert.strictEqual(unknown.status, 401)
  })

  it("an issued password is taken; /v2/ answers 200 with an empty body", async () => {
    const base = await fetch(`${ecr.origin}/v2/`, { headers: { authorization: basic("AWS", "fresh-password") } })
    assert.strictEqual(base.status, 200)
    assert.strictEqual(await base.text(), "")
    const manifest = await fetch(`${ecr.origin}/v2/team/app/manifests/1.0`, { method: "HEAD", headers: { authorization: basic("AWS", "fresh-password") } })
    assert.strictEqual(manifest.status, 200)
  })

  it("an expired password is 403 DENIED \"Your authorization token has expired\"", async () => {
    const response = await fetch(`${ecr.origin}/v2/team/app/manifests/1.0`, { headers: { authorization: basic("AWS", "old-password") } })
    assert.strictEqual(response.status, 403)
    assert.deepStrictEqual(await response.json(), EXPIRED)
  })

  it("n above 1000 on tags/list and _catalog is 405; 1000 is served", async () => {
    const headers = { authorization: basic("AWS", "fresh-password") }
    for (const path of ["/v2/team/app/tags/list", "/v2/_catalog"]) {
      const tooMany = await fetch(`${ecr.origin}${path}?n=1001`, { headers })
      assert.strictEqual(tooMany.status, 405, path)
      assert.include(await tooMany.text(), "Member must have value less than or equal to 1000")
      const page = await fetch(`${ecr.origin}${path}?n=1000`, { headers })
      assert.strictEqual(page.status, 200, path)
    }
  })
})

describe("RegistryEmulator ecrPublic profile", () => {
  let pub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    pub = await RegistryEmulator.start({ profile: "ecrPublic", issuedPasswords: issued })
    pub.pushImage("docker/library/alpine", "3.20")
  })
  afterAll(() => pub.close())

  it("/v2/ challenges with realm <origin>/token/, service public.ecr.aws and scope aws", async () => {
    const response = await fetch(`${pub.origin}/v2/`)
    assert.strictEqual(response.status, 401)
    assert.strictEqual(response.headers.get("www-authenticate"), `Bearer realm="${pub.origin}/token/",service="public.ecr.aws",scope="aws"`)
  })

  it("anonymous tokens, with the opaque scope aws or a repository scope", async () => {
    for (const scopes of [["aws"], ["repository:docker/library/alpine:pull"], ["aws", "repository:docker/library/alpine:pull"]]) {
      const response = await requestToken(pub.tokenServer.realm, "public.ecr.aws", scopes)
      assert.strictEqual(response.status, 200, scopes.join(" "))
    }
  })

  it("a login is taken at /token/; an expired one is 403 DENIED, an unknown one 401", async () => {
    const scopes = ["repository:docker/library/alpine:pull"]
    assert.strictEqual((await requestToken(pub.tokenServer.realm, "public.ecr.aws", scopes, basic("AWS", "fresh-password"))).status, 200)
    const expired = await requestToken(pub.tokenServer.realm, "public.ecr.aws", scopes, basic("AWS", "old-password"))
    assert.strictEqual(expired.status, 403)
    assert.deepStrictEqual(await expired.json(), { errors: [{ code: "DENIED", message: EXPIRED.errors[0]!.message }] })
    assert.strictEqual((await requestToken(pub.tokenServer.realm, "public.ecr.aws", scopes, basic("AWS", "made-up"))).status, 401)
  })
})

describe("AwsEcrApi refusals", () => {
  let api: AwsEcrApi.AwsEcrApi
  beforeAll(async () => {
    api = await AwsEcrApi.start()
  })
  afterAll(() => api.close())

  const call = (headers: Record<string, string>) =>
    fetch(api.origin, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", ...headers }, body: "{}" }).then(async (r) => ({
      status: r.status,
      type: ((await r.json()) as { __type: string }).__type
    }))

  it("an unsigned call, a malformed signature, an unknown key, an unknown operation", async () => {
    assert.deepStrictEqual(await call({ "x-amz-target": AwsEcrApi.ecrTarget }), { status: 400, type: "MissingAuthenticationTokenException" })
    assert.deepStrictEqual(await call({ "x-amz-target": AwsEcrApi.ecrTarget, authorization: "AWS4-HMAC-SHA256 nonsense" }), {
      status: 400,
      type: "IncompleteSignatureException"
    })
    const signature = `AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`
    assert.deepStrictEqual(await call({ "x-amz-target": AwsEcrApi.ecrTarget, authorization: signature, "x-amz-date": "20260101T000000Z" }), {
      status: 400,
      type: "UnrecognizedClientException"
    })
    const forged = signature.replace("AKIAUNKNOWN", api.credentials.accessKeyId)
    assert.deepStrictEqual(await call({ "x-amz-target": AwsEcrApi.ecrPublicTarget, authorization: forged, "x-amz-date": "20260101T000000Z" }), {
      status: 403,
      type: "InvalidSignatureException"
    })
    assert.deepStrictEqual(await call({ "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeImages" }), { status: 400, type: "UnknownOperationException" })
    assert.strictEqual(api.issued(), 0)
    assert.strictEqual(api.calls.length, 5)
  })

  it("the environment the SDK reads: endpoints and the test credentials", () => {
    assert.deepStrictEqual(api.environment, {
      AWS_ENDPOINT_URL_ECR: api.origin,
      AWS_ENDPOINT_URL_ECR_PUBLIC: api.origin,
      AWS_ACCESS_KEY_ID: AwsEcrApi.testCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AwsEcrApi.testCredentials.secretAccessKey
    })
  })
})
