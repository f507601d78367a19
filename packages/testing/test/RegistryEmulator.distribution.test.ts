import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Budget, Image, Profile, Profiles, RegistryEmulator } from "@ociauth/testing"
import { basic, bearer, challengeOf, requestToken, tokenFrom } from "./utils.js"

const digestOf = Image.digestOf

describe("RegistryEmulator distribution profile", () => {
  let registry: RegistryEmulator.RegistryEmulator
  const get = async (scopes: ReadonlyArray<string>, user = true) =>
    tokenFrom(await requestToken(registry.tokenServer.realm, registry.tokenServer.service, scopes, user ? basic("alice", "pw") : undefined))

  beforeAll(async () => {
    registry = await RegistryEmulator.start({ users: { alice: "pw" }, privateRepositories: ["secret/*"] })
  })
  afterAll(() => registry.close())

  it("/v2/ without a token is 401 with realm and service but no scope; with any token 200 {}", async () => {
    const response = await fetch(`${registry.origin}/v2/`)
    assert.strictEqual(response.status, 401)
    assert.deepStrictEqual(challengeOf(response), {
      scheme: "bearer",
      realm: registry.tokenServer.realm,
      service: "ociauth-emulator",
      scopes: []
    })
    const jwt = await get([])
    const ok = await fetch(`${registry.origin}/v2/`, { headers: { authorization: bearer(jwt) } })
    assert.deepStrictEqual([ok.status, await ok.text()], [200, "{}"])
  })

  it("a token it did not issue is invalid_token", async () => {
    const response = await fetch(`${registry.origin}/v2/`, { headers: { authorization: bearer("forged.jwt.value") } })
    assert.strictEqual(challengeOf(response).error, "invalid_token")
  })

  it("pushes with a chunked upload, mounts across repositories, and pulls back", async () => {
    const jwt = await get(["repository:alice/app:pull,push", "repository:alice/base:pull,push"])
    const auth = { authorization: bearer(jwt) }
    const image = Image.make([new TextEncoder().encode("layer-bytes-".repeat(100))])
    const layer = image.layers[0]!.bytes
    const layerDigest = image.layers[0]!.digest

    const start = await fetch(`${registry.origin}/v2/alice/base/blobs/uploads/`, { method: "POST", headers: auth })
    assert.strictEqual(start.status, 202)
    const location = start.headers.get("location")!
    const patch = await fetch(`${registry.origin}${location}`, { method: "PATCH", headers: auth, body: layer.slice(0, 600) })
    assert.strictEqual(patch.status, 202)
    assert.strictEqual(patch.headers.get("range"), "0-599")
    const put = await fetch(`${registry.origin}${location}?digest=${layerDigest}`, { method: "PUT", headers: auth, body: layer.slice(600) })
    assert.strictEqual(put.status, 201)
    assert.strictEqual(put.headers.get("docker-content-digest"), layerDigest)

    const mount = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/?mount=${layerDigest}&from=alice/base`, { method: "POST", headers: auth })
    assert.strictEqual(mount.status, 201)
    assert.strictEqual(mount.headers.get("location"), `/v2/alice/app/blobs/${layerDigest}`)

    const mono = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/?digest=${image.config.digest}`, {
      method: "POST",
      headers: auth,
      body: image.config.bytes
    })
    assert.strictEqual(mono.status, 201)

    const manifest = image.manifest.text
    const created = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(created.status, 201)
    const digest = created.headers.get("docker-content-digest")!
    assert.strictEqual(digest, image.manifest.digest)

    const pulled = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`, { headers: auth })
    assert.strictEqual(await pulled.text(), manifest)
    const blob = await fetch(`${registry.origin}/v2/alice/app/blobs/${layerDigest}`, { headers: auth })
    assert.deepStrictEqual(new Uint8Array(await blob.arrayBuffer()), layer)
  })

  it("a mount needs pull on the source: without it the registry asks for that scope", async () => {
    registry.pushImage("secret/base", "v1")
    const jwt = await get(["repository:alice/app:pull,push"])
    const response = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/?mount=sha256:${"0".repeat(64)}&from=secret/base`, {
      method: "POST",
      headers: { authorization: bearer(jwt) }
    })
    assert.strictEqual(response.status, 401)
    const challenge = challengeOf(response)
    assert.strictEqual(challenge.error, "insufficient_scope")
    assert.include(challenge.scopes.map((s) => (s._tag === "Resource" ? s.name : "")), "secret/base")
  })

  it("rejects a wrong digest and a manifest whose blobs are missing", async () => {
    const auth = { authorization: bearer(await get(["repository:alice/bad:pull,push"])) }
    const wrong = await fetch(`${registry.origin}/v2/alice/bad/blobs/uploads/?digest=sha256:${"1".repeat(64)}`, { method: "POST", headers: auth, body: "x" })
    assert.strictEqual(wrong.status, 400)
    assert.strictEqual(((await wrong.json()) as any).errors[0].code, "DIGEST_INVALID")
    const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: `sha256:${"2".repeat(64)}`, size: 1 }, layers: [] })
    const missing = await fetch(`${registry.origin}/v2/alice/bad/manifests/x`, { method: "PUT", headers: auth, body: manifest })
    assert.strictEqual(((await missing.json()) as any).errors[0].code, "MANIFEST_BLOB_UNKNOWN")
  })

  it("tags and catalog paginate with Link; the catalog needs registry:catalog:*", async () => {
    for (const tag of ["a", "b", "c"]) registry.pushImage("alice/paged", tag)
    const jwt = await get(["repository:alice/paged:pull"])
    const page = await fetch(`${registry.origin}/v2/alice/paged/tags/list?n=2`, { headers: { authorization: bearer(jwt) } })
    assert.deepStrictEqual(await page.json(), { name: "alice/paged", tags: ["a", "b"] })
    assert.strictEqual(page.headers.get("link"), '</v2/alice/paged/tags/list?last=b&n=2>; rel="next"')
    const refused = await fetch(`${registry.origin}/v2/_catalog`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(challengeOf(refused).error, "insufficient_scope")
    const catalog = await fetch(`${registry.origin}/v2/_catalog`, { headers: { authorization: bearer(await get(["registry:catalog:*"])) } })
    assert.include(((await catalog.json()) as any).repositories, "alice/paged")
    const anonymous = await get(["registry:catalog:*"], false)
    assert.strictEqual((await fetch(`${registry.origin}/v2/_catalog`, { headers: { authorization: bearer(anonymous) } })).status, 401)
  })

  it("private repositories are not pullable anonymously", async () => {
    const anonymous = await get(["repository:secret/base:pull"], false)
    const response = await fetch(`${registry.origin}/v2/secret/base/manifests/v1`, { headers: { authorization: bearer(anonymous) } })
    assert.strictEqual(response.status, 401)
  })

  it("referrers list the manifests whose subject is the digest", async () => {
    const subject = registry.pushImage("alice/signed", "v1")
    const jwt = await get(["repository:alice/signed:pull,push"])
    const config = new TextEncoder().encode("{}")
    await fetch(`${registry.origin}/v2/alice/signed/blobs/uploads/?digest=${digestOf(config)}`, { method: "POST", headers: { authorization: bearer(jwt) }, body: config })
    const signature = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.dev.cosign.signature",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(config), size: 2 },
      layers: [],
      subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: subject.digest, size: 1 }
    })
    const put = await fetch(`${registry.origin}/v2/alice/signed/manifests/${digestOf(new TextEncoder().encode(signature))}`, {
      method: "PUT",
      headers: { authorization: bearer(jwt), "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: signature
    })
    assert.strictEqual(put.status, 201)
    const index = (await (await fetch(`${registry.origin}/v2/alice/signed/referrers/${subject.digest}`, { headers: { authorization: bearer(jwt) } })).json()) as any
    assert.strictEqual(index.manifests.length, 1)
    assert.strictEqual(index.manifests[0].artifactType, "application/vnd.dev.cosign.signature")
  })

  it("deletes manifests (202) when the token has delete", async () => {
    const image = registry.pushImage("alice/gone", "v1")
    const jwt = await get(["repository:alice/gone:delete,pull"])
    const del = await fetch(`${registry.origin}/v2/alice/gone/manifests/${image.digest}`, { method: "DELETE", headers: { authorization: bearer(jwt) } })
    assert.strictEqual(del.status, 202)
    assert.strictEqual((await fetch(`${registry.origin}/v2/alice/gone/manifests/v1`, { headers: { authorization: bearer(jwt) } })).status, 404)
  })

  it("generated blobs stream with their digest and are never stored", async () => {
    const size = 5 * 1024 * 1024 + 17
    const digest = registry.generateBlob("alice/big", size, 7)
    const jwt = await get(["repository:alice/big:pull"])
    const response = await fetch(`${registry.origin}/v2/alice/big/blobs/${digest}`, { headers: { authorization: bearer(jwt) } })
    assert.strictEqual(response.headers.get("content-length"), String(size))
    const hash = createHash("sha256")
    let received = 0
    for await (const chunk of response.body!) {
      hash.update(chunk)
      received += chunk.length
    }
    assert.strictEqual(received, size)
    assert.strictEqual(`sha256:${hash.digest("hex")}`, digest)
  })

  describe("faults", () => {
    it("a status with Retry-After, for a number of requests", async () => {
      registry.faults.add({ path: "/v2/", status: 503, retryAfter: 2, times: 1 })
      const first = await fetch(`${registry.origin}/v2/`)
      assert.strictEqual(first.status, 503)
      assert.strictEqual(first.headers.get("retry-after"), "2")
      assert.strictEqual((await fetch(`${registry.origin}/v2/`)).status, 401)
    })

    it("a 429 on the token server", async () => {
      const disarm = registry.tokenServer.faults.add({ status: 429, retryAfter: "Wed, 21 Oct 2037 07:28:00 GMT" })
      const response = await requestToken(registry.tokenServer.realm, registry.tokenServer.service, [])
      assert.strictEqual(response.status, 429)
      assert.strictEqual(response.headers.get("retry-after"), "Wed, 21 Oct 2037 07:28:00 GMT")
      disarm()
      assert.strictEqual((await requestToken(registry.tokenServer.realm, registry.tokenServer.service, [])).status, 200)
    })

    it("a dropped connection is a network error, logged with status 0", async () => {
      registry.faults.add({ path: "/v2/", drop: true, times: 1 })
      const error = await fetch(`${registry.origin}/v2/`).then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, Error)
      assert.strictEqual(registry.log.entries.at(-1)?.status, 0)
    })

    it("latency delays the answer: a request sent after the delayed one has arrived is answered first", async () => {
      // Ordering, not a measured time: the delay (scaled) is what a whole second round trip fits in.
      let arrived: () => void = () => {}
      const reached = new Promise<void>((resolve) => (arrived = resolve))
      const delayed = new (class extends RegExp {
        override test(text: string): boolean {
          const matched = super.test(text)
          if (matched) arrived()
          return matched
        }
      })("^/v2/$")
      registry.faults.add({ path: delayed, latencyMs: Budget.scaled(1_000), times: 1 })
      const order: Array<string> = []
      const slow = fetch(`${registry.origin}/v2/`).then((r) => void order.push(`delayed ${r.status}`))
      await reached
      await fetch(`${registry.origin}/v2/`).then((r) => void order.push(`next ${r.status}`))
      await slow
      assert.deepStrictEqual(order, ["next 401", "delayed 401"])
    })

    it("an expired token: invalid_token although the token is good", async () => {
      const jwt = await get([])
      registry.faults.add({ path: "/v2/", expireToken: true, times: 1 })
      const response = await fetch(`${registry.origin}/v2/`, { headers: { authorization: bearer(jwt) } })
      assert.strictEqual(challengeOf(response).error, "invalid_token")
      assert.strictEqual((await fetch(`${registry.origin}/v2/`, { headers: { authorization: bearer(jwt) } })).status, 200)
    })
  })

  it("unknown paths and methods", async () => {
    const jwt = await get(["repository:alice/app:pull,push"])
    assert.strictEqual((await fetch(`${registry.origin}/nope`)).status, 404)
    const response = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { method: "PUT", headers: { authorization: bearer(jwt) } })
    assert.strictEqual(response.status, 405)
  })
})

describe("RegistryEmulator as a scoped Effect resource", () => {
  it.live("starts with the scope and stops with it", () =>
    Effect.gen(function* () {
      const origin = yield* Effect.scoped(
        Effect.gen(function* () {
          const emulator = yield* RegistryEmulator.make({ profile: "ghcr" })
          const response = yield* Effect.promise(() => fetch(`${emulator.origin}/v2/`))
          assert.strictEqual(response.status, 401)
          return emulator.origin
        })
      )
      const after = yield* Effect.promise(() => fetch(`${origin}/v2/`).then(() => "answered", () => "closed"))
      assert.strictEqual(after, "closed")
    }))
})

describe("RegistryEmulator.layer", () => {
  it.live("provides the emulator as a service", () =>
    Effect.gen(function* () {
      const emulator = yield* RegistryEmulator.Emulator
      emulator.pushImage("team/app", "v1")
      assert.deepStrictEqual(emulator.tags("team/app"), ["v1"])
      const response = yield* Effect.promise(() => fetch(`${emulator.origin}/v2/`))
      assert.strictEqual(response.status, 401)
    }).pipe(Effect.provide(RegistryEmulator.layer({ profile: "dockerHub" }))))
})

describe("RegistryEmulator profiles as records", () => {
  it("a Basic-only record: every challenge is Basic, the account's Basic credentials are taken", async () => {
    const emulator = await RegistryEmulator.start({
      profile: Profile.make({ name: "basicOnly", basicRealm: "registry", basicOnly: true }),
      users: { alice: "pw" }
    })
    try {
      emulator.pushImage("alice/app", "1.0")
      const refused = await fetch(`${emulator.origin}/v2/alice/app/tags/list`)
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(refused.headers.get("www-authenticate"), 'Basic realm="registry"')
      const listed = await fetch(`${emulator.origin}/v2/alice/app/tags/list`, { headers: { authorization: basic("alice", "pw") } })
      assert.deepStrictEqual(await listed.json(), { name: "alice/app", tags: ["1.0"] })
      assert.strictEqual(emulator.profile, "basicOnly")
    } finally {
      await emulator.close()
    }
  })

  it("every built-in name resolves to its record", () => {
    for (const [name, record] of Object.entries(Profiles.named)) {
      assert.strictEqual(record.name, name)
    }
  })
})
