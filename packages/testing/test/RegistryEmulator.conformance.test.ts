/**
 * The distribution profile against the OCI distribution spec (`spec.md`,
 * v1.1), workflow by workflow as the spec's conformance suite groups them:
 * push, pull, content discovery, content management — success and failure
 * paths, with their status codes, error codes and headers.
 */
import { createHash } from "node:crypto"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Image, RegistryEmulator } from "@ociauth/testing"
import { basic, challengeOf, client, errorCode, requestToken, tokenFrom } from "./utils.js"

const sha512 = (bytes: Uint8Array | string) => `sha512:${createHash("sha512").update(bytes).digest("hex")}`
const sha256 = Image.digestOf
const encode = (text: string) => new TextEncoder().encode(text)
const OCI_MANIFEST = Image.manifestMediaType
const OCI_INDEX = "application/vnd.oci.image.index.v1+json"
const EMPTY = { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256("{}"), size: 2 }

describe("RegistryEmulator distribution profile: OCI distribution-spec conformance", () => {
  let registry: RegistryEmulator.RegistryEmulator
  let api: ReturnType<typeof client>
  const repo = "alice/conformance"

  beforeAll(async () => {
    registry = await RegistryEmulator.start({ users: { alice: "pw", bob: "pw2" }, privateRepositories: ["bob/private"] })
    const token = await tokenFrom(
      await requestToken(registry.tokenServer.realm, registry.tokenServer.service, [repo, "alice/other", "alice/tags", "alice/never-pushed", "alice/nothing-here", "alice/no-such-repo"].map((name) => `repository:${name}:pull,push,delete`), basic("alice", "pw"))
    )
    api = client(registry.origin, token)
    await api.pushBlob(repo, encode("{}"), EMPTY.digest)
  })
  afterAll(() => registry.close())

  /** Pushes an image's blobs and its manifest under `reference` (its tag, or digest). */
  const pushImage = async (image: Image.Image, reference: string = image.manifest.digest) => {
    for (const blob of [...image.layers, image.config]) assert.strictEqual((await api.pushBlob(repo, blob.bytes, blob.digest)).status, 201)
    return api.pushManifest(repo, reference, image.manifest.text)
  }

  describe("push: blobs", () => {
    it("POST then PUT: 202 with a Location holding the session, then 201 with the blob's Location", async () => {
      const bytes = encode("post then put")
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      assert.strictEqual(start.status, 202)
      const location = start.headers.get("location")!
      assert.match(location, /\/v2\/alice\/conformance\/blobs\/uploads\/[0-9a-f-]{36}$/)
      const put = await api.request("PUT", `${location}?digest=${sha256(bytes)}`, { body: bytes, headers: { "content-type": "application/octet-stream" } })
      assert.strictEqual(put.status, 201)
      assert.strictEqual(put.headers.get("location"), `/v2/${repo}/blobs/${sha256(bytes)}`)
      assert.strictEqual(put.headers.get("docker-content-digest"), sha256(bytes))
      assert.strictEqual(await (await api.request("GET", put.headers.get("location")!)).text(), "post then put")
    })

    it("a single POST with the digest: 201", async () => {
      const bytes = encode("single post")
      const response = await api.pushBlob(repo, bytes, sha256(bytes))
      assert.strictEqual(response.status, 201)
      assert.strictEqual(response.headers.get("location"), `/v2/${repo}/blobs/${sha256(bytes)}`)
    })

    it("sha512 digests: single POST, POST then PUT and chunked, served under the sha512 digest", async () => {
      const one = encode("sha512 single post")
      const posted = await api.pushBlob(repo, one, sha512(one))
      assert.strictEqual(posted.status, 201)
      assert.strictEqual(posted.headers.get("docker-content-digest"), sha512(one))
      const two = encode("sha512 chunked")
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      const patch = await api.request("PATCH", start.headers.get("location")!, { body: two.slice(0, 6), headers: { "content-range": "0-5" } })
      const put = await api.request("PUT", `${patch.headers.get("location")}?digest=${sha512(two)}`, { body: two.slice(6), headers: { "content-range": `6-${two.length - 1}` } })
      assert.strictEqual(put.status, 201)
      for (const [bytes, digest] of [[one, sha512(one)], [two, sha512(two)]] as const) {
        const got = await api.request("GET", `/v2/${repo}/blobs/${digest}`)
        assert.strictEqual(got.status, 200)
        assert.strictEqual(got.headers.get("docker-content-digest"), digest)
        assert.deepStrictEqual(new Uint8Array(await got.arrayBuffer()), bytes)
      }
    })

    it("a digest that does not match is 400 DIGEST_INVALID, on every upload path", async () => {
      const bytes = encode("the real content")
      const wrong = sha256("other content")
      const single = await api.pushBlob(repo, bytes, wrong)
      assert.deepStrictEqual([single.status, await errorCode(single)], [400, "DIGEST_INVALID"])
      const wrong512 = await api.pushBlob(repo, bytes, sha512("other content"))
      assert.deepStrictEqual([wrong512.status, await errorCode(wrong512)], [400, "DIGEST_INVALID"])
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      const put = await api.request("PUT", `${start.headers.get("location")}?digest=${wrong}`, { body: bytes })
      assert.deepStrictEqual([put.status, await errorCode(put)], [400, "DIGEST_INVALID"])
      assert.strictEqual((await api.request("HEAD", `/v2/${repo}/blobs/${wrong}`)).status, 404)
    })

    it("an unsupported algorithm or a malformed digest is 400 DIGEST_INVALID", async () => {
      const bytes = encode("x")
      for (const digest of [`md5:${createHash("md5").update(bytes).digest("hex")}`, "sha256:short", `sha256:${"A".repeat(64)}`, "nodigest"]) {
        const response = await api.pushBlob(repo, bytes, digest)
        assert.deepStrictEqual([response.status, await errorCode(response)], [400, "DIGEST_INVALID"], digest)
      }
    })

    it("chunked: 202 with Location and Range 0-<end> per chunk, GET reports the offset (204), PUT closes with the last chunk", async () => {
      const bytes = encode("0123456789abcdefghij")
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`, { headers: { "content-length": "0" } })
      let location = start.headers.get("location")!
      for (const [from, to] of [[0, 7], [8, 13]] as const) {
        const patch = await api.request("PATCH", location, {
          body: bytes.slice(from, to + 1),
          headers: { "content-type": "application/octet-stream", "content-range": `${from}-${to}` }
        })
        assert.strictEqual(patch.status, 202)
        assert.strictEqual(patch.headers.get("range"), `0-${to}`)
        location = patch.headers.get("location")!
      }
      const status = await api.request("GET", location)
      assert.deepStrictEqual([status.status, status.headers.get("range"), status.headers.get("location")], [204, "0-13", location])
      const put = await api.request("PUT", `${location}?digest=${sha256(bytes)}`, { body: bytes.slice(14), headers: { "content-range": "14-19" } })
      assert.strictEqual(put.status, 201)
    })

    it("a chunk that does not start at the current offset is 416 Requested Range Not Satisfiable; the upload goes on", async () => {
      const bytes = encode("chunks in order only")
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      const location = start.headers.get("location")!
      await api.request("PATCH", location, { body: bytes.slice(0, 5), headers: { "content-range": "0-4" } })
      for (const range of ["10-14", "0-4", "3-7"]) {
        const outOfOrder = await api.request("PATCH", location, { body: bytes.slice(5, 10), headers: { "content-range": range } })
        assert.strictEqual(outOfOrder.status, 416, range)
        assert.strictEqual(outOfOrder.headers.get("range"), "0-4")
        assert.strictEqual(outOfOrder.headers.get("location"), location)
        assert.strictEqual(await errorCode(outOfOrder), "BLOB_UPLOAD_INVALID")
      }
      const status = await api.request("GET", location)
      assert.strictEqual(status.headers.get("range"), "0-4")
      await api.request("PATCH", location, { body: bytes.slice(5), headers: { "content-range": `5-${bytes.length - 1}` } })
      assert.strictEqual((await api.request("PUT", `${location}?digest=${sha256(bytes)}`)).status, 201)
    })

    it("a streamed PATCH (no Content-Range) appends; a Content-Range that disagrees with the body is 400 SIZE_INVALID", async () => {
      const bytes = encode("streamed")
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      const patch = await api.request("PATCH", start.headers.get("location")!, { body: bytes })
      assert.deepStrictEqual([patch.status, patch.headers.get("range")], [202, `0-${bytes.length - 1}`])
      const mismatch = await api.request("PATCH", patch.headers.get("location")!, { body: encode("abc"), headers: { "content-range": `${bytes.length}-${bytes.length + 9}` } })
      assert.deepStrictEqual([mismatch.status, await errorCode(mismatch)], [400, "SIZE_INVALID"])
    })

    it("DELETE cancels an upload (204); the session is then unknown (404 BLOB_UPLOAD_UNKNOWN)", async () => {
      const start = await api.request("POST", `/v2/${repo}/blobs/uploads/`)
      const location = start.headers.get("location")!
      assert.strictEqual((await api.request("DELETE", location)).status, 204)
      for (const method of ["GET", "PATCH", "PUT", "DELETE"]) {
        const response = await api.request(method, location)
        assert.deepStrictEqual([response.status, await errorCode(response)], [404, "BLOB_UPLOAD_UNKNOWN"], method)
      }
    })

    it("mount: 201 with the blob's Location; a blob the source lacks starts an upload (202)", async () => {
      const bytes = encode("mounted")
      await api.pushBlob("alice/other", bytes, sha256(bytes))
      const mount = await api.request("POST", `/v2/${repo}/blobs/uploads/?mount=${sha256(bytes)}&from=alice/other`)
      assert.deepStrictEqual([mount.status, mount.headers.get("location")], [201, `/v2/${repo}/blobs/${sha256(bytes)}`])
      const missing = await api.request("POST", `/v2/${repo}/blobs/uploads/?mount=${sha256("absent")}&from=alice/other`)
      assert.strictEqual(missing.status, 202)
      assert.match(missing.headers.get("location")!, /\/blobs\/uploads\//)
    })
  })

  describe("push: manifests", () => {
    it("by tag and by digest: 201 with Location and Docker-Content-Digest", async () => {
      const image = Image.make()
      const byTag = await pushImage(image, "v1")
      assert.strictEqual(byTag.status, 201)
      assert.strictEqual(byTag.headers.get("docker-content-digest"), image.manifest.digest)
      assert.strictEqual(byTag.headers.get("location"), `/v2/${repo}/manifests/${image.manifest.digest}`)
      assert.isNull(byTag.headers.get("oci-subject"))
      const byDigest = await api.pushManifest(repo, image.manifest.digest, image.manifest.text)
      assert.strictEqual(byDigest.status, 201)
    })

    it("by a sha512 digest: stored and served under it", async () => {
      const image = Image.make()
      const digest = sha512(image.manifest.text)
      const put = await pushImage(image, digest)
      assert.deepStrictEqual([put.status, put.headers.get("docker-content-digest")], [201, digest])
      const got = await api.request("GET", `/v2/${repo}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } })
      assert.deepStrictEqual([got.status, got.headers.get("docker-content-digest"), await got.text()], [200, digest, image.manifest.text])
    })

    it("a digest reference that does not match the body is 400 DIGEST_INVALID; a malformed one too", async () => {
      const image = Image.make()
      for (const reference of [sha256("something else"), sha512("something else"), "sha256:baddigeststring"]) {
        const response = await pushImage(image, reference)
        assert.deepStrictEqual([response.status, await errorCode(response)], [400, "DIGEST_INVALID"], reference)
      }
    })

    it("missing config or layers: 400 with one MANIFEST_BLOB_UNKNOWN per blob", async () => {
      const image = Image.make([encode("layer one"), encode("layer two")])
      const response = await api.pushManifest(repo, "incomplete", image.manifest.text)
      assert.strictEqual(response.status, 400)
      const body = (await response.json()) as { errors: Array<{ code: string; detail: string }> }
      assert.deepStrictEqual(body.errors.map((e) => [e.code, e.detail]), [image.config, ...image.layers].map((b) => ["MANIFEST_BLOB_UNKNOWN", b.digest]))
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: 1 }] })
      const missingChild = await api.pushManifest(repo, "incomplete-index", index, OCI_INDEX)
      assert.deepStrictEqual([missingChild.status, await errorCode(missingChild)], [400, "MANIFEST_BLOB_UNKNOWN"])
    })

    it("not JSON, or a mediaType other than its Content-Type: 400 MANIFEST_INVALID", async () => {
      const notJson = await api.pushManifest(repo, "bad", "{not json")
      assert.deepStrictEqual([notJson.status, await errorCode(notJson)], [400, "MANIFEST_INVALID"])
      const image = Image.make()
      for (const blob of [...image.layers, image.config]) await api.pushBlob(repo, blob.bytes, blob.digest)
      const mismatch = await api.pushManifest(repo, "bad", image.manifest.text, OCI_INDEX)
      assert.deepStrictEqual([mismatch.status, await errorCode(mismatch)], [400, "MANIFEST_INVALID"])
    })

    it("non-distributable and foreign layers need not exist; the config and the other layers must; tags list afterwards", async () => {
      const image = Image.make()
      for (const blob of [...image.layers, image.config]) await api.pushBlob(repo, blob.bytes, blob.digest)
      const foreign = (mediaType: string, seed: string) => ({ mediaType, digest: sha256(seed), size: 123456, urls: [`https://store.example.com/blobs/${seed}`] })
      const manifest = (layers: ReadonlyArray<unknown>) =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: Image.configMediaType, digest: image.config.digest, size: image.config.bytes.length },
          layers: [
            foreign("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "nd-gzip"),
            foreign("application/vnd.oci.image.layer.nondistributable.v1.tar", "nd-tar"),
            foreign("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "docker-foreign"),
            ...layers
          ]
        })
      const layer = { mediaType: Image.layerMediaType, digest: image.layers[0]!.digest, size: image.layers[0]!.bytes.length }
      const accepted = await api.pushManifest(repo, "non-distributable", manifest([layer]))
      assert.strictEqual(accepted.status, 201)
      const tags = (await (await api.request("GET", `/v2/${repo}/tags/list`)).json()) as { tags: Array<string> }
      assert.include(tags.tags, "non-distributable")
      const missing = { mediaType: Image.layerMediaType, digest: sha256("not pushed"), size: 10 }
      const refused = await api.pushManifest(repo, "non-distributable-2", manifest([missing]))
      const body = (await refused.json()) as { errors: Array<{ code: string; detail: string }> }
      assert.deepStrictEqual(body.errors.map((e) => [e.code, e.detail]), [["MANIFEST_BLOB_UNKNOWN", sha256("not pushed")]])
    })
  })

  describe("pull", () => {
    let image: Image.Image
    beforeAll(async () => {
      image = Image.make([new Uint8Array(1000).map((_, i) => i % 251)])
      await pushImage(image, "pull")
    })

    it("manifests by tag and digest: 200, Content-Type as pushed, Docker-Content-Digest, the exact bytes", async () => {
      for (const reference of ["pull", image.manifest.digest]) {
        const response = await api.request("GET", `/v2/${repo}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers.get("content-type"), OCI_MANIFEST)
        assert.strictEqual(response.headers.get("docker-content-digest"), image.manifest.digest)
        assert.strictEqual(await response.text(), image.manifest.text)
      }
    })

    it("HEAD: 200 with Docker-Content-Digest and Content-Length, no body", async () => {
      for (const path of [`/v2/${repo}/manifests/pull`, `/v2/${repo}/blobs/${image.config.digest}`]) {
        const response = await api.request("HEAD", path, { headers: { accept: OCI_MANIFEST } })
        assert.strictEqual(response.status, 200)
        assert.isNotNull(response.headers.get("docker-content-digest"))
        assert.isNotNull(response.headers.get("content-length"))
        assert.strictEqual(await response.text(), "")
      }
    })

    it("what does not exist: 404 MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN", async () => {
      const cases: ReadonlyArray<readonly [string, string]> = [
        [`/v2/${repo}/manifests/missing-tag`, "MANIFEST_UNKNOWN"],
        [`/v2/${repo}/manifests/${sha256("missing")}`, "MANIFEST_UNKNOWN"],
        [`/v2/${repo}/blobs/${sha256("missing")}`, "BLOB_UNKNOWN"],
        ["/v2/alice/never-pushed/manifests/latest", "NAME_UNKNOWN"]
      ]
      for (const [path, code] of cases) {
        const response = await api.request("GET", path)
        assert.deepStrictEqual([response.status, await errorCode(response)], [404, code], path)
        assert.strictEqual((await api.request("HEAD", path)).status, 404, path)
      }
    })

    it("blobs: 200 with Accept-Ranges: bytes; a Range is 206 with Content-Range", async () => {
      const layer = image.layers[0]!
      const path = `/v2/${repo}/blobs/${layer.digest}`
      const full = await api.request("GET", path)
      assert.deepStrictEqual([full.status, full.headers.get("accept-ranges")], [200, "bytes"])
      const cases: ReadonlyArray<readonly [string, number, number]> = [["bytes=0-9", 0, 9], ["bytes=990-", 990, 999], ["bytes=-5", 995, 999], ["bytes=100-5000", 100, 999]]
      for (const [range, start, end] of cases) {
        const partial = await api.request("GET", path, { headers: { range } })
        assert.strictEqual(partial.status, 206, range)
        assert.strictEqual(partial.headers.get("content-range"), `bytes ${start}-${end}/1000`)
        assert.strictEqual(partial.headers.get("content-length"), String(end - start + 1))
        assert.deepStrictEqual(new Uint8Array(await partial.arrayBuffer()), layer.bytes.slice(start, end + 1), range)
      }
    })

    it("a range that cannot be satisfied is 416 with Content-Range: bytes */<size>; another unit is ignored", async () => {
      const path = `/v2/${repo}/blobs/${image.layers[0]!.digest}`
      for (const range of ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=abc"]) {
        const response = await api.request("GET", path, { headers: { range } })
        assert.deepStrictEqual([response.status, response.headers.get("content-range")], [416, "bytes */1000"], range)
      }
      const other = await api.request("GET", path, { headers: { range: "items=0-1" } })
      assert.strictEqual(other.status, 200)
    })

    it("generated blobs serve ranges too", async () => {
      const digest = registry.generateBlob(repo, 300_000, 3)
      const whole = new Uint8Array(await (await api.request("GET", `/v2/${repo}/blobs/${digest}`)).arrayBuffer())
      const part = await api.request("GET", `/v2/${repo}/blobs/${digest}`, { headers: { range: "bytes=65530-131080" } })
      assert.deepStrictEqual(new Uint8Array(await part.arrayBuffer()), whole.slice(65530, 131081))
    })
  })

  describe("content discovery", () => {
    it("tags: sorted, n and last, n=0 an empty list without Link; an unknown repository 404 NAME_UNKNOWN", async () => {
      for (const tag of ["b", "a", "c"]) registry.pushImage("alice/tags", tag)
      const { request } = api
      const list = async (query: string) => {
        const response = await request("GET", `/v2/alice/tags/tags/list${query}`)
        return [response.status, ((await response.json()) as { tags: Array<string> }).tags, response.headers.get("link")] as const
      }
      assert.deepStrictEqual(await list(""), [200, ["a", "b", "c"], null])
      assert.deepStrictEqual(await list("?n=2"), [200, ["a", "b"], '</v2/alice/tags/tags/list?last=b&n=2>; rel="next"'])
      assert.deepStrictEqual(await list("?n=2&last=b"), [200, ["c"], null])
      assert.deepStrictEqual(await list("?last=a"), [200, ["b", "c"], null])
      assert.deepStrictEqual(await list("?n=0"), [200, [], null])
      const unknown = await request("GET", "/v2/alice/nothing-here/tags/list")
      assert.deepStrictEqual([unknown.status, await errorCode(unknown)], [404, "NAME_UNKNOWN"])
    })

    describe("referrers", () => {
      const subject = Image.make()
      const subjectDescriptor = () => ({ mediaType: OCI_MANIFEST, digest: subject.manifest.digest, size: encode(subject.manifest.text).length })
      const sbom = () =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: "application/vnd.example.sbom.v1",
          config: EMPTY,
          layers: [EMPTY],
          subject: subjectDescriptor(),
          annotations: { "org.example.sbom.format": "json" }
        })
      const signature = () =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { ...EMPTY, mediaType: "application/vnd.example.signature.config.v1+json" },
          layers: [],
          subject: subjectDescriptor()
        })
      const attestations = () =>
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], subject: subjectDescriptor(), annotations: { "org.example.kind": "bundle" } })
      const list = async (digest: string, query = "") => {
        const response = await api.request("GET", `/v2/${repo}/referrers/${digest}${query}`)
        return { response, index: (await response.json()) as { schemaVersion: number; mediaType: string; manifests: Array<Record<string, unknown>> } }
      }

      it("a manifest with a subject that does not exist yet is accepted, with OCI-Subject", async () => {
        const put = await api.pushManifest(repo, sha256(sbom()), sbom())
        assert.strictEqual(put.status, 201)
        assert.strictEqual(put.headers.get("oci-subject"), subject.manifest.digest)
        const index = await api.pushManifest(repo, sha256(attestations()), attestations(), OCI_INDEX)
        assert.deepStrictEqual([index.status, index.headers.get("oci-subject")], [201, subject.manifest.digest])
        assert.strictEqual((await api.pushManifest(repo, "signature", signature())).headers.get("oci-subject"), subject.manifest.digest)
      })

      it("lists every image manifest and index whose subject is the digest, even before the subject exists", async () => {
        const { response, index } = await list(subject.manifest.digest)
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers.get("content-type"), OCI_INDEX)
        assert.isNull(response.headers.get("oci-filters-applied"))
        assert.deepStrictEqual([index.schemaVersion, index.mediaType], [2, OCI_INDEX])
        const byDigest = Object.fromEntries(index.manifests.map((d) => [d.digest as string, d]))
        assert.deepStrictEqual(byDigest[sha256(sbom())], {
          mediaType: OCI_MANIFEST,
          digest: sha256(sbom()),
          size: encode(sbom()).length,
          artifactType: "application/vnd.example.sbom.v1",
          annotations: { "org.example.sbom.format": "json" }
        })
        // No artifactType: an image manifest's config media type; an index's is left out.
        assert.deepStrictEqual(byDigest[sha256(signature())], {
          mediaType: OCI_MANIFEST,
          digest: sha256(signature()),
          size: encode(signature()).length,
          artifactType: "application/vnd.example.signature.config.v1+json"
        })
        assert.deepStrictEqual(byDigest[sha256(attestations())], {
          mediaType: OCI_INDEX,
          digest: sha256(attestations()),
          size: encode(attestations()).length,
          annotations: { "org.example.kind": "bundle" }
        })
        assert.strictEqual(index.manifests.length, 3)
        await pushImage(subject, "subject")
        assert.strictEqual((await list(subject.manifest.digest)).index.manifests.length, 3)
      })

      it("?artifactType= filters and says so in OCI-Filters-Applied", async () => {
        const { response, index } = await list(subject.manifest.digest, "?artifactType=application/vnd.example.sbom.v1")
        assert.strictEqual(response.headers.get("oci-filters-applied"), "artifactType")
        assert.deepStrictEqual(index.manifests.map((d) => d.digest), [sha256(sbom())])
        const none = await list(subject.manifest.digest, "?artifactType=application/vnd.example.none")
        assert.deepStrictEqual([none.response.headers.get("oci-filters-applied"), none.index.manifests], ["artifactType", []])
      })

      it("no referrers, or no repository: 200 with an empty index, never 404; a malformed digest 400", async () => {
        assert.deepStrictEqual((await list(sha256("nobody refers to this"))).index.manifests, [])
        const unknownRepo = await api.request("GET", `/v2/alice/no-such-repo/referrers/${sha256("x")}`)
        assert.strictEqual(unknownRepo.status, 200)
        const malformed = await api.request("GET", `/v2/${repo}/referrers/sha256:nothex`)
        assert.deepStrictEqual([malformed.status, await errorCode(malformed)], [400, "DIGEST_INVALID"])
      })

      it("deleting a referrer removes it from the list", async () => {
        assert.strictEqual((await api.request("DELETE", `/v2/${repo}/manifests/${sha256(signature())}`)).status, 202)
        const { index } = await list(subject.manifest.digest)
        assert.notInclude(index.manifests.map((d) => d.digest), sha256(signature()))
        assert.strictEqual(index.manifests.length, 2)
      })
    })
  })

  describe("content management", () => {
    it("deleting a tag (202) leaves the manifest; deleting the manifest (202) removes it and its tags", async () => {
      const image = Image.make()
      await pushImage(image, "doomed")
      await api.pushManifest(repo, "doomed-too", image.manifest.text)
      assert.strictEqual((await api.request("DELETE", `/v2/${repo}/manifests/doomed`)).status, 202)
      assert.strictEqual((await api.request("GET", `/v2/${repo}/manifests/doomed`)).status, 404)
      assert.strictEqual((await api.request("HEAD", `/v2/${repo}/manifests/${image.manifest.digest}`)).status, 200)
      assert.strictEqual((await api.request("DELETE", `/v2/${repo}/manifests/${image.manifest.digest}`)).status, 202)
      for (const reference of [image.manifest.digest, "doomed-too"]) {
        const gone = await api.request("GET", `/v2/${repo}/manifests/${reference}`)
        assert.deepStrictEqual([gone.status, await errorCode(gone)], [404, "MANIFEST_UNKNOWN"])
      }
      const again = await api.request("DELETE", `/v2/${repo}/manifests/${image.manifest.digest}`)
      assert.deepStrictEqual([again.status, await errorCode(again)], [404, "MANIFEST_UNKNOWN"])
    })

    it("deleting a blob: 202, then 404 BLOB_UNKNOWN", async () => {
      const bytes = encode("to delete")
      await api.pushBlob(repo, bytes, sha256(bytes))
      assert.strictEqual((await api.request("DELETE", `/v2/${repo}/blobs/${sha256(bytes)}`)).status, 202)
      const gone = await api.request("HEAD", `/v2/${repo}/blobs/${sha256(bytes)}`)
      assert.strictEqual(gone.status, 404)
      const again = await api.request("DELETE", `/v2/${repo}/blobs/${sha256(bytes)}`)
      assert.deepStrictEqual([again.status, await errorCode(again)], [404, "BLOB_UNKNOWN"])
    })
  })

  describe("accounts own <username>/*", () => {
    const token = async (user: string | undefined, scopes: ReadonlyArray<string>) =>
      tokenFrom(await requestToken(registry.tokenServer.realm, registry.tokenServer.service, scopes, user === undefined ? undefined : basic(user, user === "alice" ? "pw" : "pw2")))

    it("push and delete only in the account's own namespace; pull everywhere", async () => {
      registry.pushImage("bob/app", "v1")
      const alice = client(registry.origin, await token("alice", ["repository:bob/app:pull,push,delete"]))
      const upload = await alice.request("POST", "/v2/bob/app/blobs/uploads/")
      assert.strictEqual(upload.status, 401)
      assert.strictEqual(challengeOf(upload).error, "insufficient_scope")
      const del = await alice.request("DELETE", "/v2/bob/app/manifests/v1")
      assert.strictEqual(del.status, 401)
      assert.strictEqual((await alice.request("GET", "/v2/bob/app/manifests/v1", { headers: { accept: OCI_MANIFEST } })).status, 200)
      const bob = client(registry.origin, await token("bob", ["repository:bob/app:pull,push,delete"]))
      assert.strictEqual((await bob.request("POST", "/v2/bob/app/blobs/uploads/")).status, 202)
      assert.strictEqual((await bob.request("DELETE", "/v2/bob/app/manifests/v1")).status, 202)
    })

    it("shared namespaces are pull-only for accounts too; private repositories are not pullable anonymously", async () => {
      registry.pushImage("team/app", "v1")
      registry.pushImage("bob/private", "v1")
      const alice = client(registry.origin, await token("alice", ["repository:team/app:pull,push", "repository:bob/private:pull"]))
      assert.strictEqual((await alice.request("POST", "/v2/team/app/blobs/uploads/")).status, 401)
      assert.strictEqual((await alice.request("HEAD", "/v2/bob/private/manifests/v1", { headers: { accept: OCI_MANIFEST } })).status, 200)
      const anonymous = client(registry.origin, await token(undefined, ["repository:team/app:pull", "repository:bob/private:pull"]))
      assert.strictEqual((await anonymous.request("HEAD", "/v2/team/app/manifests/v1", { headers: { accept: OCI_MANIFEST } })).status, 200)
      assert.strictEqual((await anonymous.request("HEAD", "/v2/bob/private/manifests/v1")).status, 401)
    })
  })
})
