/**
 * The ECR Public adapter: the core conformance suite, anonymous pulls against
 * the emulator's `ecrPublic` profile, logins from the real AWS SDK
 * (`@aws-sdk/client-ecr-public`) against the `AwsEcrApi` stand-in, and the
 * expired stored login that must not break public pulls.
 */
import { inspect } from "node:util"
import { ECRPUBLICClient } from "@aws-sdk/client-ecr-public"
import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import type { AuthEvent } from "@ociauth/core"
import { Credential, Registries, RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { EcrPublic, EcrPublicClient } from "@ociauth/ecr-public"
import { makeRegistryFetch } from "@ociauth/fetch"
import { AwsEcrApi, DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Effect, Layer, Option, Redacted } from "effect"

describe("EcrPublic.adapter", () => {
  for (const check of Conformance.checks(EcrPublic.adapter, {
    hosts: ["public.ecr.aws", "PUBLIC.ECR.AWS", "ecr-public.aws.com"],
    foreignHosts: ["gallery.ecr.aws", "ecr.aws", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "docker.io"],
    repositories: [["docker/library/alpine", "docker/library/alpine"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says", () => {
    const a = EcrPublic.adapter
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "bearer", realm: "https://public.ecr.aws/token/", service: "public.ecr.aws", scopes: [] })
    assert.strictEqual(a.credentialHost("ecr-public.aws.com"), "public.ecr.aws")
    assert.strictEqual(a.tokenRequest.method, "get")
    assert.deepStrictEqual(a.tokenRequest.anonymousFallback.map((t) => t.status), [400, 401, 403])
    assert.isTrue(Option.isNone(a.credentials), "anonymous unless a client is given: no AWS call by default")
  })
})

describe("EcrPublic through the runtime (emulator ecrPublic profile, AwsEcrApi)", () => {
  let api: AwsEcrApi.AwsEcrApi
  let emulator: RegistryEmulator.RegistryEmulator
  let adapter: RegistryAdapter.RegistryAdapter
  const tokenRequests = () => emulator.log.filter({ server: "token" })

  beforeEach(async () => {
    api = await AwsEcrApi.start()
    emulator = await RegistryEmulator.start({ profile: "ecrPublic", issuedPasswords: api.passwords })
    emulator.pushImage("docker/library/alpine", "3.20")
    adapter = RegistryAdapter.retarget(EcrPublic.adapter, { origin: emulator.origin, realm: emulator.challenge.realm })
  })
  afterEach(async () => {
    await emulator.close()
    await api.close()
  })

  it("the /v2/ challenge names the opaque scope aws, and the token endpoint takes it", async () => {
    const base = await fetch(`${emulator.origin}/v2/`)
    assert.strictEqual(base.status, 401)
    assert.include(base.headers.get("www-authenticate") ?? "", 'scope="aws"')
    assert.include(base.headers.get("www-authenticate") ?? "", 'service="public.ecr.aws"')
    const token = await fetch(`${emulator.origin}/token/?service=public.ecr.aws&scope=aws`)
    assert.strictEqual(token.status, 200)
  })

  it("anonymous pull: GET /token/ known in advance, 2 round trips cold, 1 warm, no AWS call", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials: {} })
    try {
      const manifest = await registryFetch("https://public.ecr.aws/v2/docker/library/alpine/manifests/3.20")
      assert.strictEqual(manifest.status, 200)
      await manifest.arrayBuffer()
      const again = await registryFetch("https://ecr-public.aws.com/v2/docker/library/alpine/manifests/3.20", { method: "HEAD" })
      assert.strictEqual(again.status, 200)
      assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.server} ${e.method} ${e.path} ${e.authorization}`), [
        "token GET /token/ none",
        "registry GET /v2/docker/library/alpine/manifests/3.20 bearer",
        "registry HEAD /v2/docker/library/alpine/manifests/3.20 bearer"
      ])
      assert.deepStrictEqual(new URLSearchParams(tokenRequests()[0]!.query).getAll("scope"), ["repository:docker/library/alpine:pull"])
      assert.strictEqual(api.calls.length, 0)
    } finally {
      await registryFetch.close()
    }
  })

  it("a login from ecr-public:GetAuthorizationToken (the real SDK, us-east-1): one API call, Basic AWS to /token/", async () => {
    const client = new ECRPUBLICClient({ region: "us-east-1", endpoint: api.origin, credentials: api.credentials })
    const registryFetch = makeRegistryFetch({
      adapters: [RegistryAdapter.retarget(EcrPublic.make({ client: EcrPublicClient.fromSdk(client) }), { origin: emulator.origin, realm: emulator.challenge.realm })],
      credentials: {}
    })
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => registryFetch("https://public.ecr.aws/v2/docker/library/alpine/manifests/3.20", { method: "HEAD" }))
      )
      assert.deepStrictEqual([...new Set(responses.map((r) => r.status))], [200])
      assert.deepStrictEqual(api.calls.map((c) => `${c.target} ${c.service} ${c.region} ${c.status}`), [
        `${AwsEcrApi.ecrPublicTarget} ecr-public us-east-1 200`
      ])
      assert.deepStrictEqual(tokenRequests().map((e) => `${e.status} ${e.authorization} ${new URLSearchParams(e.query).get("account")}`), ["200 basic AWS"])
    } finally {
      await registryFetch.close()
    }
  })

  it("a stored login that has expired does not break public pulls: refused as expired → anonymous token", async () => {
    const login = await Effect.runPromise(
      EcrPublicClient.fromSdk(new ECRPUBLICClient({ region: "us-east-1", endpoint: api.origin, credentials: api.credentials })).getCredential
    )
    assert.strictEqual(login._tag, "Basic")
    const password = Credential.is("Basic")(login) ? Redacted.value(login.password) : ""
    api.expireAll()
    // As `docker login -u AWS public.ecr.aws` stored it, twelve hours ago.
    const config = await DockerConfigFile.write({ auths: { "public.ecr.aws": { auth: DockerConfigFile.auth("AWS", password) } } })
    const events: Array<AuthEvent.AuthEvent> = []
    const registryFetch = makeRegistryFetch({
      adapters: [adapter],
      credentialProvider: DockerConfigFile.credentialProvider(config),
      onEvent: (e) => events.push(e)
    })
    try {
      emulator.log.clear()
      const manifest = await registryFetch("https://public.ecr.aws/v2/docker/library/alpine/manifests/3.20")
      assert.strictEqual(manifest.status, 200)
      await manifest.arrayBuffer()
      assert.deepStrictEqual(tokenRequests().map((e) => `${e.status} ${e.authorization}`), ["403 basic", "200 none"])
      assert.strictEqual(emulator.log.count({ server: "registry", status: 200 }), 1)
      for (const event of events) {
        for (const text of [String(event), JSON.stringify(event), inspect(event, { depth: Infinity })]) assert.notInclude(text, password)
      }
    } finally {
      await registryFetch.close()
      await config.remove()
    }
  })

  it("without the fallback (a generic adapter), the same expired login fails the pull: the quirk is real", async () => {
    const login = await Effect.runPromise(
      EcrPublicClient.fromSdk(new ECRPUBLICClient({ region: "us-east-1", endpoint: api.origin, credentials: api.credentials })).getCredential
    )
    api.expireAll()
    const password = Credential.is("Basic")(login) ? Redacted.value(login.password) : ""
    const plain = RegistryAdapter.extend(adapter, { tokenRequest: { ...adapter.tokenRequest, anonymousFallback: [] } })
    const registryFetch = makeRegistryFetch({ adapters: [plain], credentials: { "public.ecr.aws": { username: "AWS", password } } })
    try {
      const error = await registryFetch("https://public.ecr.aws/v2/docker/library/alpine/manifests/3.20").catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "TokenRequestError")
      assert.strictEqual((error as { reason: string }).reason, "Denied")
    } finally {
      await registryFetch.close()
    }
  })

  it("EcrPublic.layer takes the EcrPublicClient in context for logins; without one it is anonymous", async () => {
    const client = new ECRPUBLICClient({ region: "us-east-1", endpoint: api.origin, credentials: api.credentials })
    const adapterOf = (layer: Layer.Layer<Registries.Registries>) =>
      Effect.runPromise(Effect.map(Registries.Registries, (r) => r.resolve("public.ecr.aws")).pipe(Effect.provide(layer)))
    const withClient = await adapterOf(EcrPublic.layer.pipe(Layer.provide(EcrPublicClient.layer(client))))
    assert.isTrue(Option.isSome(withClient.credentials))
    const login = await Effect.runPromise(Option.getOrThrow(withClient.credentials)("public.ecr.aws", { origin: "https://public.ecr.aws", send: () => Effect.die("ECR Public logins do not use the engine's send step") }))
    assert.strictEqual(Option.getOrThrow(login)._tag, "Basic")
    assert.strictEqual(api.issued(AwsEcrApi.ecrPublicTarget), 1)
    assert.isTrue(Option.isNone((await adapterOf(EcrPublic.layer)).credentials))
  })

  it("the AWS API failing is a CredentialError without any AWS secret", async () => {
    const wrong = { ...api.credentials, secretAccessKey: "canary-wrong-secret-0123456789" }
    const client = EcrPublicClient.fromSdk(new ECRPUBLICClient({ region: "us-east-1", endpoint: api.origin, credentials: wrong, maxAttempts: 1 }))
    const error = await Effect.runPromise(Effect.flip(client.getCredential))
    assert.strictEqual(error._tag, "CredentialError")
    assert.include(error.message, "InvalidSignatureException (HTTP 403)")
    for (const text of [String(error), JSON.stringify(error), inspect(error, { depth: Infinity }), error.stack ?? ""]) {
      for (const secret of [...api.secrets(), wrong.secretAccessKey]) assert.notInclude(text, secret)
    }
  })
})
