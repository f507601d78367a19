/**
 * The NGC adapter: the core conformance suite, then the exchange of the
 * registry reference (§15) replayed through the SDK against the emulator's
 * nvcr profile: `$oauthtoken` with an API key, anonymous public pulls.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { Nvcr } from "@ociauth/nvcr"
import { DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Option } from "effect"

describe("Nvcr.adapter", () => {
  for (const check of Conformance.checks(Nvcr.adapter, {
    hosts: ["nvcr.io", "NVCR.IO"],
    foreignHosts: ["ngc.nvidia.com", "authn.nvidia.com"],
    repositories: [["nvidia/cuda", "nvidia/cuda"], ["nvidia/nemo/llm", "nvidia/nemo/llm"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says: realm /proxy_auth, no service", () => {
    assert.deepStrictEqual(Option.getOrThrow(Nvcr.adapter.challenge), { scheme: "bearer", realm: "https://nvcr.io/proxy_auth", scopes: [] })
    assert.strictEqual(Nvcr.apiKeyUsername, "$oauthtoken")
  })
})

describe("NGC through the SDK (emulator nvcr profile)", () => {
  let nvcr: RegistryEmulator.RegistryEmulator
  let cuda: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  let config: DockerConfigFile.DockerConfigFile
  let keyed: RegistryFetch
  const tokenQueries = () => nvcr.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query))

  beforeAll(async () => {
    nvcr = await RegistryEmulator.start({
      profile: "nvcr",
      users: { $oauthtoken: "nvapi-KEY" },
      grants: [{ account: "$oauthtoken", name: "myorg/*", actions: ["pull", "push"] }],
      privateRepositories: ["myorg/*"]
    })
    cuda = nvcr.pushImage("nvidia/cuda", "12.4")
    nvcr.pushImage("myorg/model", "1.0")
    adapter = RegistryAdapter.retarget(Nvcr.adapter, { origin: nvcr.origin, realm: nvcr.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    // As `docker login nvcr.io -u '$oauthtoken' -p <API key>` writes it.
    config = await DockerConfigFile.write({ auths: { "nvcr.io": { auth: DockerConfigFile.auth("$oauthtoken", "nvapi-KEY") } } })
    keyed = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(config.path)
    })
  })
  afterAll(async () => {
    await anonymous.close()
    await keyed.close()
    await config.remove()
    await nvcr.close()
  })

  it("/v2/ challenges with realm /proxy_auth, scope=\"\" and no service", async () => {
    const response = await fetch(`${nvcr.origin}/v2/`)
    assert.strictEqual(response.status, 401)
    assert.strictEqual(response.headers.get("www-authenticate"), `Bearer realm="${nvcr.origin}/proxy_auth",scope=""`)
    await response.arrayBuffer()
  })

  it("anonymous pull of a public image: 2 round trips cold, no service in the token request", async () => {
    nvcr.log.clear()
    const manifest = await anonymous("https://nvcr.io/v2/nvidia/cuda/manifests/12.4")
    assert.strictEqual(manifest.headers.get("docker-content-digest"), cuda.digest)
    await manifest.arrayBuffer()
    assert.deepStrictEqual(nvcr.log.entries.map((e) => `${e.server} ${e.path}`), ["token /proxy_auth", "registry /v2/nvidia/cuda/manifests/12.4"])
    assert.isFalse(tokenQueries()[0]!.has("service"))
  })

  it("$oauthtoken and the API key from the docker config pull and push a private image; $ survives the URL", async () => {
    nvcr.log.clear()
    const manifest = await (await keyed("https://nvcr.io/v2/myorg/model/manifests/1.0")).text()
    const put = await keyed("https://nvcr.io/v2/myorg/model/manifests/1.1", {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
    assert.strictEqual(put.status, 201)
    assert.isTrue(nvcr.log.filter({ server: "token" }).every((e) => e.query.includes("account=%24oauthtoken")))
  })

  it("refusals: a wrong API key is TokenRequestError (Unauthorized); anonymous private pulls are InsufficientScope", async () => {
    const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { "nvcr.io": { username: "$oauthtoken", password: "nvapi-WRONG" } } })
    try {
      const error = await wrong("https://nvcr.io/v2/myorg/model/manifests/1.0").catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Unauthorized")
    } finally {
      await wrong.close()
    }
    const error = await anonymous("https://nvcr.io/v2/myorg/model/manifests/1.0").catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
  })
})

describe("NGC's realm switch after expiry (#28.5)", () => {
  it("a token expired at the server: the 401 names https://authn.nvidia.com/token (service=\"registry\", error=\"invalid_token\"); the SDK follows it with the API key and loses no request", async () => {
    let offset = 0
    const nvcr = await RegistryEmulator.start(
      { profile: "nvcr", users: { $oauthtoken: "nvapi-KEY" }, tokenTtl: "300 seconds" },
      () => Date.now() + offset
    )
    nvcr.pushImage("nvidia/cuda", "12.4")
    const second = nvcr.expiredRealm!
    const adapter = RegistryAdapter.retarget(Nvcr.adapter, { origin: nvcr.origin, realm: nvcr.challenge.realm })
    const keyed = makeRegistryFetch({ adapters: [adapter], credentials: { "nvcr.io": { username: "$oauthtoken", password: "nvapi-KEY" } } })
    const line = (e: { server: string; method: string; path: string; status: number; authorization: string }) =>
      `${e.server} ${e.method} ${e.path} ${e.status} ${e.authorization}`
    try {
      assert.strictEqual((await keyed("https://nvcr.io/v2/nvidia/cuda/manifests/12.4", { method: "HEAD" })).status, 200)
      // The server's clock passes the token's 5 minutes; the SDK's does not (a suspended laptop, a skewed clock).
      offset = 301_000
      nvcr.log.clear()
      const after = await keyed("https://nvcr.io/v2/nvidia/cuda/manifests/12.4", { method: "HEAD" })
      assert.strictEqual(after.status, 200, "the request is not lost")
      assert.deepStrictEqual(nvcr.log.entries.map(line), [
        "registry HEAD /v2/nvidia/cuda/manifests/12.4 401 bearer",
        `token2 GET ${new URL(second.realm).pathname} 200 basic`,
        "registry HEAD /v2/nvidia/cuda/manifests/12.4 200 bearer"
      ])
      const query = new URLSearchParams(nvcr.log.filter({ server: "token2" })[0]!.query)
      assert.strictEqual(query.get("service"), "registry")
      assert.deepStrictEqual(query.getAll("scope"), ["repository:nvidia/cuda:pull"])
      // Learned for the origin: the next request is sent with the new realm's token, at once.
      nvcr.log.clear()
      assert.strictEqual((await keyed("https://nvcr.io/v2/nvidia/cuda/manifests/12.4", { method: "HEAD" })).status, 200)
      assert.deepStrictEqual(nvcr.log.entries.map(line), ["registry HEAD /v2/nvidia/cuda/manifests/12.4 200 bearer"])
    } finally {
      await keyed.close()
      await nvcr.close()
    }
  })
})
