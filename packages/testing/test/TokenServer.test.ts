import * as crypto from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Scope } from "@ociauth/core"
import { RegistryEmulator, TokenServer } from "@ociauth/testing"
import { accessOf, basic, bearer, challengeOf, requestToken, tokenFrom } from "./utils.js"

describe("TokenServer", () => {
  let server: TokenServer.TokenServer
  beforeAll(async () => {
    server = await TokenServer.start({
      service: "svc",
      users: { alice: "pw", bob: "pw2" },
      grants: [
        { account: "alice", name: "alice/*", actions: ["*"] },
        { account: "bob", name: "shared/app", actions: ["pull", "push"] },
        { name: "public/*", actions: ["pull"] }
      ],
      ttl: "120 seconds"
    })
  })
  afterAll(() => server.close())

  const post = (form: Record<string, string>) =>
    fetch(server.realm, { method: "POST", body: new URLSearchParams(form), headers: { "content-type": "application/x-www-form-urlencoded" } })

  it("GET: repeated scopes, narrowing without error, expires_in and issued_at", async () => {
    const response = await requestToken(server.realm, "svc", ["repository:alice/x:pull,push", "repository:other/y:pull"], basic("alice", "pw"))
    const body = (await response.json()) as any
    assert.strictEqual(body.token, body.access_token)
    assert.strictEqual(body.expires_in, 120)
    assert.isString(body.issued_at)
    assert.deepStrictEqual(accessOf(body.token), ["repository:alice/x:pull,push", "repository:other/y:"])
  })

  it("the JWT carries an x5c chain: signer certificate, then the root that signs it", async () => {
    const body = (await (await requestToken(server.realm, "svc", ["repository:public/a:pull"])).json()) as any
    const [header, claims, signature] = (body.token as string).split(".").map((p) => Buffer.from(p!, "base64url"))
    const h = JSON.parse(header!.toString())
    assert.strictEqual(h.alg, "ES256")
    const [leaf, root] = (h.x5c as Array<string>).map((c) => new crypto.X509Certificate(Buffer.from(c, "base64")))
    assert.isTrue(leaf!.verify(root!.publicKey))
    assert.isTrue(root!.ca)
    assert.strictEqual(new crypto.X509Certificate(server.rootCertificatePem).fingerprint256, root!.fingerprint256)
    const [h64, c64] = (body.token as string).split(".")
    assert.isTrue(crypto.verify("sha256", Buffer.from(`${h64}.${c64}`), { key: leaf!.publicKey, dsaEncoding: "ieee-p1363" }, signature!))
    const c = JSON.parse(claims!.toString())
    assert.strictEqual(c.aud, "svc")
    assert.strictEqual(c.iss, server.issuer)
    assert.strictEqual(c.sub, "")
    assert.strictEqual(c.exp - c.iat, 120)
  })

  it("wrong or malformed credentials are 401", async () => {
    assert.strictEqual((await requestToken(server.realm, "svc", [], basic("alice", "nope"))).status, 401)
    assert.strictEqual((await requestToken(server.realm, "svc", [], "Bearer abc")).status, 401)
  })

  it("OAuth2 POST password grant with offline access returns a refresh token that works", async () => {
    const first = (await (await post({ grant_type: "password", username: "bob", password: "pw2", service: "svc", client_id: "t", scope: "repository:shared/app:pull,push", access_type: "offline" })).json()) as any
    assert.isString(first.refresh_token)
    assert.strictEqual(first.scope, "repository:shared/app:pull,push")
    assert.isUndefined(first.token)
    const second = await post({ grant_type: "refresh_token", refresh_token: first.refresh_token, service: "svc", client_id: "t", scope: "repository:shared/app:pull" })
    assert.strictEqual(second.status, 200)
    assert.deepStrictEqual(accessOf(((await second.json()) as any).access_token), ["repository:shared/app:pull"])
    const bad = await post({ grant_type: "refresh_token", refresh_token: "nope", service: "svc", client_id: "t" })
    assert.strictEqual(bad.status, 401)
    assert.strictEqual((await post({ grant_type: "password", username: "bob", password: "pw2", service: "other", client_id: "t" })).status, 400)
  })

  it("verify accepts its own tokens and nothing else", () => {
    const token = server.issue("alice", [Scope.repository("alice/x", ["pull"])])
    const grantee = Option.getOrThrow(server.verify(token))
    assert.strictEqual(grantee.subject, "alice")
    assert.deepStrictEqual(grantee.access.map(Scope.format), ["repository:alice/x:pull"])
    assert.isTrue(Option.isNone(server.verify(token.slice(0, -2) + "AA")))
    assert.isTrue(Option.isNone(server.verify(server.issue("alice", [], -5))))
    assert.isTrue(Option.isNone(server.verify("not-a-jwt")))
  })

  it("GET checks service as Docker Hub does: a wrong one gets a token for that audience, which verify refuses", async () => {
    const wrong = (await (await requestToken(server.realm, "index.docker.io", ["repository:public/a:pull"])).json()) as any
    const claims = JSON.parse(Buffer.from((wrong.token as string).split(".")[1]!, "base64url").toString())
    assert.strictEqual(claims.aud, "index.docker.io")
    assert.isTrue(Option.isNone(server.verify(wrong.token)))
    const url = new URL(server.realm)
    url.searchParams.set("scope", "repository:public/a:pull")
    const unnamed = (await (await fetch(url)).json()) as any
    assert.isTrue(Option.isSome(server.verify(unnamed.token)), "no service: this server's")
    assert.isTrue(Option.isNone(server.verify(server.issue("alice", [], 60, "another-service"))))
  })

  it("logs every request", () => {
    assert.isAbove(server.log.count({ server: "token", method: "GET" }), 2)
    assert.isAbove(server.log.count({ method: "POST", status: 200 }), 1)
  })
})

describe("TokenServer options", () => {
  it("oauth: false answers POST with 405; requireCredentials refuses anonymous", async () => {
    const server = await TokenServer.start({ service: "s", oauth: false, requireCredentials: true, users: { u: "p" } })
    try {
      assert.strictEqual((await fetch(server.realm, { method: "POST", body: "grant_type=password" })).status, 405)
      assert.strictEqual((await requestToken(server.realm, "s", [])).status, 401)
      assert.strictEqual((await requestToken(server.realm, "s", [], basic("u", "p"))).status, 200)
    } finally {
      await server.close()
    }
  })

  it("opaque tokens without expires_in, verified by lookup", async () => {
    const server = await TokenServer.start({ service: "s", tokenFormat: "opaque", omitExpiresIn: true })
    try {
      const body = (await (await requestToken(server.realm, "s", ["repository:x:pull"])).json()) as any
      assert.isUndefined(body.expires_in)
      assert.isTrue(Option.isSome(server.verify(body.token)))
      assert.isTrue(Option.isNone(server.verify(`${body.token}x`)))
      const wrong = (await (await requestToken(server.realm, "other", ["repository:x:pull"])).json()) as any
      assert.isTrue(Option.isNone(server.verify(wrong.token)), "an opaque token for another service")
    } finally {
      await server.close()
    }
  })
})

describe.each(["distribution", "dockerHub", "ghcr"] as const)("the %s emulator and a token for another service", (profile) => {
  it("refuses it with 401 invalid_token, as registries refuse another audience's token", async () => {
    const emulator = await RegistryEmulator.start({ profile, users: { alice: "pw" } })
    try {
      emulator.pushImage("alice/app", "v1")
      const scopes = ["repository:alice/app:pull"]
      const wrong = await tokenFrom(await requestToken(emulator.tokenServer.realm, "not-this-registry", scopes, basic("alice", "pw")))
      const refused = await fetch(`${emulator.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(wrong) } })
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(challengeOf(refused).error, "invalid_token")
      const right = await tokenFrom(await requestToken(emulator.tokenServer.realm, emulator.tokenServer.service, scopes, basic("alice", "pw")))
      assert.strictEqual((await fetch(`${emulator.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(right) } })).status, 200)
    } finally {
      await emulator.close()
    }
  })
})

describe("TokenServer: cloud registries' variations", () => {
  const now = Date.now()
  let server: TokenServer.TokenServer
  beforeAll(async () => {
    server = await TokenServer.start({
      service: "svc",
      users: { alice: "pw" },
      grants: [{ account: "alice", name: "*", actions: ["pull"] }, { account: "oauth-subject", name: "*", actions: ["pull"] }],
      authenticate: (_username, password) => (password === "live-token" ? "oauth-subject" : undefined),
      oauth: false,
      postRefusal: 404
    }, () => now)
  })
  afterAll(() => server.close())

  it("Basic checked by a function; account names the username, not the subject (oauth2accesstoken)", async () => {
    const url = new URL(server.realm)
    url.searchParams.set("service", "svc")
    url.searchParams.set("scope", "repository:a/b:pull")
    url.searchParams.set("account", "oauth2accesstoken")
    const ok = await fetch(url, { headers: { authorization: basic("oauth2accesstoken", "live-token") } })
    assert.strictEqual(ok.status, 200)
    assert.deepStrictEqual(accessOf(((await ok.json()) as any).token), ["repository:a/b:pull"])
    const refused = await fetch(url, { headers: { authorization: basic("oauth2accesstoken", "stale-token") } })
    assert.strictEqual(refused.status, 401)
  })

  it("POST refused with the configured status", async () => {
    const response = await fetch(server.realm, { method: "POST", body: new URLSearchParams({ grant_type: "password" }) })
    assert.strictEqual(response.status, 404)
  })
})

describe("TokenServer: refresh tokens with an expiry, repeated POST scopes", () => {
  let now = Date.now()
  let server: TokenServer.TokenServer
  beforeAll(async () => {
    server = await TokenServer.start({ service: "svc", users: { alice: "pw" } }, () => now)
  })
  afterAll(() => server.close())
  const post = (form: Array<[string, string]>) =>
    fetch(server.realm, { method: "POST", body: new URLSearchParams(form), headers: { "content-type": "application/x-www-form-urlencoded" } })

  it("a refresh token is a JWT with exp, taken until it expires; several scope parameters are all granted", async () => {
    const refresh = server.issueRefreshToken("alice", 3600)
    const claims = JSON.parse(Buffer.from(refresh.split(".")[1]!, "base64url").toString("utf8"))
    assert.strictEqual(claims.exp - claims.iat, 3600)
    const form: Array<[string, string]> = [
      ["grant_type", "refresh_token"], ["refresh_token", refresh], ["service", "svc"], ["client_id", "t"],
      ["scope", "repository:a/b:pull"], ["scope", "repository:c/d:pull,push"]
    ]
    const ok = await post(form)
    assert.strictEqual(ok.status, 200)
    assert.deepStrictEqual(accessOf(((await ok.json()) as any).access_token), ["repository:a/b:pull", "repository:c/d:pull,push"])
    now += 3601 * 1000
    assert.strictEqual((await post(form)).status, 401)
  })
})
