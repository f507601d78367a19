/**
 * The ECR adapter: the core conformance suite, then the real AWS SDK
 * (`@aws-sdk/client-ecr`: its SigV4 signing, retries and parsing) against the
 * `AwsEcrApi` stand-in, and the SDK's runtime against the emulator's `ecr`
 * profile — with the acceptance figures of issue 14 asserted.
 */
import { inspect } from "node:util"
import { writeFile } from "node:fs/promises"
import { ECRClient } from "@aws-sdk/client-ecr"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { Ecr, EcrClient } from "@ociauth/ecr"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { AwsEcrApi, Budget, CredentialHelperScript, DockerConfigFile, RegistryEmulator } from "@ociauth/testing"
import { Clock, Effect, Layer, Logger, Option } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"

const HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
const MINUTE = 60_000
const HOUR = 60 * MINUTE

const sdkClient = (api: AwsEcrApi.AwsEcrApi, credentials: AwsEcrApi.AwsCredentials = api.credentials) =>
  new ECRClient({ region: "eu-west-1", endpoint: api.origin, credentials })

const aimed = (emulator: RegistryEmulator.RegistryEmulator, client: EcrClient.Service) =>
  RegistryAdapter.retarget(Ecr.make({ client }), { origin: emulator.origin })

interface Setup {
  readonly events?: Array<AuthEvent.AuthEvent>
  readonly logs?: Array<string>
}

const clientLayer = (adapter: RegistryAdapter.RegistryAdapter, setup: Setup = {}) =>
  RegistryClient.layerClient({}).pipe(
    Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
    Layer.provide(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer([adapter]),
        CredentialProvider.layerStatic({}),
        setup.events === undefined ? Layer.empty : AuthEvent.layer((e) => Effect.sync(() => setup.events!.push(e))),
        setup.logs === undefined
          ? Layer.empty
          : Logger.layer([Logger.make(({ message }) => setup.logs!.push(inspect(message, { depth: 10 })))])
      )
    )
  )

const get = (path: string) =>
  Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(HttpClientRequest.get(`https://${HOST}${path}`))).pipe(
    Effect.tap((response) => response.arrayBuffer),
    Effect.map((response) => response.status)
  )

/**
 * Wall-clock budget of a test that simulates hours with TestClock over real loopback requests (1,800 of
 * them, a few seconds on an idle machine): scaled, as every budget.
 */
const LONG_SIMULATION = Budget.scaled(60_000)

/**
 * One turn of the event loop (`setImmediate`): what the last adjustment started (a renewal's loopback
 * exchange) gets its I/O in; a timer would cost at least a millisecond per simulated minute, many on a
 * busy machine.
 */
const turn = Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))

/**
 * The client, counting its calls in flight; `settled` waits, in real time, until none is (each call runs
 * the AWS SDK's own retries on real timers): an event, not a delay that a busy machine could outlast.
 */
const counted = (client: EcrClient.Service) => {
  let inFlight = 0
  return {
    client: {
      getCredential: (registry) =>
        Effect.suspend(() => {
          inFlight++
          return client.getCredential(registry).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))
        })
    } satisfies EcrClient.Service,
    settled: Effect.gen(function* () {
      while (inFlight > 0) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    })
  }
}

describe("Ecr.adapter", () => {
  for (const check of Conformance.checks(Ecr.adapter, {
    hosts: [HOST, "123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM", "210987654321.dkr-ecr-fips.us-gov-west-1.on.aws", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"],
    foreignHosts: ["public.ecr.aws", "ecr.us-east-1.amazonaws.com", "api.ecr.us-east-1.amazonaws.com", "docker.io"],
    repositories: [["team/app", "team/app"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says", () => {
    const a = Ecr.adapter
    assert.deepStrictEqual(Option.getOrThrow(a.challenge), { scheme: "basic" })
    assert.deepStrictEqual(a.reauthOn, [{ status: 403, code: "DENIED", message: "authorization token has expired" }])
    assert.deepStrictEqual(a.maxPageSize, Option.some(1000))
    assert.strictEqual(a.origin(HOST), `https://${HOST}`)
    assert.isTrue(Option.isSome(a.credentials))
  })
})

describe("Ecr through the AWS SDK and the runtime (emulator ecr profile, AwsEcrApi)", () => {
  it.effect("1,000 concurrent requests to a cold registry → exactly 1 GetAuthorizationToken", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const adapter = aimed(emulator, EcrClient.fromSdk(sdkClient(api)))
      const statuses = yield* Effect.all(Array.from({ length: 1000 }, () => get("/v2/team/app/manifests/1.0")), {
        concurrency: "unbounded"
      }).pipe(Effect.provide(clientLayer(adapter)))
      assert.strictEqual(statuses.filter((s) => s === 200).length, 1000)
      assert.strictEqual(api.calls.length, 1, "one API call")
      assert.deepStrictEqual(api.calls[0], {
        target: AwsEcrApi.ecrTarget,
        service: "ecr",
        region: "eu-west-1",
        registryIds: ["123456789012"],
        status: 200
      })
      // Basic on every request: no 401 round trip, no token endpoint.
      assert.strictEqual(emulator.log.count({ server: "registry" }), 1000)
      assert.strictEqual(emulator.log.count({ server: "registry", authorization: "basic" }), 1000)
    }))

  it.effect("30 simulated hours, a request every minute: 0 expired-token requests, ≤ 3 API calls", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const events: Array<AuthEvent.AuthEvent> = []
      yield* Effect.gen(function* () {
        for (let minute = 0; minute < 30 * 60; minute++) {
          assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200, `minute ${minute}`)
          yield* TestClock.adjust("1 minute")
          yield* turn
        }
      }).pipe(Effect.provide(clientLayer(aimed(emulator, EcrClient.fromSdk(sdkClient(api))), { events })))
      assert.strictEqual(emulator.log.count({ server: "registry", status: 403 }), 0, "no request met an expired password")
      assert.strictEqual(emulator.log.count({ server: "registry", status: 401 }), 0)
      assert.isAtMost(api.calls.length, 3, "12 h passwords renewed ahead of expiry: one call per registry per expiry")
      assert.isAtLeast(api.issued(), 3, "30 h need three 12 h passwords")
    }),
    // 1,800 real loopback requests: the simulated time is TestClock's, the budget is for a busy machine.
    LONG_SIMULATION)

  it.effect("the API failing for 10 minutes while the old password is valid loses nothing", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const events: Array<AuthEvent.AuthEvent> = []
      const ecr = counted(EcrClient.fromSdk(sdkClient(api)))
      yield* Effect.gen(function* () {
        for (let minute = 0; minute < 30 * 60; minute++) {
          // The renewal is due at 10.8 h: the API fails from 10 h 45 min for 10 minutes.
          if (minute === 10 * 60 + 45) api.failUntil((yield* Clock.currentTimeMillis) + 10 * MINUTE)
          assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200, `minute ${minute}`)
          yield* TestClock.adjust("1 minute")
          yield* turn
          // While the API fails, the clock waits for the calls in flight, so that the SDK's own retries meet the failures too.
          if (minute >= 10 * 60 + 45 && minute < 10 * 60 + 55) yield* ecr.settled
        }
      }).pipe(Effect.provide(clientLayer(aimed(emulator, ecr.client), { events })))
      const failed = api.calls.filter((c) => c.status === 500).length
      assert.isAtLeast(failed, 1, "the renewal met the failing API")
      assert.isAtLeast(events.filter((e) => e._tag === "RefreshFailed" && e.what === "credential").length, 1)
      assert.strictEqual(emulator.log.count({ server: "registry", status: 403 }), 0, "no request met an expired password")
      assert.strictEqual(emulator.log.count({ server: "registry", status: 200 }), 30 * 60, "every request succeeded")
      assert.isAtMost(api.issued(), 3)
    }),
    // 1,800 real loopback requests: the simulated time is TestClock's, the budget is for a busy machine.
    LONG_SIMULATION)

  it.effect("403 \"Your authorization token has expired\" → 1 refresh, the request succeeds", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      yield* Effect.gen(function* () {
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200)
        api.expireAll()
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200)
      }).pipe(Effect.provide(clientLayer(aimed(emulator, EcrClient.fromSdk(sdkClient(api))))))
      assert.strictEqual(api.issued(), 2, "one refresh")
      assert.deepStrictEqual(
        emulator.log.filter({ server: "registry" }).map((e) => e.status),
        [200, 403, 200]
      )
    }))

  it.effect("200 concurrent requests meeting the same expired password → still exactly 1 refresh", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const statuses = yield* Effect.gen(function* () {
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200)
        api.expireAll()
        return yield* Effect.all(Array.from({ length: 200 }, () => get("/v2/team/app/manifests/1.0")), { concurrency: "unbounded" })
      }).pipe(Effect.provide(clientLayer(aimed(emulator, EcrClient.fromSdk(sdkClient(api))))))
      assert.deepStrictEqual([...new Set(statuses)], [200])
      assert.strictEqual(api.issued(), 2, "one refresh for every request that met the expired password")
    }))

  it.effect("a 403 that is not an expiry is the answer: no refresh", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      // 403 DENIED for another reason (a missing permission).
      emulator.faults.add({ path: "/v2/team/app/manifests/1.0", status: 403 })
      const status = yield* get("/v2/team/app/manifests/1.0").pipe(Effect.provide(clientLayer(aimed(emulator, EcrClient.fromSdk(sdkClient(api))))))
      assert.strictEqual(status, 403)
      assert.strictEqual(api.issued(), 1)
    }))

  it.effect("tags/list with n > 1000 is lowered to 1000 (ECR answers 405 otherwise); /v2/ 200 with an empty body is fine", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const raw = yield* Effect.promise(() =>
        fetch(`${emulator.origin}/v2/team/app/tags/list?n=5000`, { headers: { authorization: "Basic " + btoa("AWS:nothing") } })
      )
      assert.strictEqual(raw.status, 401, "the emulator wants a password")
      yield* Effect.gen(function* () {
        assert.strictEqual(yield* get("/v2/team/app/tags/list?n=5000"), 200)
        assert.strictEqual(yield* get("/v2/_catalog?n=1001"), 200)
        assert.strictEqual(yield* get("/v2/"), 200)
      }).pipe(Effect.provide(clientLayer(aimed(emulator, EcrClient.fromSdk(sdkClient(api))))))
      assert.deepStrictEqual(
        emulator.log.filter({ server: "registry" }).slice(1).map((e) => `${e.status} ${e.path}${e.query}`),
        ["200 /v2/team/app/tags/list?n=1000", "200 /v2/_catalog?n=1000", "200 /v2/"]
      )
      const direct = yield* Effect.promise(async () => {
        const password = api.secrets().find((s) => api.passwords.check("AWS", s) === "valid")!
        const response = await fetch(`${emulator.origin}/v2/team/app/tags/list?n=1001`, { headers: { authorization: "Basic " + btoa(`AWS:${password}`) } })
        return { status: response.status, body: await response.text() }
      })
      assert.strictEqual(direct.status, 405, "the profile reproduces ECR's 405")
      assert.include(direct.body, "Member must have value less than or equal to 1000")
    }))

  it.effect("no AWS secret (access key, secret key, session token, ECR password) in any error, event or log", () =>
    Effect.gen(function* () {
      const canary = {
        accessKeyId: "AKIACANARY0000000001",
        secretAccessKey: "canary-secret-access-key-0123456789abcdef",
        sessionToken: "canary-session-token-0123456789abcdefghijklmnopqrstuvwxyz"
      }
      const api = yield* AwsEcrApi.make({ credentials: canary })
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const events: Array<AuthEvent.AuthEvent> = []
      const logs: Array<string> = []
      const errors: Array<unknown> = []
      const good = counted(EcrClient.fromSdk(sdkClient(api)))
      yield* Effect.gen(function* () {
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200)
        api.expireAll()
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200)
        api.failUntil((yield* Clock.currentTimeMillis) + 24 * HOUR)
        yield* TestClock.adjust("11 hours")
        assert.strictEqual(yield* get("/v2/team/app/manifests/1.0"), 200, "the old password is still valid")
        // The renewal that request started fails against the failing API (its logs and events are checked below).
        yield* turn
        yield* good.settled
        yield* TestClock.adjust("2 hours")
        errors.push(yield* Effect.flip(get("/v2/team/app/manifests/1.0")))
      }).pipe(Effect.provide(clientLayer(aimed(emulator, good.client), { events, logs })))
      // A signature the API refuses: the SDK's error carries AWS's message; ours does not.
      const wrong = aimed(emulator, EcrClient.fromSdk(sdkClient(api, { ...canary, secretAccessKey: `${canary.secretAccessKey}-wrong` })))
      errors.push(yield* Effect.flip(get("/v2/team/app/manifests/1.0").pipe(Effect.provide(clientLayer(wrong, { events, logs })))))
      const unknownKey = aimed(emulator, EcrClient.fromSdk(sdkClient(api, { ...canary, accessKeyId: "AKIACANARY0000000002" })))
      errors.push(yield* Effect.flip(get("/v2/team/app/manifests/1.0").pipe(Effect.provide(clientLayer(unknownKey, { events, logs })))))

      assert.deepStrictEqual(errors.map((e) => (e as { _tag: string })._tag), ["CredentialError", "CredentialError", "CredentialError"])
      assert.include((errors[1] as Error).message, "InvalidSignatureException (HTTP 403)")
      assert.isAtLeast(events.filter((e) => e._tag === "RefreshFailed").length, 1)
      const secrets = [...api.secrets(), `${canary.secretAccessKey}-wrong`]
      assert.isAtLeast(secrets.length, 5)
      const renderings = [...errors, ...events].flatMap((value) => [
        String(value),
        JSON.stringify(value),
        inspect(value, { depth: Infinity, showHidden: true }),
        value instanceof Error ? `${value.message}\n${value.stack ?? ""}` : ""
      ])
      for (const text of [...renderings, ...logs]) {
        for (const secret of secrets) assert.notInclude(text, secret)
      }
    }))
})

describe("Ecr with docker-credential-ecr-login in the docker config: no SDK call", () => {
  let helper: CredentialHelperScript.CredentialHelperScript
  let config: DockerConfigFile.DockerConfigFile
  let savedPath: string | undefined
  beforeAll(async () => {
    helper = await CredentialHelperScript.write("ecr-login")
    await writeFile(helper.file, JSON.stringify({ [HOST]: { Username: "AWS", Secret: "helper-password" } }))
    config = await DockerConfigFile.write({ credHelpers: { [HOST]: "ecr-login" } })
    savedPath = process.env.PATH
    process.env.PATH = helper.path
  })
  afterAll(async () => {
    process.env.PATH = savedPath
    await helper.remove()
    await config.remove()
  })

  it("the helper's AWS password is sent as Basic; the AWS API is never called", async () => {
    const api = await AwsEcrApi.start()
    const emulator = await RegistryEmulator.start({ profile: "ecr", users: { AWS: "helper-password" }, issuedPasswords: api.passwords })
    const registryFetch = makeRegistryFetch({
      adapters: [aimed(emulator, EcrClient.fromSdk(sdkClient(api)))],
      credentialProvider: DockerConfigFile.credentialProvider(config)
    })
    try {
      emulator.pushImage("team/app", "1.0")
      const response = await registryFetch(`https://${HOST}/v2/team/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(api.calls.length, 0)
      assert.deepStrictEqual(emulator.log.entries.map((e) => `${e.status} ${e.authorization}`), ["200 basic"])
    } finally {
      await registryFetch.close()
      await emulator.close()
      await api.close()
    }
  })
})

describe("EcrClient.layerDefault: the SDK's default chain, endpoint from AWS_ENDPOINT_URL_ECR", () => {
  it.effect("credentials and endpoint from the environment; the SDK package loaded on first use", () =>
    Effect.gen(function* () {
      const api = yield* AwsEcrApi.make()
      const emulator = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: api.passwords })
      emulator.pushImage("team/app", "1.0")
      const saved = { ...process.env }
      Object.assign(process.env, api.environment, { AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" })
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const key of Object.keys(api.environment)) delete process.env[key]
          Object.assign(process.env, saved)
        })
      )
      const registries = Ecr.layer.pipe(Layer.provide(EcrClient.layerDefault()))
      const retargeted = Layer.effect(
        Registries.Registries,
        Effect.map(Registries.Registries, (r) => Registries.make(r.adapters.map((a) => RegistryAdapter.retarget(a, { origin: emulator.origin }))))
      ).pipe(Layer.provide(registries))
      const status = yield* get("/v2/team/app/manifests/1.0").pipe(
        Effect.provide(
          RegistryClient.layerClient({}).pipe(
            Layer.provide(Authenticator.layer()),
            Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, retargeted, CredentialProvider.layerStatic({})))
          )
        )
      )
      assert.strictEqual(status, 200)
      assert.strictEqual(api.issued(AwsEcrApi.ecrTarget), 1)
      assert.strictEqual(api.calls[0]!.region, "eu-west-1", "the region comes from the registry's host")
    }))
})
