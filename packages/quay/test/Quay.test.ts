/**
 * The Quay adapter: the core conformance suite, then the exchange of the
 * registry reference (§10) replayed through the SDK against the emulator's
 * quay profile, with credentials as `docker login` writes them.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { Quay } from "@ociauth/quay"
import { DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Duration, Option } from "effect"

describe("Quay.adapter", () => {
  for (const check of Conformance.checks(Quay.adapter, {
    hosts: ["quay.io", "QUAY.IO"],
    foreignHosts: ["cdn.quay.io", "cdn01.quay.io", "docker.io"],
    repositories: [["acme/app", "acme/app"]]
  })) it.effect(check.name, () => check.run)
  for (const check of Conformance.checks(Quay.make({ hosts: ["quay.corp.example", "quay"] }), {
    hosts: ["quay.corp.example", "quay"],
    foreignHosts: ["quay.io"]
  })) it.effect(`self-hosted ${check.name}`, () => check.run)

  it("declares what the registry reference says", () => {
    const a = Quay.adapter
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "bearer", realm: "https://quay.io/v2/auth", service: "quay.io", scopes: [] })
    assert.strictEqual(Duration.toSeconds(a.defaultTokenLifetime), 3600, "no expires_in, JWTs live 3600 s")
    assert.strictEqual(a.tokenRequest.method, "get")
    assert.isTrue(Option.isNone(a.catalogScope), "registry:catalog:* is not in Quay's scope grammar")
    assert.deepStrictEqual(a.capabilities, { catalog: true, delete: true, deleteBlobs: false })
    const corp = Option.getOrThrow(Quay.make({ hosts: ["Quay.Corp.Example"] }).challenge)
    assert.deepStrictEqual(corp, { scheme: "bearer", realm: "https://quay.corp.example/v2/auth", service: "quay.corp.example", scopes: [] })
  })
})

describe("Quay through the SDK (emulator quay profile)", () => {
  let quay: RegistryEmulator.RegistryEmulator
  let app: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  let config: DockerConfigFile.DockerConfigFile
  let configured: RegistryFetch
  const tokenRequests = () => quay.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query))

  beforeAll(async () => {
    quay = await RegistryEmulator.start({
      profile: "quay",
      users: { "acme+deployer": "ROBOT-TOKEN", $app: "app-token" },
      grants: [
        { account: "acme+deployer", name: "acme/*", actions: ["pull", "push", "delete"] },
        { account: "$app", name: "acme/*", actions: ["pull"] }
      ],
      privateRepositories: ["acme/private"]
    })
    app = quay.pushImage("acme/app", "1.0")
    quay.pushImage("acme/private", "1.0")
    adapter = RegistryAdapter.retarget(Quay.adapter, { origin: quay.origin, realm: quay.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    // As `docker login quay.io -u 'acme+deployer'` writes it.
    config = await DockerConfigFile.write({ auths: { "quay.io": { auth: DockerConfigFile.auth("acme+deployer", "ROBOT-TOKEN") } } })
    configured = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(config.path)
    })
  })
  afterAll(async () => {
    await anonymous.close()
    await configured.close()
    await config.remove()
    await quay.close()
  })

  it("anonymous pull of a public repository: GET /v2/auth known in advance, 2 round trips cold, 1 warm", async () => {
    quay.log.clear()
    const manifest = await anonymous("https://quay.io/v2/acme/app/manifests/1.0")
    assert.strictEqual(manifest.status, 200)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), app.digest)
    await manifest.arrayBuffer()
    assert.deepStrictEqual(quay.log.entries.map((e) => `${e.server} ${e.method} ${e.path}`), [
      "token GET /v2/auth",
      "registry GET /v2/acme/app/manifests/1.0"
    ])
    assert.deepStrictEqual(tokenRequests()[0]!.getAll("scope"), ["repository:acme/app:pull"])
    const tags = await anonymous("https://quay.io/v2/acme/app/tags/list")
    assert.deepStrictEqual(await tags.json(), { name: "acme/app", tags: ["1.0"] })
    assert.strictEqual(quay.log.count({ server: "token" }), 1)
  })

  it("no expires_in: the token is held for the JWT's 3600 s, not the spec's 60 s", async () => {
    const issued: Array<number> = []
    const watched = makeRegistryFetch({
      adapters: [adapter],
      credentials: {},
      onEvent: (e) => e._tag === "TokenIssued" && issued.push(e.expiresAt.epochMilliseconds)
    })
    try {
      const before = Date.now()
      await (await watched("https://quay.io/v2/acme/app/tags/list")).arrayBuffer()
      const after = Date.now()
      // Issued between before and after (±2 s): an hour of life, however long a busy machine took to ask.
      assert.isAtLeast(issued[0]! - before, 3_600_000 - 2_000)
      assert.isAtMost(issued[0]! - after, 3_600_000 + 2_000)
    } finally {
      await watched.close()
    }
  })

  it("the robot account from the docker config pulls the private repository and pushes; account=acme+deployer survives the URL", async () => {
    quay.log.clear()
    const pulled = await configured("https://quay.io/v2/acme/private/manifests/1.0")
    assert.strictEqual(pulled.status, 200)
    const manifest = await pulled.text()
    const put = await configured("https://quay.io/v2/acme/private/manifests/1.1", {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(put.status, 201)
    assert.deepStrictEqual(tokenRequests().map((q) => q.get("account")), ["acme+deployer", "acme+deployer"])
    assert.strictEqual(quay.log.count({ server: "token", method: "POST" }), 0, "Quay's token endpoint is GET only")
  })

  it("an application token ($app) pulls; a push beyond its grant is refused at the token endpoint (405 UNSUPPORTED → Denied, no write permission) before reaching the registry", async () => {
    const appToken = makeRegistryFetch({ adapters: [adapter], credentials: { "quay.io": { username: "$app", password: "app-token" } } })
    try {
      const pulled = await appToken("https://quay.io/v2/acme/private/manifests/1.0", { method: "HEAD" })
      assert.strictEqual(pulled.status, 200)
      quay.log.clear()
      const error = await appToken("https://quay.io/v2/acme/private/blobs/uploads/", { method: "POST" }).catch((e: unknown) => e)
      // Quay (v2auth.py) refuses a push without write permission: 405 UNSUPPORTED "No permission to modify repository".
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Denied")
      assert.strictEqual((error as { status: number }).status, 405)
      assert.strictEqual(
        (error as { detail: string }).detail,
        "the account has no write permission for repository:acme/private:pull,push (UNSUPPORTED: No permission to modify repository)"
      )
      assert.strictEqual(quay.log.count({ server: "registry" }), 0)
      assert.strictEqual(tokenRequests()[0]!.get("account"), "$app")
    } finally {
      await appToken.close()
    }
  })

  it("anonymous requests beyond public repositories are narrowed: InsufficientScope", async () => {
    const error = await anonymous("https://quay.io/v2/acme/private/manifests/1.0").catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
  })

  it("anonymous /v2/ and _catalog: Quay issues no anonymous token without a scope → TokenRequestError (Unauthorized)", async () => {
    const fresh = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      for (const path of ["/v2/", "/v2/_catalog"]) {
        const error = await fresh(`https://quay.io${path}`).catch((e: unknown) => e)
        assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError", path)
        assert.strictEqual((error as { reason: string }).reason, "Unauthorized", path)
      }
    } finally {
      await fresh.close()
    }
  })

  it("the catalog lists what the robot may see, asked for with no scope (registry:* is not Quay's grammar)", async () => {
    const robot = makeRegistryFetch({ adapters: [adapter], credentials: { "quay.io": { username: "acme+deployer", password: "ROBOT-TOKEN" } } })
    try {
      quay.log.clear()
      const listed = await robot("https://quay.io/v2/_catalog")
      assert.deepStrictEqual(await listed.json(), { repositories: ["acme/app", "acme/private"] })
      assert.deepStrictEqual(tokenRequests().map((q) => q.getAll("scope")), [[]])
    } finally {
      await robot.close()
    }
  })

  it("DELETE of a manifest works; DELETE of a blob is Unsupported, without a request", async () => {
    const pushed = quay.pushImage("acme/app", "doomed", [new TextEncoder().encode("doomed")])
    quay.log.clear()
    const deleted = await configured(`https://quay.io/v2/acme/app/manifests/${pushed.digest}`, { method: "DELETE" })
    assert.strictEqual(deleted.status, 202)
    const registryCalls = quay.log.count({ server: "registry" })
    const error = await configured(`https://quay.io/v2/acme/app/blobs/${pushed.layers[0]}`, { method: "DELETE" }).catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "Unsupported")
    assert.strictEqual(quay.log.count({ server: "registry" }), registryCalls)
  })
})
