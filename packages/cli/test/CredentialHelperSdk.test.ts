/**
 * The helper and the SDK agree on a host through the same host configuration:
 * `NodeRegistryClient` reads `hosts.json` where it builds its adapters, so an
 * emulator's loopback host named `ecr` there gets its password from the AWS API
 * (the real AWS SDK against `AwsEcrApi`), as the helper does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { AwsEcrApi, RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import { NodeRegistryClient } from "ociauth"

describe("the SDK reads the host configuration", () => {
  it("NodeRegistryClient: a loopback host configured as ECR authenticates with the AWS API's password", async () => {
    const api = await AwsEcrApi.start()
    const ecr = await RegistryEmulator.start({ profile: "ecr", issuedPasswords: api.passwords })
    ecr.pushImage("team/app", "1.0")
    const home = mkdtempSync(join(tmpdir(), "ociauth-hostconfig-sdk-"))
    const saved = { ...process.env }
    try {
      mkdirSync(join(home, "ociauth"))
      const file = join(home, "ociauth", "hosts.json")
      writeFileSync(file, JSON.stringify({ hosts: { [ecr.host]: { adapter: "ecr", registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", insecure: true } } }))
      Object.assign(process.env, api.environment, { OCIAUTH_HOSTS_FILE: file, AWS_EC2_METADATA_DISABLED: "true", DOCKER_CONFIG: join(home, "docker") })
      const status = await Effect.runPromise(
        Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`${ecr.origin}/v2/team/app/manifests/1.0`)).pipe(
          Effect.map((response) => response.status),
          Effect.provide(NodeRegistryClient.layerWith({ insecure: [ecr.host] }))
        )
      )
      assert.strictEqual(status, 200, ecr.log.format())
      assert.strictEqual(api.calls.length, 1)
      assert.strictEqual(ecr.log.count({ server: "registry", authorization: "basic", status: 200 }), 1)
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
      await ecr.close()
      await api.close()
      rmSync(home, { recursive: true, force: true })
    }
  })
})
