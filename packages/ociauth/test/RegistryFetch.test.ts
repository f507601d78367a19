/**
 * The batteries: `makeRegistryFetch` from `ociauth` knows Docker Hub and GHCR
 * without being told, lets the caller's adapters win, and reads the machine's
 * credentials. The built-in adapters point at the real hosts; a transport that
 * routes those hosts to the emulator's dockerHub profile stands in for the
 * internet, so what is tested is the adapters exactly as shipped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpClient, HttpClientRequest } from "effect/http"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import { Acr, Builtins, CredentialProvider, DockerHub, Ecr, EcrPublic, Gar, Ghcr, GitLab, makeRegistryFetch, NodeRegistryClient, Nvcr, Quay, RegistryAdapter, Registries } from "ociauth"

const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"

/** A `fetch` that sends `from` hosts to `to` origins and records what it was asked. */
const routingFetch = (routes: Readonly<Record<string, string>>) => {
  const seen: Array<string> = []
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    seen.push(url.href)
    const target = routes[url.host]
    if (target === undefined) return Promise.reject(new TypeError(`no route to ${url.host} in this test`))
    const routed = new URL(url.pathname + url.search, target)
    return globalThis.fetch(input instanceof Request ? new Request(routed, input) : routed, init)
  }
  return { fetch: fetch as typeof globalThis.fetch, seen }
}

describe("ociauth: makeRegistryFetch with the built-in adapters", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let digest: string
  let routes: Record<string, string>
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { me: "pw-SECRET-1" }, privateRepositories: ["me/*"] })
    digest = hub.pushImage("library/alpine", "latest").digest
    hub.pushImage("me/private", "1.0")
    routes = { "registry-1.docker.io": hub.origin, "auth.docker.io": new URL(hub.challenge.realm).origin }
  })
  afterAll(() => hub.close())

  it("registers every built-in adapter for a public host", () => {
    assert.deepStrictEqual(Builtins.adapters.map((a) => a.name), [DockerHub.adapter.name, Ghcr.adapter.name, Quay.adapter.name, GitLab.adapter.name, Nvcr.adapter.name, Ecr.adapter.name, EcrPublic.adapter.name, Acr.adapter.name, Gar.adapter.name])
    const registries = Registries.make(Builtins.adapters)
    for (const [host, name] of [["docker.io", DockerHub.adapter.name], ["quay.io", Quay.adapter.name], ["registry.gitlab.com", GitLab.adapter.name], ["nvcr.io", Nvcr.adapter.name], ["123456789012.dkr.ecr.eu-west-1.amazonaws.com", Ecr.adapter.name], ["public.ecr.aws", EcrPublic.adapter.name], ["contoso.azurecr.io", Acr.adapter.name], ["contoso.westeurope.geo.azurecr.cn", Acr.adapter.name], ["us-central1-docker.pkg.dev", Gar.adapter.name], ["gcr.io", Gar.adapter.name]] as const) {
      assert.strictEqual(registries.resolve(host).name, name)
    }
  })

  it("https://docker.io/v2/_catalog fails with Unsupported, no request sent", async () => {
    const transport = routingFetch(routes)
    const registryFetch = makeRegistryFetch({ fetch: transport.fetch, credentials: {} })
    try {
      const error = await registryFetch("https://docker.io/v2/_catalog").then(
        () => assert.fail("expected a rejection"),
        (e: unknown) => e as { readonly _tag: string }
      )
      assert.strictEqual(error._tag, "Unsupported")
      assert.deepStrictEqual(transport.seen, [])
    } finally {
      await registryFetch.close()
    }
  })

  it("docker.io/v2/alpine/… gets library/, registry-1 and auth.docker.io's token for registry.docker.io", async () => {
    const transport = routingFetch(routes)
    const registryFetch = makeRegistryFetch({ fetch: transport.fetch, credentials: {} })
    hub.log.clear()
    try {
      const response = await registryFetch("https://docker.io/v2/alpine/manifests/latest", { method: "HEAD", headers: { accept: ACCEPT } })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("docker-content-digest"), digest)
      assert.deepStrictEqual(
        transport.seen.map((u) => new URL(u).origin + new URL(u).pathname),
        ["https://auth.docker.io/token", "https://registry-1.docker.io/v2/library/alpine/manifests/latest"]
      )
      const token = new URL(transport.seen[0]!)
      assert.strictEqual(token.searchParams.get("service"), "registry.docker.io")
      assert.strictEqual(token.searchParams.get("scope"), "repository:library/alpine:pull")
    } finally {
      await registryFetch.close()
    }
  })

  it("the caller's adapters take precedence over the built-in ones", async () => {
    const registryFetch = makeRegistryFetch({
      adapters: [DockerHub.make({ origin: hub.origin, realm: hub.challenge.realm })],
      credentials: {}
    })
    hub.log.clear()
    try {
      const response = await registryFetch("https://docker.io/v2/alpine/manifests/latest", { method: "HEAD", headers: { accept: ACCEPT } })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(hub.log.count({ server: "registry", path: "/v2/library/alpine/manifests/latest" }), 1)
    } finally {
      await registryFetch.close()
    }
  })

  it("the Effect runtime has the same batteries (NodeRegistryClient)", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.head("https://docker.io/v2/alpine/manifests/latest").pipe(HttpClientRequest.setHeader("accept", ACCEPT))
      )
      assert.strictEqual(response.headers["docker-content-digest"], digest)
    }).pipe(
      Effect.provide(
        NodeRegistryClient.layerWith({
          adapters: [DockerHub.make({ origin: hub.origin, realm: hub.challenge.realm })],
          credentialProvider: CredentialProvider.layerAnonymous
        })
      ),
      Effect.runPromise
    ))

  describe("the machine's credentials", () => {
    const saved = { ...process.env }
    let folder: string
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), "ociauth-docker-config-"))
    })
    afterEach(() => {
      for (const key of ["DOCKER_CONFIG", "DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE", "HOME", "XDG_RUNTIME_DIR"]) {
        if (saved[key] === undefined) delete process.env[key]
        else process.env[key] = saved[key]
      }
    })
    afterAll(() => rmSync(folder, { recursive: true, force: true }))

    const isolate = (dockerConfig: string) => {
      process.env.DOCKER_CONFIG = dockerConfig
      process.env.HOME = folder
      process.env.REGISTRY_AUTH_FILE = join(folder, "no-podman-auth.json")
      delete process.env.DOCKER_AUTH_CONFIG
      delete process.env.XDG_RUNTIME_DIR
    }

    it("are read from $DOCKER_CONFIG/config.json when no credentials are given", async () => {
      const dockerConfig = join(folder, "docker")
      rmSync(dockerConfig, { recursive: true, force: true })
      mkdirSync(dockerConfig, { recursive: true })
      writeFileSync(
        join(dockerConfig, "config.json"),
        JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: Buffer.from("me:pw-SECRET-1").toString("base64") } } })
      )
      isolate(dockerConfig)
      const registryFetch = makeRegistryFetch({ fetch: routingFetch(routes).fetch })
      hub.log.clear()
      try {
        const response = await registryFetch("https://docker.io/v2/me/private/manifests/1.0", { method: "HEAD", headers: { accept: ACCEPT } })
        assert.strictEqual(response.status, 200)
        const token = hub.log.filter({ server: "token" })
        assert.strictEqual(token.length, 1)
        assert.match(token[0]!.authorization, /^Basic/i)
      } finally {
        await registryFetch.close()
      }
    })

    it("without them the same pull is anonymous and refused (InsufficientScope)", async () => {
      const empty = join(folder, "empty")
      mkdirSync(empty, { recursive: true })
      isolate(empty)
      const registryFetch = makeRegistryFetch({ fetch: routingFetch(routes).fetch })
      try {
        const outcome = await registryFetch("https://docker.io/v2/me/private/manifests/1.0", { method: "HEAD", headers: { accept: ACCEPT } }).then(
          (response) => `status ${response.status}`,
          (e: unknown) => (e as { readonly _tag?: string })._tag ?? String(e)
        )
        // Docker Hub grants an anonymous caller nothing on a private repository; the
        // adapter reads the token's grant and fails before sending the request.
        assert.strictEqual(outcome, "InsufficientScope")
      } finally {
        await registryFetch.close()
      }
    })
  })

  it("RegistryAdapter is re-exported as the same module as @ociauth/core's", async () => {
    const core = await import("@ociauth/core")
    assert.strictEqual(RegistryAdapter.make, core.RegistryAdapter.make)
  })
})
