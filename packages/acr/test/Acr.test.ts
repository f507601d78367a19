/**
 * The ACR adapter: conformance, then the three credential paths of the registry
 * reference (§8) through the SDK against the emulator's `acr` profile, with the
 * Entra side played by `EntraStandIn`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Acr, Entra } from "@ociauth/acr"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter, Scope } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import * as Unstable from "@ociauth/core/Unstable"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Budget, DockerConfigFile, EntraStandIn, RegistryEmulator } from "@ociauth/testing"
import { inspect } from "node:util"
import { Duration, Effect, Layer, Option } from "effect"
import { HttpClientRequest, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"

const REGISTRY = "contoso.azurecr.io"
const entraAdapter = (emulator: RegistryEmulator.RegistryEmulator, entra: EntraStandIn.EntraStandIn) =>
  RegistryAdapter.retarget(Acr.make({ entra: { credential: entra.credential } }), { origin: emulator.origin, realm: null })

describe("Acr.adapter", () => {
  // Registry names are 5–50 letters and digits: with 50-letter names, the suite's look-alikes
  // (`x<name>`, `evil-<name>`) are not registry names and must not be claimed.
  const name = "contoso".padEnd(50, "x")
  for (const check of Conformance.checks(Acr.adapter, {
    hosts: [`${name}.azurecr.io`, `${name}.westeurope.geo.azurecr.io`, `${name}.azurecr.cn`, `${name.toUpperCase()}.AZURECR.US`, `${name}.azurecr.de`],
    foreignHosts: ["azurecr.io", "ab.azurecr.io", "contoso.azurecr.io.evil.example", "contoso.blob.core.windows.net", "mcr.microsoft.com", "docker.io"],
    repositories: [["team/app", "team/app"]]
  })) it.effect(check.name, () => check.run)

  it("declares what the registry reference says", () => {
    const a = Acr.adapter
    assert.isTrue(Option.isNone(a.challenge), "the realm is the registry's own: discovered per host")
    assert.strictEqual(a.credentialHost("contoso.westeurope.geo.azurecr.io"), "contoso.azurecr.io")
    assert.strictEqual(a.origin("contoso.westeurope.geo.azurecr.io"), "https://contoso.westeurope.geo.azurecr.io")
    assert.strictEqual(Duration.toSeconds(a.defaultTokenLifetime), 4500)
    assert.strictEqual(a.tokenRequest.method, "auto", "POST for refresh tokens, GET for Basic (POST password is 400)")
    assert.strictEqual(a.tokenRequest.postScopes, "repeated")
    assert.isTrue(Option.isSome(a.credentials), "the Entra path")
    assert.isTrue(Option.isNone(Acr.make({ entra: false }).credentials))
    const scopes = (method: string, path: string) => Unstable.scopesFor(a, method, `https://${REGISTRY}${path}`).map(Scope.format)
    assert.deepStrictEqual(scopes("GET", "/v2/team/app/tags/list"), ["repository:team/app:metadata_read"])
    assert.deepStrictEqual(scopes("GET", "/v2/team/app/manifests/1"), ["repository:team/app:pull"])
    assert.deepStrictEqual(scopes("GET", "/v2/_catalog"), ["registry:catalog:*"])
    assert.deepStrictEqual(scopes("GET", "/v2/"), [])
  })
})

describe("ACR through the SDK (emulator acr profile, Entra stand-in)", () => {
  let acr: RegistryEmulator.RegistryEmulator
  let entra: EntraStandIn.EntraStandIn
  const grants = () => [
    { account: entra.subject, name: "team/*", actions: ["pull", "push", "delete", "metadata_read"] },
    { account: entra.subject, type: "registry", name: "catalog", actions: ["*"] },
    { account: "admin", name: "*", actions: ["*"] },
    { account: "admin", type: "registry", name: "catalog", actions: ["*"] }
  ]
  const server = (name: string) => acr.log.count({ server: name })

  beforeAll(async () => {
    entra = EntraStandIn.start()
    acr = await RegistryEmulator.start({
      profile: "acr",
      service: REGISTRY,
      identity: (token) => entra.verify(token),
      users: { admin: "admin-password" },
      grants: grants(),
      privateRepositories: ["*"]
    })
    acr.pushImage("team/app", "1.0")
    for (let i = 0; i < 10; i++) acr.pushImage(`team/repo${i}`, "latest")
  })
  afterAll(() => acr.close())

  it("Entra: discovery, one Entra token, one exchange, one access token; JWT exp for a lifetime; warm = 1 round trip", async () => {
    const issued: Array<number> = []
    const registryFetch = makeRegistryFetch({
      adapters: [entraAdapter(acr, entra)],
      onEvent: (e) => e._tag === "TokenIssued" && issued.push(e.expiresAt.epochMilliseconds)
    })
    try {
      acr.log.clear()
      const before = Date.now()
      const response = await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`)
      assert.strictEqual(response.status, 200)
      await response.arrayBuffer()
      const after = Date.now()
      assert.deepStrictEqual(acr.log.entries.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`), [
        "registry GET /v2/team/app/manifests/1.0 401",
        "exchange POST /oauth2/exchange 200",
        "token POST /oauth2/token 200",
        "registry GET /v2/team/app/manifests/1.0 200"
      ])
      assert.strictEqual(entra.calls.length, 1)
      assert.deepStrictEqual(entra.calls[0], ["https://containerregistry.azure.net/.default"])
      // no expires_in: the JWT's exp, issued between before and after (±3 s), however long a busy machine took
      assert.isAtLeast(issued[0]! - before, 4_500_000 - 3_000, "no expires_in: the JWT's exp")
      assert.isAtMost(issued[0]! - after, 4_500_000 + 3_000, "no expires_in: the JWT's exp")
      acr.log.clear()
      await (await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`, { method: "HEAD" })).arrayBuffer()
      assert.strictEqual(acr.log.entries.length, 1)
    } finally {
      await registryFetch.close()
    }
  })

  it("tags/list asks for metadata_read; the catalog for registry:catalog:*; the refresh token POSTed with every scope", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [entraAdapter(acr, entra)] })
    try {
      acr.log.clear()
      const tags = await registryFetch(`https://${REGISTRY}/v2/team/app/tags/list`)
      assert.deepStrictEqual(await tags.json(), { name: "team/app", tags: ["1.0"] })
      const catalog = await registryFetch(`https://${REGISTRY}/v2/_catalog`)
      assert.strictEqual(catalog.status, 200)
      assert.includeMembers((await catalog.json() as { repositories: Array<string> }).repositories, ["team/app", "team/repo0"])
      assert.strictEqual(server("registry"), 3, "one discovery, then tags and catalog")
      assert.strictEqual(server("token"), 2)
      const challenge = acr.log.entries[0]!
      assert.strictEqual(challenge.status, 401)
    } finally {
      await registryFetch.close()
    }
  })

  it("a cross-repository mount: the refresh token POSTed with one scope parameter per repository", async () => {
    const bodies: Array<URLSearchParams> = []
    const recording: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      if (url.pathname === "/oauth2/token" && init?.body != null && !(init.body instanceof ReadableStream)) {
        bodies.push(new URLSearchParams(await new Response(init.body).text()))
      }
      return fetch(input, init)
    }
    const registryFetch = makeRegistryFetch({ adapters: [entraAdapter(acr, entra)], fetch: recording })
    try {
      const layer = acr.pushImage("team/repo0", "mounted", [new TextEncoder().encode("mount me")]).layers[0]!
      const mounted = await registryFetch(`https://${REGISTRY}/v2/team/app/blobs/uploads/?mount=${layer}&from=team/repo0`, { method: "POST" })
      assert.strictEqual(mounted.status, 201)
      assert.deepStrictEqual(bodies.map((b) => b.getAll("scope")), [["repository:team/app:pull,push", "repository:team/repo0:pull"]])
      assert.strictEqual(bodies[0]!.get("grant_type"), "refresh_token")
      assert.strictEqual(bodies[0]!.get("service"), REGISTRY)
    } finally {
      await registryFetch.close()
    }
  })

  it("a pull without metadata_read is no licence for tags/list (the registry's rule, enforced by the emulator)", async () => {
    const token = acr.tokenServer.issue(entra.subject, [Scope.repository("team/app", ["pull"])], 600)
    const response = await fetch(`${acr.origin}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${token}` } })
    assert.strictEqual(response.status, 401)
    assert.include(response.headers.get("www-authenticate") ?? "", 'scope="repository:team/app:metadata_read"')
    assert.include(response.headers.get("www-authenticate") ?? "", 'error="insufficient_scope"')
  })

  it("a refresh token as an identity token (az acr login --expose-token): the OAuth2 POST, no Entra call", async () => {
    const refresh = acr.tokenServer.issueRefreshToken(entra.subject, 3 * 3600)
    const calls = entra.calls.length
    const registryFetch = makeRegistryFetch({
      adapters: [entraAdapter(acr, entra)],
      credentials: { [REGISTRY]: { identityToken: refresh, username: "00000000-0000-0000-0000-000000000000" } }
    })
    try {
      acr.log.clear()
      const response = await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(entra.calls.length, calls)
      assert.strictEqual(server("exchange"), 0)
      assert.strictEqual(acr.log.count({ server: "token", method: "POST", status: 200 }), 1)
    } finally {
      await registryFetch.close()
    }
  })

  it("the same refresh token as `az acr login` writes it into a docker config (identitytoken, username 00000000-…)", async () => {
    const refresh = acr.tokenServer.issueRefreshToken(entra.subject, 3 * 3600)
    const config = await DockerConfigFile.write({
      auths: { [REGISTRY]: { auth: DockerConfigFile.auth("00000000-0000-0000-0000-000000000000", ""), identitytoken: refresh } }
    })
    const calls = entra.calls.length
    const registryFetch = makeRegistryFetch({ adapters: [entraAdapter(acr, entra)], credentialProvider: DockerConfigFile.credentialProvider(config.path) })
    try {
      acr.log.clear()
      const response = await registryFetch(`https://${REGISTRY}/v2/team/app/tags/list`)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(entra.calls.length, calls)
      assert.deepStrictEqual(acr.log.filter({ server: "token" }).map((e) => `${e.method} ${e.status}`), ["POST 200"])
    } finally {
      await registryFetch.close()
      await config.remove()
    }
  })

  it("Basic (admin user, repository-scoped tokens): GET /oauth2/token, no Entra call", async () => {
    const calls = entra.calls.length
    const registryFetch = makeRegistryFetch({
      adapters: [entraAdapter(acr, entra)],
      credentials: { [REGISTRY]: { username: "admin", password: "admin-password" } }
    })
    try {
      acr.log.clear()
      const response = await registryFetch(`https://${REGISTRY}/v2/team/app/tags/list`)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(entra.calls.length, calls)
      assert.deepStrictEqual(acr.log.filter({ server: "token" }).map((e) => `${e.method} ${e.status} ${e.authorization}`), ["GET 200 basic"])
      assert.deepStrictEqual(new URLSearchParams(acr.log.filter({ server: "token" })[0]!.query).getAll("scope"), ["repository:team/app:metadata_read"])
    } finally {
      await registryFetch.close()
    }
  })

  it("blobs: 307 to storage, followed without Authorization (storage refuses it)", async () => {
    const registryFetch = makeRegistryFetch({ adapters: [entraAdapter(acr, entra)] })
    try {
      const manifest = await (await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`)).json() as { layers: Array<{ digest: string }> }
      acr.log.clear()
      const blob = await registryFetch(`https://${REGISTRY}/v2/team/app/blobs/${manifest.layers[0]!.digest}`)
      assert.strictEqual(blob.status, 200)
      assert.isTrue(blob.redirected)
      await blob.arrayBuffer()
      assert.deepStrictEqual(acr.log.entries.map((e) => `${e.server} ${e.status} ${e.authorization}`), ["registry 307 bearer", "cdn 200 none"])
    } finally {
      await registryFetch.close()
    }
  })

  it("without a credential anywhere (Entra off), anonymous: the registry's 401 stays a typed error, no exchange", async () => {
    const registryFetch = makeRegistryFetch({
      adapters: [RegistryAdapter.retarget(Acr.make({ entra: false }), { origin: acr.origin, realm: null })]
    })
    try {
      acr.log.clear()
      const error = await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "InsufficientScope")
      assert.strictEqual(server("exchange"), 0)
    } finally {
      await registryFetch.close()
    }
  })
})

describe("Acr.layerAzureCredential", () => {
  it.effect("the TokenCredential of the AzureCredential service is the Entra path of the adapter it registers", () =>
    Effect.gen(function* () {
      const entra = EntraStandIn.start()
      const registries = yield* Registries.Registries.pipe(
        Effect.provide(Acr.layerAzureCredential.pipe(Layer.provide(Layer.succeed(Entra.AzureCredential, entra.credential))))
      )
      const adapter = registries.resolve(REGISTRY)
      assert.strictEqual(adapter.name, "acr")
      const seen: Array<URLSearchParams> = []
      const send: RegistryAdapter.CredentialContext["send"] = (request) =>
        Effect.sync(() => {
          const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
          seen.push(new URLSearchParams(body))
          return HttpClientResponse.fromWeb(request, Response.json({ refresh_token: "header.eyJleHAiOjQxMDI0NDQ4MDB9.sig" }))
        })
      const credential = yield* Option.getOrThrow(adapter.credentials)(REGISTRY, { origin: `https://${REGISTRY}`, send })
      assert.strictEqual(entra.calls.length, 1)
      assert.strictEqual(seen[0]!.get("access_token"), entra.issued[0]!.token)
      assert.strictEqual(seen[0]!.get("tenant"), entra.tenantId)
      const value = Option.getOrThrow(credential)
      assert.strictEqual(value._tag, "IdentityToken")
      assert.strictEqual(value._tag === "IdentityToken" ? value.expiresAt?.epochMilliseconds : 0, 4102444800000, "the refresh token's JWT exp")
    }))
})

describe("ACR: the default Entra credential", () => {
  it("DefaultAzureCredential (the real one) that cannot answer is no credential: an anonymous pull where the registry allows it", async () => {
    // Only its EnvironmentCredential, with no AZURE_* variable: unavailable at once, no managed-identity probe on the network.
    const saved = { ...process.env }
    process.env.AZURE_TOKEN_CREDENTIALS = "EnvironmentCredential"
    for (const name of Object.keys(process.env)) if (name.startsWith("AZURE_") && name !== "AZURE_TOKEN_CREDENTIALS") delete process.env[name]
    const acr = await RegistryEmulator.start({ profile: "acr", service: REGISTRY })
    acr.pushImage("public/app", "1.0")
    const registryFetch = makeRegistryFetch({ adapters: [RegistryAdapter.retarget(Acr.adapter, { origin: acr.origin, realm: null })] })
    try {
      const response = await registryFetch(`https://${REGISTRY}/v2/public/app/manifests/1.0`, { method: "HEAD" })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(acr.log.count({ server: "exchange" }), 0)
      assert.deepStrictEqual(acr.log.filter({ server: "token" }).map((e) => `${e.method} ${e.authorization}`), ["GET none"])
    } finally {
      await registryFetch.close()
      await acr.close()
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
    }
  })
})

const bounds = { responseTimeout: Duration.millis(Budget.scaled(10_000)), deadline: Duration.millis(Budget.scaled(30_000)) }

describe("ACR acceptance: counts", () => {
  it("1,000 concurrent cold requests for one repository → 1 Entra token, 1 exchange, 1 access token; 10 repositories → still 1 and 1", async () => {
    const entra = EntraStandIn.start()
    const acr = await RegistryEmulator.start({
      profile: "acr",
      service: REGISTRY,
      identity: entra.verify,
      grants: [{ account: entra.subject, name: "team/*", actions: ["pull", "metadata_read"] }],
      privateRepositories: ["*"]
    })
    acr.pushImage("team/app", "1.0")
    for (let i = 0; i < 10; i++) acr.pushImage(`team/repo${i}`, "latest")
    // The client's default bounds (10 s per response, 30 s in all), scaled: 1,000 requests answered by an
    // emulator in this process on a busy machine can outlast 10 s; here the bounds only catch a hang.
    const registryFetch = makeRegistryFetch({ adapters: [entraAdapter(acr, entra)], ...bounds })
    try {
      const responses = await Promise.all(
        Array.from({ length: 1000 }, () => registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`, { method: "HEAD" }))
      )
      assert.isTrue(responses.every((r) => r.status === 200))
      assert.strictEqual(entra.issued.length, 1, "Entra tokens")
      assert.strictEqual(acr.log.count({ server: "exchange" }), 1, "exchanges")
      assert.strictEqual(acr.log.count({ server: "token" }), 1, "access-token requests")
      assert.strictEqual(acr.log.count({ server: "registry", status: 401 }), 1, "one discovery")
      const more = await Promise.all(
        Array.from({ length: 100 }, (_, i) => registryFetch(`https://${REGISTRY}/v2/team/repo${i % 10}/manifests/latest`, { method: "HEAD" }))
      )
      assert.isTrue(more.every((r) => r.status === 200))
      assert.strictEqual(entra.issued.length, 1, "still 1 Entra token")
      assert.strictEqual(acr.log.count({ server: "exchange" }), 1, "still 1 exchange")
      assert.strictEqual(acr.log.count({ server: "token" }), 11, "one access token per scope set")
    } finally {
      await registryFetch.close()
      await acr.close()
    }
  }, Budget.scaled(60_000))

  it("two registries share the Entra token: 1 Entra token, 1 exchange each", async () => {
    const entra = EntraStandIn.start()
    const options = { profile: "acr" as const, identity: entra.verify, grants: [{ account: entra.subject, name: "*", actions: ["pull"] }] }
    const one = await RegistryEmulator.start({ ...options, service: "contoso.azurecr.io" })
    const two = await RegistryEmulator.start({ ...options, service: "fabrikam.azurecr.io" })
    one.pushImage("app", "1")
    two.pushImage("app", "1")
    const source = Acr.make({ entra: { credential: entra.credential } })
    const route = (adapter: RegistryAdapter.RegistryAdapter, host: string, emulator: RegistryEmulator.RegistryEmulator) =>
      RegistryAdapter.extend(adapter, { matches: (h) => h === host, origin: () => emulator.origin })
    const registryFetch = makeRegistryFetch({
      adapters: [route(source, "contoso.azurecr.io", one), route(source, "fabrikam.azurecr.io", two)]
    })
    try {
      assert.strictEqual((await registryFetch("https://contoso.azurecr.io/v2/app/manifests/1", { method: "HEAD" })).status, 200)
      assert.strictEqual((await registryFetch("https://fabrikam.azurecr.io/v2/app/manifests/1", { method: "HEAD" })).status, 200)
      assert.strictEqual(entra.issued.length, 1)
      assert.strictEqual(one.log.count({ server: "exchange" }) + two.log.count({ server: "exchange" }), 2)
    } finally {
      await registryFetch.close()
      await Promise.all([one.close(), two.close()])
    }
  })

  it.effect("3 hours on the TestClock: Entra tokens renewed ahead of their expiry, no expired token ever presented", () =>
    Effect.scoped(
      Effect.gen(function* () {
        // Entra tokens live 75 min and ask to be renewed after half of it (refreshAfterTimestamp);
        // ACR refresh tokens live 1 h here, access tokens 4500 s (JWT exp).
        const entra = yield* EntraStandIn.make({ lifetime: "75 minutes", refreshAfter: true })
        const acr = yield* RegistryEmulator.make({
          profile: "acr",
          service: REGISTRY,
          identity: entra.verify,
          refreshTokenTtl: "1 hour",
          grants: [{ account: entra.subject, name: "team/*", actions: ["pull", "metadata_read"] }],
          privateRepositories: ["*"]
        })
        for (let i = 0; i < 3; i++) acr.pushImage(`team/repo${i}`, "latest")
        const layer = RegistryClient.layerClient().pipe(
          Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
          Layer.provide(Layer.mergeAll(
            RegistryClient.layerFetchTransport,
            Registries.layer([entraAdapter(acr, entra)]),
            CredentialProvider.layerAnonymous,
            AuthEvent.layer(() => Effect.void)
          ))
        )
        yield* Effect.gen(function* () {
          const client = yield* RegistryClient.RegistryClient
          for (let minute = 0; minute <= 180; minute += 5) {
            for (let i = 0; i < 3; i++) {
              const response = yield* client.execute(HttpClientRequest.head(`https://${REGISTRY}/v2/team/repo${i}/manifests/latest`))
              assert.strictEqual(response.status, 200, `minute ${minute}, repository ${i}`)
            }
            yield* TestClock.adjust("5 minutes")
            // Let a background renewal that the adjustment started finish.
            for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
          }
        }).pipe(Effect.provide(layer))
        const refused = acr.log.filter((e) => e.status === 401 && (e.server !== "registry" || e.authorization !== "none"))
        assert.deepStrictEqual(refused, [], "no expired Entra, refresh or access token was ever refused")
        assert.isAtLeast(acr.log.count({ server: "registry", status: 401, authorization: "none" }), 1, "discoveries (the challenge store forgets a realm after its TTL)")
        assert.strictEqual(entra.expiredPresented, 0)
        assert.isAtLeast(entra.issued.length, 3, "Entra tokens renewed over 3 hours")
        assert.isAtMost(entra.issued.length, 5)
        for (let i = 1; i < entra.issued.length; i++) {
          const renewedAt = entra.issued[i]!.expiresOnTimestamp - 75 * 60_000
          assert.isBelow(renewedAt, entra.issued[i - 1]!.expiresOnTimestamp, `Entra token ${i} came before the previous one expired`)
        }
        // Refresh tokens (1 h) are renewed ahead of expiry: at 0, then every ~54 minutes.
        assert.strictEqual(acr.log.count({ server: "exchange" }), 4, "an exchange per refresh token")
        assert.strictEqual(entra.issued.length, 4, "each exchange found the Entra token past its refreshAfterTimestamp")
      })
    ), Budget.scaled(120_000))
})

describe("ACR: no Azure secret in any error, event or log", () => {
  const CLIENT_SECRET = "CANARY-client-secret-7f3a"
  const texts = (value: unknown) => [String(value), JSON.stringify(value) ?? "", inspect(value, { depth: 8, showHidden: true })]

  it("Entra, exchange and token-endpoint failures: the client secret, Entra tokens and refresh tokens appear nowhere", async () => {
    const entra = EntraStandIn.start()
    const acr = await RegistryEmulator.start({
      profile: "acr",
      service: REGISTRY,
      identity: entra.verify,
      grants: [{ account: entra.subject, name: "team/*", actions: ["pull"] }],
      privateRepositories: ["*"]
    })
    acr.pushImage("team/app", "1.0")
    const refresh = acr.tokenServer.issueRefreshToken(entra.subject, -1)
    const events: Array<unknown> = []
    const seen: Array<string> = []
    const attempt = async (adapter: RegistryAdapter.RegistryAdapter, credentials: Record<string, { identityToken: string; username: string }> = {}) => {
      const registryFetch = makeRegistryFetch({ adapters: [adapter], credentials, onEvent: (e) => events.push(e) })
      try {
        return await registryFetch(`https://${REGISTRY}/v2/team/app/manifests/1.0`, { method: "HEAD" }).catch((e: unknown) => e)
      } finally {
        await registryFetch.close()
      }
    }
    try {
      // 1. The credential fails, as a ClientSecretCredential with a bad secret would, quoting it.
      const failing = EntraStandIn.start({ fail: Object.assign(new Error(`AADSTS7000215: Invalid client secret ${CLIENT_SECRET}`), { name: "AuthenticationError" }) })
      const entraError = await attempt(RegistryAdapter.retarget(Acr.make({ entra: { credential: failing.credential } }), { origin: acr.origin, realm: null }))
      assert.strictEqual((entraError as { _tag: string })._tag, "CredentialError")
      assert.include((entraError as Error).message, "getToken failed (AuthenticationError)")
      seen.push(...texts(entraError))
      // 2. The exchange refuses the Entra token.
      const undo = acr.faults.add({ path: "/oauth2/exchange", status: 401 })
      const exchangeError = await attempt(entraAdapter(acr, entra))
      undo()
      assert.strictEqual((exchangeError as { _tag: string })._tag, "CredentialError")
      assert.include((exchangeError as Error).message, "the exchange answered 401")
      seen.push(...texts(exchangeError))
      // 3. The token endpoint refuses an expired refresh token.
      const tokenError = await attempt(entraAdapter(acr, entra), { [REGISTRY]: { identityToken: refresh, username: "00000000-0000-0000-0000-000000000000" } })
      assert.strictEqual((tokenError as { _tag: string })._tag, "TokenRequestError")
      seen.push(...texts(tokenError))
      // 4. A successful Entra flow, for its events.
      assert.strictEqual(((await attempt(entraAdapter(acr, entra))) as Response).status, 200)
      seen.push(...events.flatMap(texts))
      const secrets = [CLIENT_SECRET, refresh, ...entra.issued.map((t) => t.token)]
      assert.isAtLeast(entra.issued.length, 2)
      for (const text of seen) for (const secret of secrets) assert.notInclude(text, secret)
      assert.notInclude(acr.log.format(), entra.issued[0]!.token)
    } finally {
      await acr.close()
    }
  })
})
