/**
 * The façade reads the user's host configuration as `NodeRegistryClient`, the
 * `ociauth` CLI and `docker-credential-ociauth` do
 * (`NodeRegistryClient.readHostConfig`): an emulator's loopback host that
 * `hosts.json` names `ecr` gets its password from the AWS API (the real AWS SDK
 * against `AwsEcrApi`), and a file that is not a host configuration rejects
 * with its typed error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { AwsEcrApi, DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { makeRegistryFetch } from "ociauth"

const ECR_REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

describe("makeRegistryFetch reads the host configuration", () => {
  let home: string
  let file: string
  let saved: NodeJS.ProcessEnv
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "ociauth-hostconfig-fetch-"))
    mkdirSync(join(home, "ociauth"))
    file = join(home, "ociauth", "hosts.json")
    saved = { ...process.env }
  })
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
    rmSync(home, { recursive: true, force: true })
  })

  it("a loopback host configured as ECR authenticates with the AWS API's password", async () => {
    const api = await AwsEcrApi.start()
    const ecr = await RegistryEmulator.start({ profile: "ecr", issuedPasswords: api.passwords })
    ecr.pushImage("team/app", "1.0")
    writeFileSync(file, JSON.stringify({ hosts: { [ecr.host]: { adapter: "ecr", registry: ECR_REGISTRY, insecure: true } } }))
    Object.assign(process.env, api.environment, { OCIAUTH_HOSTS_FILE: file, AWS_EC2_METADATA_DISABLED: "true" })
    // No credentials of the machine: only the configured adapter's own source can answer.
    const registryFetch = makeRegistryFetch({ credentials: {} })
    try {
      for (let i = 0; i < 3; i++) {
        const response = await registryFetch(`${ecr.origin}/v2/team/app/manifests/1.0`, { method: "HEAD" })
        assert.strictEqual(response.status, 200, ecr.log.format())
      }
      assert.strictEqual(api.calls.length, 1)
      assert.deepStrictEqual(api.calls[0]!.registryIds, ["123456789012"])
      assert.isAtLeast(ecr.log.count({ server: "registry", authorization: "basic", status: 200 }), 1)
    } finally {
      await registryFetch.close()
      await ecr.close()
      await api.close()
    }
  })

  it("without the entry the same host is a generic registry: asked anonymously, refused", async () => {
    const api = await AwsEcrApi.start()
    const ecr = await RegistryEmulator.start({ profile: "ecr", issuedPasswords: api.passwords })
    ecr.pushImage("team/app", "1.0")
    writeFileSync(file, JSON.stringify({ hosts: {} }))
    Object.assign(process.env, api.environment, { OCIAUTH_HOSTS_FILE: file, AWS_EC2_METADATA_DISABLED: "true" })
    const registryFetch = makeRegistryFetch({ credentials: {} })
    try {
      const error = await registryFetch(`${ecr.origin}/v2/team/app/manifests/1.0`, { method: "HEAD" }).then(
        () => assert.fail("expected a rejection"),
        (e: unknown) => e as { readonly _tag: string }
      )
      assert.strictEqual(error._tag, "TokenRequestError")
      assert.strictEqual(api.calls.length, 0)
    } finally {
      await registryFetch.close()
      await ecr.close()
      await api.close()
    }
  })

  for (const [label, registry, expected] of [
    ["a mirror mapped to docker-hub never receives docker.io's login: its own (none here), so anonymous", undefined, "none"],
    ["a mirror whose entry says it stands for docker.io (\"registry\": \"docker.io\") gets docker.io's login", "docker.io", "basic"]
  ] as const) {
    it(label, async () => {
      const hub = await RegistryEmulator.start({ profile: "dockerHub", users: { dockeruser: "hub-secret" } })
      hub.pushImage("library/alpine", "3.20")
      writeFileSync(file, JSON.stringify({ hosts: { [hub.host]: { adapter: "docker-hub", insecure: true, ...(registry === undefined ? {} : { registry }) } } }))
      process.env.OCIAUTH_HOSTS_FILE = file
      // The machine's docker config holds a Docker Hub login, as `docker login` writes it.
      const config = await DockerConfigFile.write({ auths: { "https://index.docker.io/v1/": { auth: DockerConfigFile.auth("dockeruser", "hub-secret") } } })
      const registryFetch = makeRegistryFetch({ credentialProvider: DockerConfigFile.credentialProvider(config) })
      try {
        const response = await registryFetch(`${hub.origin}/v2/library/alpine/manifests/3.20`, { method: "HEAD" })
        assert.strictEqual(response.status, 200, hub.log.format())
        const tokens = hub.log.filter({ server: "token" })
        assert.isAtLeast(tokens.length, 1)
        assert.deepStrictEqual([...new Set(tokens.map((e) => e.authorization))], [expected], hub.log.format())
      } finally {
        await registryFetch.close()
        await hub.close()
        await config.remove()
      }
    })
  }

  it("a file that is not a host configuration rejects every request with HostConfigError", async () => {
    writeFileSync(file, JSON.stringify({ hosts: { "registry.corp.example": { adapter: "no-such-adapter" } } }))
    process.env.OCIAUTH_HOSTS_FILE = file
    const registryFetch = makeRegistryFetch({ credentials: {} })
    try {
      for (let i = 0; i < 2; i++) {
        const error = await registryFetch("http://127.0.0.1:9/v2/").then(
          () => assert.fail("expected a rejection"),
          (e: unknown) => e as { readonly _tag: string; readonly message: string }
        )
        assert.strictEqual(error._tag, "HostConfigError")
        assert.include(error.message, "no-such-adapter")
      }
    } finally {
      await registryFetch.close()
    }
  })
})
