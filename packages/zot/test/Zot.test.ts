/**
 * The Zot adapter: the core conformance suite, then the exchange of the
 * registry reference (§13) replayed through the SDK against the emulator's zot
 * profile: `bearer realm=<url>` challenges with the realm unquoted, read whole
 * by the runtime's lenient parser, and an open `/v2/`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Challenge, RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Zot } from "@ociauth/zot"
import { Effect, Option } from "effect"

const HOST = "zot.corp.example"

describe("Zot.make", () => {
  for (const check of Conformance.checks(Zot.make({ hosts: [HOST] }), { hosts: [HOST], foreignHosts: ["corp.example"] })) {
    it.effect(check.name, () => check.run)
  }
  for (const check of Conformance.checks(Zot.make({ hosts: [HOST], realm: "https://auth.corp.example/token", service: "zot" }), { hosts: [HOST] })) {
    it.effect(`with a configured realm: ${check.name}`, () => check.run)
  }

  it("a configured realm saves the discovery; without one it is learnt", () => {
    assert.isTrue(Option.isNone(Zot.make({ hosts: [HOST] }).challenge))
    assert.deepStrictEqual(Option.getOrThrow(Zot.make({ hosts: [HOST], realm: "https://auth.corp.example/token", service: "zot" }).challenge), {
      scheme: "bearer",
      realm: "https://auth.corp.example/token",
      service: "zot",
      scopes: []
    })
  })
})

describe("Zot through the SDK (emulator zot profile)", () => {
  let zot: RegistryEmulator.RegistryEmulator
  let image: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch

  beforeAll(async () => {
    zot = await RegistryEmulator.start({ profile: "zot", users: { alice: "zak_0123456789" }, privateRepositories: ["alice/*"] })
    image = zot.pushImage("tools/app", "1.0")
    zot.pushImage("alice/private", "1.0")
    adapter = RegistryAdapter.retarget(Zot.make({ hosts: [HOST] }), { origin: zot.origin })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
  })
  afterAll(async () => {
    await anonymous.close()
    await zot.close()
  })

  it.effect("the challenge: lower-case scheme, bare realm — /v2/ is 200 with an empty body and still sends it", () =>
    Effect.gen(function* () {
      const base = yield* Effect.promise(() => fetch(`${zot.origin}/v2/`))
      assert.strictEqual(base.status, 200)
      assert.strictEqual(yield* Effect.promise(() => base.text()), "")
      const header = base.headers.get("www-authenticate")!
      assert.strictEqual(header, `bearer realm=${zot.tokenServer.realm},service="zot"`)
      const [challenge] = yield* Challenge.parse(header, { lenient: true })
      assert.strictEqual(challenge!.params.realm, zot.tokenServer.realm, "read whole, not cut at the ':'")
    }))

  it("anonymous pull: /v2/ needs nothing; the first repository request learns the bare realm from its 401", async () => {
    zot.log.clear()
    const base = await anonymous(`https://${HOST}/v2/`)
    assert.strictEqual(base.status, 200)
    await base.arrayBuffer()
    const manifest = await anonymous(`https://${HOST}/v2/tools/app/manifests/1.0`)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), image.digest)
    await manifest.arrayBuffer()
    assert.deepStrictEqual(zot.log.entries.map((e) => `${e.server} ${e.status} ${e.path}`), [
      "registry 200 /v2/",
      "registry 401 /v2/tools/app/manifests/1.0",
      "token 200 /auth/token",
      "registry 200 /v2/tools/app/manifests/1.0"
    ])
  })

  it("an htpasswd user with an API key (zak_…) from the docker config pushes to its repositories and lists what it sees", async () => {
    const file = await DockerConfigFile.write({ auths: { [HOST]: { auth: DockerConfigFile.auth("alice", "zak_0123456789") } } })
    const alice = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(file.path)
    })
    try {
      const manifest = await (await alice(`https://${HOST}/v2/alice/private/manifests/1.0`)).text()
      const put = await alice(`https://${HOST}/v2/alice/private/manifests/1.1`, {
        method: "PUT",
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
        body: manifest
      })
      assert.strictEqual(put.status, 201)
      const catalog = await alice(`https://${HOST}/v2/_catalog`)
      assert.deepStrictEqual(await catalog.json(), { repositories: ["alice/private", "tools/app"] })
    } finally {
      await alice.close()
      await file.remove()
    }
  })

  it("refusals: anonymous access to a private repository and an anonymous push are InsufficientScope; a wrong key Unauthorized", async () => {
    for (const [path, method] of [["/v2/alice/private/manifests/1.0", "GET"], ["/v2/tools/app/blobs/uploads/", "POST"]] as const) {
      const error = await anonymous(`https://${HOST}${path}`, { method }).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope", path)
    }
    const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: "alice", password: "zak_wrong" } } })
    try {
      const error = await wrong(`https://${HOST}/v2/alice/private/manifests/1.0`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Unauthorized")
    } finally {
      await wrong.close()
    }
  })
})
