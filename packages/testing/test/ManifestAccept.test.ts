/**
 * Content negotiation of OCI indexes, the same assertions against the real
 * distribution 2.8 (Debian's docker-registry) and the emulator's distribution
 * profile: an index is served only to a client whose `Accept` names the index
 * media type; otherwise 404 MANIFEST_UNKNOWN, by tag and by digest, GET and HEAD.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { DistributionRegistry, Image, RegistryEmulator, TokenServer } from "@ociauth/testing"
import { basic, client, requestToken, tokenFrom } from "./utils.js"

const OCI_INDEX = "application/vnd.oci.image.index.v1+json"
const availability = DistributionRegistry.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

interface Target {
  readonly origin: string
  readonly realm: string
  readonly service: string
  readonly close: () => Promise<void>
}

const targets: ReadonlyArray<readonly [string, boolean, () => Promise<Target>]> = [
  [
    "the emulator (distribution profile)",
    true,
    async () => {
      const emulator = await RegistryEmulator.start({ users: { alice: "pw" } })
      return { origin: emulator.origin, realm: emulator.tokenServer.realm, service: emulator.tokenServer.service, close: emulator.close }
    }
  ],
  [
    "the real docker-registry 2.8",
    availability.available,
    async () => {
      const tokens = await TokenServer.start({ service: "accept-test", users: { alice: "pw" } })
      const registry = await DistributionRegistry.start({ tokenServer: tokens })
      return {
        origin: registry.origin,
        realm: tokens.realm,
        service: tokens.service,
        close: async () => {
          await registry.close()
          await tokens.close()
        }
      }
    }
  ]
]

describe.each(targets)("an OCI index on %s", (_, available, start) => {
  let target: Target
  let api: ReturnType<typeof client>
  const image = Image.make()
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.text.length, platform: { architecture: "amd64", os: "linux" } }]
  })

  beforeAll(async () => {
    if (!available) return
    target = await start()
    const scopes = ["repository:alice/multi:pull,push"]
    api = client(target.origin, await tokenFrom(await requestToken(target.realm, target.service, scopes, basic("alice", "pw"))))
    // POST then PUT: distribution 2.8 has no single-POST upload.
    for (const blob of [...image.layers, image.config]) {
      const started = await api.request("POST", "/v2/alice/multi/blobs/uploads/")
      const location = new URL(started.headers.get("location")!, target.origin)
      location.searchParams.set("digest", blob.digest)
      assert.strictEqual((await api.request("PUT", location.toString(), { body: blob.bytes })).status, 201)
    }
    assert.strictEqual((await api.pushManifest("alice/multi", "image", image.manifest.text)).status, 201)
    assert.strictEqual((await api.pushManifest("alice/multi", "latest", index, OCI_INDEX)).status, 201)
  })
  afterAll(() => target?.close())

  it.skipIf(!available)("without an Accept naming the index type: 404 MANIFEST_UNKNOWN, by tag and by digest", async () => {
    const accepts = [undefined, "*/*", "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]
    for (const reference of ["latest", Image.digestOf(index)]) {
      for (const accept of accepts) {
        const headers: Record<string, string> = accept === undefined ? {} : { accept }
        const get = await api.request("GET", `/v2/alice/multi/manifests/${reference}`, { headers })
        assert.strictEqual(get.status, 404, `${reference} ${accept}`)
        assert.strictEqual(((await get.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, "MANIFEST_UNKNOWN")
        assert.strictEqual((await api.request("HEAD", `/v2/alice/multi/manifests/${reference}`, { headers })).status, 404)
      }
    }
  })

  it.skipIf(!available)("with the index type among others (and parameters): 200 and the index", async () => {
    for (const accept of [OCI_INDEX, `application/vnd.oci.image.manifest.v1+json, ${OCI_INDEX};q=0.9`]) {
      const get = await api.request("GET", "/v2/alice/multi/manifests/latest", { headers: { accept } })
      assert.deepStrictEqual([get.status, get.headers.get("content-type"), await get.text()], [200, OCI_INDEX, index])
      assert.strictEqual((await api.request("HEAD", "/v2/alice/multi/manifests/latest", { headers: { accept } })).status, 200)
    }
  })
})
