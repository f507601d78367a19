/**
 * The Artifactory adapter: the core conformance suite, then the exchange of
 * the registry reference (§14) replayed through the SDK against the emulator's
 * artifactory profile: the repository-path access method, an API prefix the
 * adapter declares, and the realm under it.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import * as Unstable from "@ociauth/core/Unstable"
import { Artifactory } from "@ociauth/artifactory"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { DockerConfigFile, Profile, Profiles, RegistryEmulator } from "@ociauth/testing"
import { Duration, Option } from "effect"

const HOST = "art.corp.example"
const API = `https://${HOST}/artifactory/api/docker/docker-local/v2`

describe("Artifactory.make", () => {
  const art = Artifactory.make({ hosts: [HOST, `docker-local.${HOST}`] })
  for (const check of Conformance.checks(art, {
    hosts: [HOST, `docker-local.${HOST}`],
    foreignHosts: ["corp.example", "jfrog.io"],
    repositories: [["team/app", "team/app"]]
  })) it.effect(check.name, () => check.run)

  it("declares the repository-path prefix, discovers the per-repository realm, GET only, 3600 s", () => {
    assert.isTrue(Option.isSome(Unstable.apiRoute(art, "/artifactory/api/docker/docker-local/v2/team/app/manifests/1")))
    assert.isTrue(Option.isSome(Unstable.apiRoute(art, "/v2/team/app/manifests/1")), "subdomain and port methods")
    assert.isTrue(Option.isNone(Unstable.apiRoute(art, "/artifactory/api/repositories")))
    assert.isTrue(Option.isNone(Unstable.apiRoute(art, "/artifactory/api/docker/a/b/v2/team/app/manifests/1")))
    assert.isTrue(Option.isNone(Unstable.apiRoute(art, "/other/v2/team/app/manifests/1")))
    assert.isTrue(Option.isNone(art.challenge))
    assert.strictEqual(art.tokenRequest.method, "get")
    assert.strictEqual(Duration.toSeconds(art.defaultTokenLifetime), 3600)
  })
})

describe("Artifactory through the SDK (emulator artifactory profile)", () => {
  let art: RegistryEmulator.RegistryEmulator
  let image: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  const tokenQueries = () => art.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query))

  beforeAll(async () => {
    art = await RegistryEmulator.start({
      profile: "artifactory",
      users: { deployer: "AKCp-api-key" },
      grants: [{ account: "deployer", name: "*", actions: ["pull", "push", "delete"] }]
    })
    image = art.pushImage("team/app", "1.0")
    adapter = RegistryAdapter.retarget(Artifactory.make({ hosts: [HOST] }), { origin: art.origin })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
  })
  afterAll(async () => {
    await anonymous.close()
    await art.close()
  })

  it("anonymous pull under the prefix: the realm is discovered from the 401 (3 round trips cold, then 1)", async () => {
    art.log.clear()
    const manifest = await anonymous(`${API}/team/app/manifests/1.0`)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), image.digest)
    await manifest.arrayBuffer()
    const prefix = "/artifactory/api/docker/docker-local/v2"
    assert.deepStrictEqual(art.log.entries.map((e) => `${e.server} ${e.status} ${e.path}`), [
      `registry 401 ${prefix}/team/app/manifests/1.0`,
      `token 200 ${prefix}/token`,
      `registry 200 ${prefix}/team/app/manifests/1.0`
    ])
    assert.strictEqual(tokenQueries()[0]!.get("service"), art.host, "the service names the registry's host:port")
    art.log.clear()
    await (await anonymous(`${API}/team/app/tags/list`)).arrayBuffer()
    assert.deepStrictEqual(art.log.entries.map((e) => e.server), ["registry"])
  })

  it("paths of the host outside the Docker API pass through untouched, without credentials", async () => {
    const deployer = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: "deployer", password: "AKCp-api-key" } } })
    try {
      art.log.clear()
      const response = await deployer(`https://${HOST}/artifactory/api/repositories`)
      assert.strictEqual(response.status, 404)
      await response.arrayBuffer()
      assert.deepStrictEqual(art.log.entries.map((e) => `${e.server} ${e.authorization}`), ["registry none"])
    } finally {
      await deployer.close()
    }
  })

  it("an API key from the docker config pushes under the prefix (Location headers keep it)", async () => {
    const file = await DockerConfigFile.write({ auths: { [HOST]: { auth: DockerConfigFile.auth("deployer", "AKCp-api-key") } } })
    const deployer = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(file.path)
    })
    try {
      const upload = await deployer(`${API}/team/app/blobs/uploads/`, { method: "POST" })
      assert.strictEqual(upload.status, 202)
      assert.match(upload.headers.get("location")!, /^\/artifactory\/api\/docker\/docker-local\/v2\/team\/app\/blobs\/uploads\//)
      const manifest = await (await deployer(`${API}/team/app/manifests/1.0`)).text()
      const put = await deployer(`${API}/team/app/manifests/1.1`, {
        method: "PUT",
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
        body: manifest
      })
      assert.strictEqual(put.status, 201)
      assert.strictEqual(art.log.count({ server: "token", method: "POST" }), 0)
    } finally {
      await deployer.close()
      await file.remove()
    }
  })

  it("an identity token (an access token, with its username) goes as Basic on GET, never POST", async () => {
    const file = await DockerConfigFile.write({ auths: { [HOST]: { username: "deployer", identitytoken: "AKCp-api-key" } } })
    const tokenUser = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(file.path)
    })
    try {
      art.log.clear()
      const response = await tokenUser(`${API}/team/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(art.log.filter({ server: "token" }).map((e) => `${e.method} ${e.authorization}`), ["GET basic"])
    } finally {
      await tokenUser.close()
      await file.remove()
    }
  })

  it("refusals: a wrong API key is TokenRequestError (Unauthorized); an anonymous push is InsufficientScope", async () => {
    const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: "deployer", password: "wrong" } } })
    try {
      const error = await wrong(`${API}/team/app/manifests/1.0`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Unauthorized")
    } finally {
      await wrong.close()
    }
    const error = await anonymous(`${API}/team/app/blobs/uploads/`, { method: "POST" }).catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
  })
})

describe("Artifactory's subdomain method through the SDK", () => {
  // `<repository>.<host>`: the same Docker API at the root, its realm at /v2/token (GET only).
  const subdomain = Profile.make({ ...Profiles.named.artifactory, name: "artifactory-subdomain", realm: { origin: "registry", path: "/v2/token" }, apiPrefix: "" })
  const REPOSITORY_HOST = `docker-local.${HOST}`

  it("pulls anonymously and with an API key at the root of docker-local.<host>, GET only, the same adapter as the path method", async () => {
    const art = await RegistryEmulator.start({
      profile: subdomain,
      users: { deployer: "AKCp-api-key" },
      privateRepositories: ["private/*"],
      grants: [{ account: "deployer", name: "*", actions: ["pull", "push"] }]
    })
    const image = art.pushImage("team/app", "1.0")
    const secret = art.pushImage("private/app", "1.0")
    const adapter = RegistryAdapter.retarget(Artifactory.make({ hosts: [HOST, REPOSITORY_HOST] }), { origin: art.origin })
    const deployer = makeRegistryFetch({ adapters: [adapter], credentials: { [REPOSITORY_HOST]: { username: "deployer", password: "AKCp-api-key" } } })
    const anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const open = await anonymous(`https://${REPOSITORY_HOST}/v2/team/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(open.headers.get("docker-content-digest"), image.digest)
      const closed = await anonymous(`https://${REPOSITORY_HOST}/v2/private/app/manifests/1.0`, { method: "HEAD" }).catch((e: unknown) => e)
      assert.notStrictEqual((closed as Response).status, 200)
      art.log.clear()
      const granted = await deployer(`https://${REPOSITORY_HOST}/v2/private/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(granted.headers.get("docker-content-digest"), secret.digest)
      assert.deepStrictEqual(art.log.filter({ server: "token" }).map((e) => `${e.method} ${e.path} ${e.authorization}`), ["GET /v2/token basic"])
    } finally {
      await deployer.close()
      await anonymous.close()
      await art.close()
    }
  })
})
