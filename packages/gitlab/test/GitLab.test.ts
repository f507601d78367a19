/**
 * The GitLab adapter: the core conformance suite, then the exchange of the
 * registry reference (§11) replayed through the SDK against the emulator's
 * gitlab profile: the realm on the GitLab instance (another origin than the
 * registry), nested group paths, CI job tokens, deploy tokens.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryAdapter, Scope } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { GitLab } from "@ociauth/gitlab"
import { DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { ConfigProvider, Duration, Effect, Option, Redacted } from "effect"

const IMAGE = "group/sub/project/image"
const PRIVATE = "group/private/app"

describe("GitLab.adapter", () => {
  for (const check of Conformance.checks(GitLab.adapter, {
    hosts: ["registry.gitlab.com", "Registry.GitLab.com"],
    foreignHosts: ["gitlab.com", "docker.io"],
    repositories: [[IMAGE, IMAGE]]
  })) it.effect(check.name, () => check.run)
  for (const check of Conformance.checks(GitLab.make({ hosts: ["registry.corp.example"], instance: "gitlab.corp.example" }), {
    hosts: ["registry.corp.example"],
    foreignHosts: ["gitlab.corp.example", "registry.gitlab.com"]
  })) it.effect(`self-managed ${check.name}`, () => check.run)

  it("declares what the registry reference says", () => {
    const a = GitLab.adapter
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "bearer", realm: "https://gitlab.com/jwt/auth", service: "container_registry", scopes: [] })
    assert.strictEqual(Duration.toMinutes(a.defaultTokenLifetime), 15)
    const corp = GitLab.make({ hosts: ["registry.corp.example"] })
    assert.isTrue(Option.isNone(corp.challenge), "no instance given: discovered")
    assert.strictEqual(Duration.toMinutes(corp.defaultTokenLifetime), 5)
  })

  it.effect("CI: CI_JOB_TOKEN for $CI_REGISTRY only, as gitlab-ci-token; CI_REGISTRY_USER/PASSWORD first", () =>
    Effect.gen(function* () {
      const env = (entries: Record<string, string>) => ConfigProvider.fromEnvRecord(entries)
      const job = yield* GitLab.ciCredentials("registry.gitlab.com").pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, env({ CI_REGISTRY: "registry.gitlab.com", CI_JOB_TOKEN: "job-token" }))
      )
      const credential = Option.getOrThrow(job)
      assert.isTrue(credential._tag === "Basic" && credential.username === "gitlab-ci-token" && Redacted.value(credential.password) === "job-token")
      const user = yield* GitLab.ciCredentials("registry.gitlab.com").pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, env({ CI_REGISTRY: "registry.gitlab.com", CI_JOB_TOKEN: "t", CI_REGISTRY_USER: "gitlab-ci-token", CI_REGISTRY_PASSWORD: "rw" }))
      )
      assert.isTrue(Option.exists(user, (c) => c._tag === "Basic" && Redacted.value(c.password) === "rw"))
      const other = yield* GitLab.ciCredentials("registry.corp.example").pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, env({ CI_REGISTRY: "registry.gitlab.com", CI_JOB_TOKEN: "job-token" }))
      )
      assert.isTrue(Option.isNone(other))
      assert.isTrue(Option.isNone(yield* GitLab.ciCredentials("registry.gitlab.com").pipe(Effect.provideService(ConfigProvider.ConfigProvider, env({})))))
    }))
})

describe("GitLab through the SDK (emulator gitlab profile)", () => {
  let gitlab: RegistryEmulator.RegistryEmulator
  let image: RegistryEmulator.PushedImage
  let adapter: RegistryAdapter.RegistryAdapter
  let anonymous: RegistryFetch
  const tokenQueries = () => gitlab.log.filter({ server: "token" }).map((e) => new URLSearchParams(e.query))
  const manifestOf = async (registryFetch: RegistryFetch, name: string) =>
    (await registryFetch(`https://registry.gitlab.com/v2/${name}/manifests/1.0`)).text()
  const put = (registryFetch: RegistryFetch, name: string, tag: string, body: string) =>
    registryFetch(`https://registry.gitlab.com/v2/${name}/manifests/${tag}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body
    })

  beforeAll(async () => {
    gitlab = await RegistryEmulator.start({
      profile: "gitlab",
      users: { alice: "glpat-alice", "gitlab-ci-token": "job-token", "gitlab+deploy-token-1": "gldt-deploy", root: "admin-pat" },
      grants: [
        { account: "alice", name: "group/*", actions: ["pull", "push", "delete"] },
        { account: "gitlab-ci-token", name: "group/*", actions: ["pull"] },
        { account: "gitlab+deploy-token-1", name: "group/*", actions: ["pull"] },
        { account: "root", type: "registry", name: "catalog", actions: ["*"] }
      ],
      privateRepositories: ["group/private/*"]
    })
    image = gitlab.pushImage(IMAGE, "1.0")
    gitlab.pushImage(PRIVATE, "1.0")
    adapter = RegistryAdapter.retarget(GitLab.adapter, { origin: gitlab.origin, realm: gitlab.challenge.realm })
    anonymous = makeRegistryFetch({ adapters: [adapter], credentials: {} })
  })
  afterAll(async () => {
    await anonymous.close()
    await gitlab.close()
  })

  it("anonymous pull of a public nested project: the realm on the instance's origin, service container_registry, 2 round trips", async () => {
    gitlab.log.clear()
    const manifest = await anonymous(`https://registry.gitlab.com/v2/${IMAGE}/manifests/1.0`)
    assert.strictEqual(manifest.headers.get("docker-content-digest"), image.digest)
    await manifest.arrayBuffer()
    assert.deepStrictEqual(gitlab.log.entries.map((e) => `${e.server} ${e.path}`), ["token /jwt/auth", `registry /v2/${IMAGE}/manifests/1.0`])
    assert.notStrictEqual(new URL(gitlab.tokenServer.realm).origin, gitlab.origin)
    assert.strictEqual(tokenQueries()[0]!.get("service"), "container_registry")
    assert.deepStrictEqual(tokenQueries()[0]!.getAll("scope"), [`repository:${IMAGE}:pull`])
  })

  it("blobs are redirected to object storage, which never gets the token", async () => {
    const blob = await anonymous(`https://registry.gitlab.com/v2/${IMAGE}/blobs/${image.layers[0]}`)
    assert.strictEqual(blob.status, 200)
    await blob.arrayBuffer()
    assert.isAbove(gitlab.log.count({ server: "cdn", status: 200 }), 0)
    assert.strictEqual(gitlab.log.count({ server: "cdn", authorization: "bearer" }), 0)
  })

  it("anonymous access to a private project is DENIED by the token endpoint: TokenRequestError (Denied)", async () => {
    const error = await anonymous(`https://registry.gitlab.com/v2/${PRIVATE}/manifests/1.0`).catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
    assert.strictEqual((error as { reason: string }).reason, "Denied")
  })

  it("a personal access token pushes and deletes in its group", async () => {
    const alice = makeRegistryFetch({ adapters: [adapter], credentials: { "registry.gitlab.com": { username: "alice", password: "glpat-alice" } } })
    try {
      const manifest = await manifestOf(alice, PRIVATE)
      assert.strictEqual((await put(alice, PRIVATE, "1.1", manifest)).status, 201)
      const doomed = gitlab.pushImage(PRIVATE, "doomed", [new TextEncoder().encode("doomed")])
      const deleted = await alice(`https://registry.gitlab.com/v2/${PRIVATE}/manifests/${doomed.digest}`, { method: "DELETE" })
      assert.strictEqual(deleted.status, 202)
      assert.include(tokenQueries().flatMap((q) => q.getAll("scope")), `repository:${PRIVATE}:delete`)
    } finally {
      await alice.close()
    }
  })

  it("CI: gitlab-ci-token + $CI_JOB_TOKEN from the docker config (docker login in a job) pulls; its push is narrowed → InsufficientScope", async () => {
    const file = await DockerConfigFile.write({ auths: { "registry.gitlab.com": { auth: DockerConfigFile.auth("gitlab-ci-token", "job-token") } } })
    const ci = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(file.path)
    })
    try {
      const manifest = await manifestOf(ci, PRIVATE)
      gitlab.log.clear()
      const error = await put(ci, PRIVATE, "ci", manifest).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
      assert.strictEqual(gitlab.log.count({ server: "registry" }), 0)
      assert.strictEqual(tokenQueries()[0]!.get("account"), "gitlab-ci-token")
    } finally {
      await ci.close()
      await file.remove()
    }
  })

  it("CI: with nothing configured, the job's CI_REGISTRY / CI_JOB_TOKEN are used for that registry", async () => {
    const saved = { ...process.env }
    Object.assign(process.env, { CI_REGISTRY: "registry.gitlab.com", CI_JOB_TOKEN: "job-token" })
    const ci = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      gitlab.log.clear()
      const pulled = await ci(`https://registry.gitlab.com/v2/${PRIVATE}/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(pulled.status, 200)
      assert.strictEqual(tokenQueries()[0]!.get("account"), "gitlab-ci-token")
    } finally {
      await ci.close()
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    }
  })

  it("a deploy token pulls", async () => {
    const deploy = makeRegistryFetch({ adapters: [adapter], credentials: { "registry.gitlab.com": { username: "gitlab+deploy-token-1", password: "gldt-deploy" } } })
    try {
      assert.strictEqual((await deploy(`https://registry.gitlab.com/v2/${PRIVATE}/tags/list`)).status, 200)
    } finally {
      await deploy.close()
    }
  })

  it("the catalog: registry:catalog:* for admins; others are narrowed → InsufficientScope", async () => {
    const root = makeRegistryFetch({ adapters: [adapter], credentials: { "registry.gitlab.com": { username: "root", password: "admin-pat" } } })
    const alice = makeRegistryFetch({ adapters: [adapter], credentials: { "registry.gitlab.com": { username: "alice", password: "glpat-alice" } } })
    try {
      const listed = await root("https://registry.gitlab.com/v2/_catalog")
      assert.includeMembers(((await listed.json()) as { repositories: Array<string> }).repositories, [IMAGE, PRIVATE])
      assert.include(tokenQueries().flatMap((q) => q.getAll("scope")), Scope.format(Scope.catalog))
      const error = await alice("https://registry.gitlab.com/v2/_catalog").catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
    } finally {
      await root.close()
      await alice.close()
    }
  })
})
