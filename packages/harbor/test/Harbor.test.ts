/**
 * The Harbor adapter: the core conformance suite, then the exchange of the
 * registry reference (§12) replayed through the SDK against the emulator's
 * harbor profile. The robot account's `$` is followed through a docker config
 * file, environment variables and the token request's URL.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { Harbor } from "@ociauth/harbor"
import { DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Duration, Option } from "effect"

const HOST = "harbor.corp.example"
const ROBOT = "robot$ci"

describe("Harbor.make", () => {
  for (const check of Conformance.checks(Harbor.make({ hosts: [HOST, "harbor"] }), {
    hosts: [HOST, "HARBOR.corp.example", "harbor"],
    foreignHosts: ["corp.example", "docker.io"],
    repositories: [["library/app", "library/app"], ["proxy/library/alpine", "proxy/library/alpine"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says", () => {
    const a = Harbor.make({ hosts: [HOST] })
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "bearer", realm: `https://${HOST}/service/token`, service: "harbor-registry", scopes: [] })
    assert.strictEqual(Duration.toMinutes(a.defaultTokenLifetime), 30)
    assert.strictEqual(a.tokenRequest.method, "get", "POST is 405")
  })
})

describe("Harbor through the SDK (emulator harbor profile)", () => {
  let harbor: RegistryEmulator.RegistryEmulator
  let app: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  const tokenQueries = () => harbor.log.filter({ server: "token" }).map((e) => e.query)
  const fromConfigFile = async (content: object) => {
    const file = await DockerConfigFile.write(content)
    const registryFetch = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(file.path)
    })
    return { registryFetch, close: async () => (await registryFetch.close(), await file.remove()) }
  }
  const pushAs = async (registryFetch: RegistryFetch, tag: string) => {
    const manifest = await (await registryFetch(`https://${HOST}/v2/library/app/manifests/1.0`)).text()
    return registryFetch(`https://${HOST}/v2/library/app/manifests/${tag}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest
    })
  }

  beforeAll(async () => {
    harbor = await RegistryEmulator.start({
      profile: "harbor",
      users: { [ROBOT]: "robot-secret", admin: "Harbor12345" },
      grants: [
        { account: ROBOT, name: "library/*", actions: ["pull", "push", "delete"] },
        { account: "admin", name: "*", actions: ["*"] },
        { account: "admin", type: "registry", name: "catalog", actions: ["*"] }
      ],
      privateRepositories: ["team/*"]
    })
    app = harbor.pushImage("library/app", "1.0")
    harbor.pushImage("proxy/library/alpine", "3.20")
    harbor.pushImage("team/secret", "1.0")
    adapter = RegistryAdapter.retarget(Harbor.make({ hosts: [HOST] }), { origin: harbor.origin, realm: harbor.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
  })
  afterAll(async () => {
    await anonymous.close()
    await harbor.close()
  })

  it("anonymous pull from a public project (and a proxy-cache project): 2 round trips cold, GET /service/token", async () => {
    harbor.log.clear()
    const manifest = await anonymous(`https://${HOST}/v2/library/app/manifests/1.0`)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), app.digest)
    await manifest.arrayBuffer()
    assert.deepStrictEqual(harbor.log.entries.map((e) => `${e.server} ${e.method} ${e.path}`), [
      "token GET /service/token",
      "registry GET /v2/library/app/manifests/1.0"
    ])
    const cached = await anonymous(`https://${HOST}/v2/proxy/library/alpine/tags/list`)
    assert.deepStrictEqual(await cached.json(), { name: "proxy/library/alpine", tags: ["3.20"] })
  })

  it("robot$ci from a docker config file (base64 auth), pushes; the $ reaches the token URL as %24", async () => {
    const { close, registryFetch } = await fromConfigFile({ auths: { [HOST]: { auth: DockerConfigFile.auth(ROBOT, "robot-secret") } } })
    try {
      harbor.log.clear()
      assert.strictEqual((await pushAs(registryFetch, "1.1")).status, 201)
      assert.isTrue(tokenQueries().every((q) => q.includes("account=robot%24ci")), tokenQueries().join(" "))
    } finally {
      await close()
    }
  })

  it("robot$ci from a docker config file written with username and password fields (single-quoted in the shell, kept as is in JSON)", async () => {
    const text = `{"auths":{"https://${HOST}":{"username":"robot$ci","password":"robot-secret"}}}`
    const { close, registryFetch } = await fromConfigFile(JSON.parse(text))
    try {
      assert.strictEqual((await pushAs(registryFetch, "1.2")).status, 201)
    } finally {
      await close()
    }
  })

  it("robot$ci from environment variables (OCIAUTH_<HOST>_USERNAME, and DOCKER_AUTH_CONFIG)", async () => {
    const saved = { ...process.env }
    const env = (entries: Record<string, string>) => Object.assign(process.env, entries)
    const credentialProvider = DockerConfigFile.credentialProvider("/nonexistent/config.json")
    try {
      env({ OCIAUTH_HARBOR_CORP_EXAMPLE_USERNAME: ROBOT, OCIAUTH_HARBOR_CORP_EXAMPLE_PASSWORD: "robot-secret" })
      const viaPrefix = makeRegistryFetch({ adapters: [adapter], credentialProvider })
      assert.strictEqual((await pushAs(viaPrefix, "1.3")).status, 201)
      await viaPrefix.close()
      delete process.env.OCIAUTH_HARBOR_CORP_EXAMPLE_USERNAME
      delete process.env.OCIAUTH_HARBOR_CORP_EXAMPLE_PASSWORD
      env({ DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { [HOST]: { auth: DockerConfigFile.auth(ROBOT, "robot-secret") } } }) })
      const viaDockerAuthConfig = makeRegistryFetch({ adapters: [adapter], credentialProvider })
      assert.strictEqual((await pushAs(viaDockerAuthConfig, "1.4")).status, 201)
      await viaDockerAuthConfig.close()
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    }
  })

  it("project-level grants: the robot beyond its project is narrowed → InsufficientScope, no registry request", async () => {
    const robot = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: ROBOT, password: "robot-secret" } } })
    try {
      harbor.log.clear()
      const error = await robot(`https://${HOST}/v2/team/secret/manifests/1.0`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
      assert.strictEqual(harbor.log.count({ server: "registry" }), 0)
      const doomed = harbor.pushImage("library/app", "doomed", [new TextEncoder().encode("doomed")])
      const deleted = await robot(`https://${HOST}/v2/library/app/manifests/${doomed.digest}`, { method: "DELETE" })
      assert.strictEqual(deleted.status, 202)
    } finally {
      await robot.close()
    }
  })

  it("a wrong robot secret is TokenRequestError (Unauthorized), without the secret in the error", async () => {
    const wrong = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: ROBOT, password: "not-the-secret" } } })
    try {
      const error = await wrong(`https://${HOST}/v2/library/app/manifests/1.0`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Unauthorized")
      assert.notInclude(String((error as Error).message), "not-the-secret")
    } finally {
      await wrong.close()
    }
  })

  it("the catalog answers Basic realm=\"harbor\": the admin lists it with Basic sent to the registry; anonymous is refused before any registry request", async () => {
    const admin = makeRegistryFetch({ adapters: [adapter], credentials: { [HOST]: { username: "admin", password: "Harbor12345" } } })
    try {
      harbor.log.clear()
      const listed = await admin(`https://${HOST}/v2/_catalog`)
      assert.strictEqual(listed.status, 200)
      assert.includeMembers(((await listed.json()) as { repositories: Array<string> }).repositories, ["library/app", "team/secret"])
      assert.deepStrictEqual(harbor.log.filter({ server: "registry" }).map((e) => `${e.status} ${e.authorization}`), ["401 bearer", "200 basic"])
    } finally {
      await admin.close()
    }
    const fresh = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      harbor.log.clear()
      // The anonymous token's grant is narrowed to nothing: known before sending.
      const error = await fresh(`https://${HOST}/v2/_catalog`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
      assert.strictEqual(harbor.log.count({ server: "registry" }), 0)
    } finally {
      await fresh.close()
    }
  })
})
