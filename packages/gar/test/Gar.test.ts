/**
 * The Google Artifact Registry / gcr.io adapter: conformance, then the flows
 * of the registry reference (§9) through the SDK against the emulator's `gar`
 * profile, with Google's OAuth2 endpoint played on loopback (`GoogleOAuthServer`)
 * and the real `google-auth-library` pointed at it.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Gar, Google } from "@ociauth/gar"
import { Budget, DockerConfigFile, GoogleOAuthServer, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { GoogleAuth } from "google-auth-library"
import { inspect } from "node:util"

const HOST = "us-central1-docker.pkg.dev"
const REPO = "acme-prod/images/app"

/** The real library: an `authorized_user` ADC (as `gcloud auth application-default login` writes it), its token URL on loopback. */
const adcClient = (google: GoogleOAuthServer.GoogleOAuthServer): Promise<Google.AuthClient> =>
  new GoogleAuth({
    credentials: google.authorizedUser,
    scopes: [Google.cloudPlatformScope],
    clientOptions: { endpoints: { oauth2TokenUrl: google.tokenUrl } }
  }).getClient() as Promise<Google.AuthClient>

/** The emulator's gar profile, trusting `google`'s tokens, its service account granted `actions` on acme-prod/*, every repository private. */
const garOptions = (google: GoogleOAuthServer.GoogleOAuthServer, actions: ReadonlyArray<string> = ["pull"]): RegistryEmulator.Options => ({
  profile: "gar",
  authenticate: google.authenticate,
  grants: [{ account: google.subject, name: "acme-prod/*", actions: [...actions] }],
  privateRepositories: ["*"]
})

const retargeted = (emulator: RegistryEmulator.RegistryEmulator, client?: Google.AuthClient) =>
  RegistryAdapter.retarget(Gar.make(client === undefined ? { google: false } : { google: { client } }), { origin: emulator.origin, realm: null })

describe("Gar.adapter", () => {
  for (const check of Conformance.checks(Gar.adapter, {
    hosts: [HOST, "europe-docker.pkg.dev", "docker.us-central1.rep.pkg.dev", "GCR.IO", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "marketplace.gcr.io"],
    foreignHosts: ["pkg.dev", "us-central1-maven.pkg.dev", "k8s.gcr.io", "storage.googleapis.com", "docker.io"],
    repositories: [[REPO, REPO]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says", () => {
    const a = Gar.adapter
    assert.isTrue(Option.isNone(a.challenge), "the realm is each host's own /v2/token: discovered")
    assert.strictEqual(a.tokenRequest.method, "get", "POST answers 404")
    assert.strictEqual(a.origin("eu.gcr.io"), "https://eu.gcr.io")
    assert.isTrue(Option.isSome(a.credentials))
    assert.isTrue(Option.isNone(Gar.make({ google: false }).credentials))
  })
})

describe("GAR through the SDK (emulator gar profile, real google-auth-library)", () => {
  let gar: RegistryEmulator.RegistryEmulator
  let google: GoogleOAuthServer.GoogleOAuthServer
  beforeAll(async () => {
    google = await GoogleOAuthServer.start()
    gar = await RegistryEmulator.start(garOptions(google, ["pull", "push"]))
    gar.pushImage(REPO, "1.0")
    gar.pushImage(REPO, "1.1")
  })
  afterAll(async () => {
    await gar.close()
    await google.close()
  })

  it("ADC: one OAuth2 token, sent as Basic oauth2accesstoken to GET /v2/token with the challenged service; warm = 1 round trip", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [retargeted(gar, await adcClient(google))] })
    try {
      gar.log.clear()
      const issued = google.issued.length
      const response = await registryFetch(`https://${HOST}/v2/${REPO}/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(gar.log.entries.map((e) => `${e.server} ${e.method} ${e.path} ${e.status} ${e.authorization}`), [
        `registry HEAD /v2/${REPO}/manifests/1.0 401 none`,
        "token GET /v2/token 200 basic",
        `registry HEAD /v2/${REPO}/manifests/1.0 200 bearer`
      ])
      const query = new URLSearchParams(gar.log.filter({ server: "token" })[0]!.query)
      // A repository's challenge names the registry host as its service (google-github-actions/auth#432, #474).
      assert.strictEqual(query.get("service"), new URL(gar.origin).host, "the service the repository's challenge names")
      assert.strictEqual(query.get("account"), "oauth2accesstoken")
      assert.deepStrictEqual(query.getAll("scope"), [`repository:${REPO}:pull`])
      assert.strictEqual(google.issued.length - issued, 1)
      gar.log.clear()
      await (await registryFetch(`https://${HOST}/v2/${REPO}/manifests/1.1`, { method: "HEAD" })).arrayBuffer()
      assert.strictEqual(gar.log.entries.length, 1)
    } finally {
      await registryFetch.close()
    }
  })

  it("the challenge has no service; POST to the realm answers 404", async () => {
    const probe = await fetch(`${gar.origin}/v2/`)
    const challenge = probe.headers.get("www-authenticate") ?? ""
    assert.match(challenge, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/v2\/token"$/)
    const post = await fetch(`${gar.origin}/v2/token`, { method: "POST", body: new URLSearchParams({ grant_type: "password" }) })
    assert.strictEqual(post.status, 404)
  })

  it("tags/list: Google's manifests and child fields decode (Gar.TagList)", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [retargeted(gar, await adcClient(google))] })
    try {
      const listed = Schema.decodeUnknownSync(Gar.TagList)(await (await registryFetch(`https://${HOST}/v2/${REPO}/tags/list`)).json())
      assert.deepStrictEqual(listed.tags, ["1.0", "1.1"])
      assert.deepStrictEqual(listed.child, [])
      const entries = Object.values(listed.manifests ?? {})
      assert.strictEqual(entries.length, 2)
      assert.sameMembers(entries.flatMap((e) => e.tag ?? []), ["1.0", "1.1"])
    } finally {
      await registryFetch.close()
    }
  })

  it("_json_key and _json_key_base64 service-account keys from a docker config are Basic credentials like any other", async () => {
    const key = JSON.stringify(google.serviceAccountKey)
    for (const [username, password] of [["_json_key", key], ["_json_key_base64", Buffer.from(key).toString("base64")]] as const) {
      const config = await DockerConfigFile.write({ auths: { [HOST]: { auth: DockerConfigFile.auth(username, password) } } })
      const registryFetch = makeRegistryFetch({ adapters: [retargeted(gar, await adcClient(google))], credentialProvider: DockerConfigFile.credentialProvider(config.path) })
      try {
        const issued = google.issued.length
        gar.log.clear()
        const response = await registryFetch(`https://${HOST}/v2/${REPO}/manifests/1.0`, { method: "HEAD" })
        assert.strictEqual(response.status, 200, username)
        assert.strictEqual(new URLSearchParams(gar.log.filter({ server: "token" })[0]!.query).get("account"), username)
        assert.strictEqual(google.issued.length, issued, "the configured key wins: no ADC token")
      } finally {
        await registryFetch.close()
        await config.remove()
      }
    }
  })

  it("without any credential (ADC off): anonymous, refused for a private repository with a typed error", async () => {
    // GAR's registry tokens are opaque (no grant to read before sending): the anonymous token is issued, and the
    // registry refuses it with 401 insufficient_scope; with nothing more to ask for, the SDK does not ask again.
    const layer = RegistryClient.layerClient().pipe(
      Layer.provide(Authenticator.layer()),
      Layer.provide(Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer([retargeted(gar)]),
        CredentialProvider.layerAnonymous,
        AuthEvent.layer(() => Effect.void)
      ))
    )
    gar.log.clear()
    const error = await Effect.runPromise(
      Effect.gen(function* () {
        const client = yield* RegistryClient.RegistryClient
        return yield* client.execute(HttpClientRequest.get(`https://${HOST}/v2/${REPO}/manifests/1.0`)).pipe(
          Effect.flatMap(RegistryClient.filterStatusOk),
          Effect.flip
        )
      }).pipe(Effect.provide(layer))
    )
    assert.strictEqual(error._tag, "RegistryResponseError")
    if (error._tag === "RegistryResponseError") {
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.method, "GET")
      assert.deepStrictEqual(error.errors.map((e) => e.code), ["UNAUTHORIZED"])
    }
    assert.deepStrictEqual(gar.log.entries.map((e) => `${e.server} ${e.method} ${e.path} ${e.status} ${e.authorization}`), [
      `registry GET /v2/${REPO}/manifests/1.0 401 none`,
      "token GET /v2/token 200 none",
      `registry GET /v2/${REPO}/manifests/1.0 401 bearer`
    ])
  })
})

describe("Gar.layerAuthClient", () => {
  it.effect("the AuthClient of the GoogleAuthClient service is the token source of the adapter it registers", () =>
    Effect.gen(function* () {
      let calls = 0
      const client: Google.AuthClient = {
        credentials: { expiry_date: 4102444800000 },
        getAccessToken: async () => {
          calls++
          return { token: "ya29.from-the-service" }
        }
      }
      const registries = yield* Registries.Registries.pipe(
        Effect.provide(Gar.layerAuthClient.pipe(Layer.provide(Layer.succeed(Google.GoogleAuthClient, client))))
      )
      const adapter = registries.resolve("eu.gcr.io")
      assert.strictEqual(adapter.name, "gar")
      const send: RegistryAdapter.CredentialContext["send"] = () => Effect.die("no HTTP: the client is asked")
      const credential = Option.getOrThrow(yield* Option.getOrThrow(adapter.credentials)("eu.gcr.io", { origin: "https://eu.gcr.io", send }))
      assert.strictEqual(calls, 1)
      assert.strictEqual(credential._tag, "Basic")
      if (credential._tag === "Basic") {
        assert.strictEqual(credential.username, "oauth2accesstoken")
        assert.strictEqual(Redacted.value(credential.password), "ya29.from-the-service")
        assert.strictEqual(credential.expiresAt?.epochMilliseconds, 4102444800000)
      }
    }))
})

describe("GAR acceptance: counts", () => {
  it("1,000 concurrent cold requests → 1 ADC token fetch, 1 registry token request", async () => {
    const google = await GoogleOAuthServer.start()
    const gar = await RegistryEmulator.start(garOptions(google))
    gar.pushImage(REPO, "1.0")
    // The client's default bounds, scaled: 1,000 in-process requests on a busy machine can outlast 10 s.
    const registryFetch = makeRegistryFetch({
      adapters: [retargeted(gar, await adcClient(google))],
      responseTimeout: Duration.millis(Budget.scaled(10_000)),
      deadline: Duration.millis(Budget.scaled(30_000))
    })
    try {
      const responses = await Promise.all(
        Array.from({ length: 1000 }, () => registryFetch(`https://${HOST}/v2/${REPO}/manifests/1.0`, { method: "HEAD" }))
      )
      assert.isTrue(responses.every((r) => r.status === 200))
      assert.strictEqual(google.issued.length, 1, "ADC token fetches")
      assert.strictEqual(google.log.count(), 1)
      assert.strictEqual(gar.log.count({ server: "token" }), 1, "registry token requests")
    } finally {
      await registryFetch.close()
      await gar.close()
      await google.close()
    }
  }, Budget.scaled(60_000))

  it.effect("3 hours on the TestClock: OAuth2 tokens renewed ahead of expiry, no expired token ever presented", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const google = yield* GoogleOAuthServer.make()
        const gar = yield* RegistryEmulator.make(garOptions(google))
        gar.pushImage(REPO, "1.0")
        const layer = RegistryClient.layerClient().pipe(
          Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
          Layer.provide(Layer.mergeAll(
            RegistryClient.layerFetchTransport,
            // A client on the server's clock, caching its token as google-auth-library does.
            Registries.layer([retargeted(gar, google.client())]),
            CredentialProvider.layerAnonymous,
            AuthEvent.layer(() => Effect.void)
          ))
        )
        yield* Effect.gen(function* () {
          const client = yield* RegistryClient.RegistryClient
          for (let minute = 0; minute <= 180; minute += 5) {
            const response = yield* client.execute(HttpClientRequest.head(`https://${HOST}/v2/${REPO}/manifests/1.0`))
            assert.strictEqual(response.status, 200, `minute ${minute}`)
            yield* TestClock.adjust("5 minutes")
            for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
          }
        }).pipe(Effect.provide(layer))
        const refused = gar.log.filter((e) => e.status === 401 && (e.server !== "registry" || e.authorization !== "none"))
        assert.deepStrictEqual(refused, [], "no expired OAuth2 or registry token was ever refused")
        assert.strictEqual(google.expiredPresented, 0)
        assert.isAtLeast(google.issued.length, 3, "~1 h tokens over 3 hours")
        assert.isAtMost(google.issued.length, 4)
      })
    ), Budget.scaled(120_000))
})

describe("GAR: no Google secret in any error, event or log", () => {
  it("a failing client, a refused key, a successful flow: refresh token, client secret, private key and access tokens appear nowhere", async () => {
    const google = await GoogleOAuthServer.start()
    const gar = await RegistryEmulator.start(garOptions(google))
    gar.pushImage(REPO, "1.0")
    const texts = (value: unknown) => [String(value), JSON.stringify(value) ?? "", inspect(value, { depth: 8, showHidden: true })]
    const seen: Array<string> = []
    const events: Array<unknown> = []
    const attempt = async (options: Parameters<typeof makeRegistryFetch>[0]) => {
      const registryFetch = makeRegistryFetch({ ...options, onEvent: (e) => events.push(e) })
      try {
        return await registryFetch(`https://${HOST}/v2/${REPO}/manifests/1.0`, { method: "HEAD" }).catch((e: unknown) => e)
      } finally {
        await registryFetch.close()
      }
    }
    try {
      const leaking: Google.AuthClient = {
        credentials: {},
        getAccessToken: () => Promise.reject(new Error(`invalid_grant for refresh token ${google.authorizedUser.refresh_token} / ${google.authorizedUser.client_secret}`))
      }
      const failed = await attempt({ adapters: [retargeted(gar, leaking)] })
      assert.strictEqual((failed as { _tag: string })._tag, "CredentialError")
      seen.push(...texts(failed))
      const tampered = JSON.stringify({ ...google.serviceAccountKey, client_email: "someone@else.iam.gserviceaccount.com" })
      const refused = await attempt({ adapters: [retargeted(gar)], credentials: { [HOST]: { username: "_json_key", password: tampered } } })
      assert.strictEqual((refused as { _tag: string })._tag, "TokenRequestError")
      seen.push(...texts(refused))
      const ok = await attempt({ adapters: [retargeted(gar, await adcClient(google))] })
      assert.strictEqual((ok as Response).status, 200)
      seen.push(...events.flatMap(texts), gar.log.format(), google.log.format())
      const secrets = [google.authorizedUser.refresh_token, google.authorizedUser.client_secret, ...google.issued,
        google.serviceAccountKey.private_key.split("\n")[1]!]
      assert.isAtLeast(google.issued.length, 1)
      for (const text of seen) for (const secret of secrets) assert.notInclude(text, secret)
    } finally {
      await gar.close()
      await google.close()
    }
  })
})
