/**
 * Against the real CNCF distribution registry trusting our TokenServer: push
 * (upload, cross-repository mount, manifest PUT), pull, tags, catalog and
 * delete, through the Effect layer and through the façade, counting every
 * request each operation costs.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { DistributionRegistry, Image, TokenServer } from "@ociauth/testing"
import { Effect, Layer, ManagedRuntime } from "effect"

const availability = DistributionRegistry.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

interface Answer {
  readonly status: number
  readonly header: (name: string) => string | null
  readonly text: string
}
type Send = (
  method: string,
  url: string,
  body?: Uint8Array<ArrayBuffer> | string,
  headers?: Readonly<Record<string, string>>
) => Promise<Answer>

const OCI_MANIFEST = Image.manifestMediaType
const digestOf = Image.digestOf

/** Runs the push-pull-list-delete scenario; returns the requests each step cost, by server. */
const scenario = async (origin: string, send: Send, counted: () => { registry: number; token: number }) => {
  const costs: Record<string, { registry: number; token: number }> = {}
  const step = async <A>(name: string, run: () => Promise<A>): Promise<A> => {
    const before = counted()
    const result = await run()
    const after = counted()
    costs[name] = { registry: after.registry - before.registry, token: after.token - before.token }
    return result
  }
  const repo = `alice/app-${Math.random().toString(36).slice(2, 8)}`
  const base = `${repo}-base`
  const image = Image.make([new TextEncoder().encode(`layer of ${repo}`)])
  const layer = image.layers[0]!.bytes
  const config = image.config.bytes

  const started = await step("start upload (cold, known realm)", () => send("POST", `${origin}/v2/${base}/blobs/uploads/`))
  assert.strictEqual(started.status, 202, started.text)
  const location = new URL(started.header("location")!, origin)
  location.searchParams.set("digest", digestOf(layer))
  const finished = await step("finish upload (warm)", () => send("PUT", location.href, layer, { "content-type": "application/octet-stream" }))
  assert.strictEqual(finished.status, 201, finished.text)

  const mounted = await step("cross-repository mount", () =>
    send("POST", `${origin}/v2/${repo}/blobs/uploads/?mount=${digestOf(layer)}&from=${base}`)
  )
  assert.strictEqual(mounted.status, 201, mounted.text)

  const configStart = await step("start config upload (token reused)", () => send("POST", `${origin}/v2/${repo}/blobs/uploads/`))
  const configLocation = new URL(configStart.header("location")!, origin)
  configLocation.searchParams.set("digest", digestOf(config))
  assert.strictEqual((await step("finish config upload", () => send("PUT", configLocation.href, config, { "content-type": "application/octet-stream" }))).status, 201)

  const manifest = image.manifest.text
  const put = await step("manifest PUT", () => send("PUT", `${origin}/v2/${repo}/manifests/v1`, manifest, { "content-type": OCI_MANIFEST }))
  assert.strictEqual(put.status, 201, put.text)
  const digest = put.header("docker-content-digest")!

  const pulled = await step("manifest GET (pull covered by the push token)", () => send("GET", `${origin}/v2/${repo}/manifests/v1`, undefined, { accept: OCI_MANIFEST }))
  assert.strictEqual(pulled.text, manifest)
  const tags = await step("tags list", () => send("GET", `${origin}/v2/${repo}/tags/list`))
  assert.deepStrictEqual(JSON.parse(tags.text), { name: repo, tags: ["v1"] })
  const catalog = await step("catalog (registry:catalog:*)", () => send("GET", `${origin}/v2/_catalog`))
  assert.include(JSON.parse(catalog.text).repositories, repo)
  const deleted = await step("manifest DELETE (delete scope)", () => send("DELETE", `${origin}/v2/${repo}/manifests/${digest}`))
  assert.strictEqual(deleted.status, 202, deleted.text)
  const gone = await step("manifest GET after delete", () => send("GET", `${origin}/v2/${repo}/manifests/v1`, undefined, { accept: OCI_MANIFEST }))
  assert.strictEqual(gone.status, 404)
  return costs
}

const expectedCosts = {
  "start upload (cold, known realm)": { registry: 1, token: 1 },
  "finish upload (warm)": { registry: 1, token: 0 },
  "cross-repository mount": { registry: 1, token: 1 },
  "start config upload (token reused)": { registry: 1, token: 0 },
  "finish config upload": { registry: 1, token: 0 },
  "manifest PUT": { registry: 1, token: 0 },
  "manifest GET (pull covered by the push token)": { registry: 1, token: 0 },
  "tags list": { registry: 1, token: 0 },
  "catalog (registry:catalog:*)": { registry: 1, token: 1 },
  "manifest DELETE (delete scope)": { registry: 1, token: 1 },
  "manifest GET after delete": { registry: 1, token: 0 }
}

describe.skipIf(!availability.available)("the real distribution registry", () => {
  let tokens: TokenServer.TokenServer
  let registry: DistributionRegistry.DistributionRegistry
  let adapter: RegistryAdapter.RegistryAdapter
  beforeAll(async () => {
    tokens = await TokenServer.start({ service: "ociauth-fetch", users: { alice: "pw" } })
    registry = await DistributionRegistry.start({ tokenServer: tokens })
    adapter = RegistryAdapter.make({
      name: "local-distribution",
      hosts: [registry.host],
      challenge: { scheme: "bearer", realm: tokens.realm, service: tokens.service, scopes: [] }
    })
  })
  afterAll(async () => {
    await registry?.close()
    await tokens?.close()
  })

  /** Counts requests per server at the transport, under the SDK. */
  const counter = () => {
    const seen = { registry: 0, token: 0 }
    const fetchCounting: typeof globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      if (url.origin === new URL(tokens.realm).origin) seen.token++
      else seen.registry++
      return globalThis.fetch(input, init)
    }
    return { seen, fetchCounting }
  }

  it("through the façade: every operation costs exactly the expected requests", async () => {
    const { seen, fetchCounting } = counter()
    const registryFetch = makeRegistryFetch({
      adapters: [adapter],
      credentials: { [registry.host]: { username: "alice", password: "pw" } },
      fetch: fetchCounting
    })
    try {
      const send: Send = async (method, url, body, headers) => {
        const response = await registryFetch(url, { method, ...(body === undefined ? {} : { body }), headers: { ...headers } })
        return { status: response.status, header: (n) => response.headers.get(n), text: await response.text() }
      }
      const costs = await scenario(registry.origin, send, () => ({ ...seen }))
      assert.deepStrictEqual(costs, expectedCosts)
    } finally {
      await registryFetch.close()
    }
  })

  it("through the Effect layer: the same costs", async () => {
    const { seen, fetchCounting } = counter()
    const runtime = ManagedRuntime.make(
      RegistryClient.layer.pipe(
        Layer.provide(Authenticator.layer()),
        Layer.provide(
          Layer.mergeAll(
            RegistryClient.layerFetchTransport.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetchCounting))),
            Registries.layer([adapter]),
            CredentialProvider.layerStatic({ [registry.host]: { username: "alice", password: "pw" } })
          )
        )
      )
    )
    try {
      const send: Send = (method, url, body, headers = {}) =>
        runtime.runPromise(
          Effect.gen(function* () {
            const client = yield* HttpClient.HttpClient
            const { "content-type": contentType, ...rest } = headers
            let request = HttpClientRequest.make(method as "GET")(url, { headers: rest })
            if (typeof body === "string") request = HttpClientRequest.bodyText(request, body, contentType)
            else if (body !== undefined) request = HttpClientRequest.bodyUint8Array(request, body, contentType)
            const response = yield* client.execute(request)
            const text = yield* response.text
            return { status: response.status, header: (n: string) => response.headers[n.toLowerCase()] ?? null, text }
          })
        )
      const costs = await scenario(registry.origin, send, () => ({ ...seen }))
      assert.deepStrictEqual(costs, expectedCosts)
    } finally {
      await runtime.dispose()
    }
  })

  it("pushes with credentials taken from a docker config: an explicit layer; the thin façade reads no machine state", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const dockerConfig = mkdtempSync(join(tmpdir(), "ociauth-docker-config-"))
    writeFileSync(
      join(dockerConfig, "config.json"),
      JSON.stringify({ auths: { [`http://${registry.host}/v2/`]: { auth: Buffer.from("alice:pw").toString("base64") } } })
    )
    const previous = process.env.DOCKER_CONFIG
    try {
      const explicit = makeRegistryFetch({
        adapters: [adapter],
        credentialProvider: CredentialProvider.layerDefault({ dockerConfig: { path: join(dockerConfig, "config.json") } }).pipe(
          Layer.provide(NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))))
        )
      })
      const started = await explicit(`${registry.origin}/v2/alice/from-config/blobs/uploads/`, { method: "POST" })
      assert.strictEqual(started.status, 202)
      await explicit.close()

      // @ociauth/fetch is thin: without credentials it reads no machine state (ociauth's façade does).
      process.env.DOCKER_CONFIG = dockerConfig
      const thin = makeRegistryFetch({ adapters: [adapter] })
      const refused = await thin(`${registry.origin}/v2/alice/from-config/blobs/uploads/`, { method: "POST" }).catch((e: unknown) => e)
      assert.strictEqual((refused as { _tag: string })._tag, "InsufficientScope")
      await thin.close()
    } finally {
      if (previous === undefined) delete process.env.DOCKER_CONFIG
      else process.env.DOCKER_CONFIG = previous
      rmSync(dockerConfig, { recursive: true, force: true })
    }
  })

  it("with an unknown realm the cold request costs one discovery more", async () => {
    const { seen, fetchCounting } = counter()
    const registryFetch = makeRegistryFetch({ fetch: fetchCounting, credentials: { [registry.host]: { username: "alice", password: "pw" } } })
    try {
      const response = await registryFetch(`${registry.origin}/v2/_catalog`)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(seen, { registry: 2, token: 1 })
      await registryFetch(`${registry.origin}/v2/_catalog`)
      assert.deepStrictEqual(seen, { registry: 3, token: 1 })
    } finally {
      await registryFetch.close()
    }
  })
})
