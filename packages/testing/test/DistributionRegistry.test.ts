/**
 * The real CNCF distribution registry (Debian's docker-registry) trusting our
 * TokenServer. Skipped, loudly, only where the binary is missing outside CI.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Scope } from "@ociauth/core"
import { Budget, DistributionRegistry, Image, TokenServer } from "@ociauth/testing"
import { basic, bearer, challengeOf, requestToken, tokenFrom } from "./utils.js"

const availability = DistributionRegistry.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)


describe.skipIf(!availability.available)("DistributionRegistry (real docker-registry)", () => {
  let tokens: TokenServer.TokenServer
  let registry: DistributionRegistry.DistributionRegistry
  const token = async (scopes: ReadonlyArray<string>, user = true) =>
    tokenFrom(await requestToken(tokens.realm, tokens.service, scopes, user ? basic("alice", "pw") : undefined))

  beforeAll(async () => {
    tokens = await TokenServer.start({ service: "ociauth-real", users: { alice: "pw" } })
    registry = await DistributionRegistry.start({ tokenServer: tokens })
  })
  afterAll(async () => {
    await registry?.close()
    await tokens?.close()
  })

  const upload = async (repository: string, bytes: Uint8Array<ArrayBuffer>, jwt: string) => {
    const start = await fetch(`${registry.origin}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: { authorization: bearer(jwt) } })
    assert.strictEqual(start.status, 202, await start.clone().text())
    const location = new URL(start.headers.get("location")!, registry.origin)
    location.searchParams.set("digest", Image.digestOf(bytes))
    const put = await fetch(location, {
      method: "PUT",
      headers: { authorization: bearer(jwt), "content-type": "application/octet-stream" },
      body: bytes
    })
    assert.strictEqual(put.status, 201, await put.clone().text())
    return Image.digestOf(bytes)
  }

  it("challenges with the token server's realm and service", async () => {
    const response = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`)
    assert.strictEqual(response.status, 401)
    const challenge = challengeOf(response)
    assert.strictEqual(challenge.realm, tokens.realm)
    assert.strictEqual(challenge.service, "ociauth-real")
    assert.deepStrictEqual(challenge.scopes.map(Scope.format), ["repository:alice/app:pull"])
  })

  it("accepts the TokenServer's tokens: push, mount, tag, pull, list, catalog, delete", async () => {
    const push = await token(["repository:alice/app:pull,push", "repository:alice/base:pull,push"])
    const image = Image.make([new TextEncoder().encode("hello from ociauth")])
    const [layer] = image.layers
    const layerDigest = await upload("alice/base", layer!.bytes, push)
    const mount = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/?mount=${layerDigest}&from=alice/base`, {
      method: "POST",
      headers: { authorization: bearer(push) }
    })
    assert.strictEqual(mount.status, 201)
    await upload("alice/app", image.config.bytes, push)
    const manifest = image.manifest.text
    const put = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`, {
      method: "PUT",
      headers: { authorization: bearer(push), "content-type": Image.manifestMediaType },
      body: manifest
    })
    assert.strictEqual(put.status, 201, await put.clone().text())
    const digest = put.headers.get("docker-content-digest")!

    const pull = await token(["repository:alice/app:pull"], false)
    const got = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`, {
      headers: { authorization: bearer(pull), accept: "application/vnd.oci.image.manifest.v1+json" }
    })
    assert.strictEqual(got.status, 200)
    assert.strictEqual(got.headers.get("docker-content-digest"), digest)
    assert.strictEqual(await got.text(), manifest)
    const tags = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(pull) } })
    assert.deepStrictEqual(await tags.json(), { name: "alice/app", tags: ["v1"] })

    const catalog = await fetch(`${registry.origin}/v2/_catalog`, { headers: { authorization: bearer(await token(["registry:catalog:*"])) } })
    assert.deepStrictEqual(await catalog.json(), { repositories: ["alice/app", "alice/base"] })

    const del = await fetch(`${registry.origin}/v2/alice/app/manifests/${digest}`, {
      method: "DELETE",
      headers: { authorization: bearer(await token(["repository:alice/app:delete"])) }
    })
    assert.strictEqual(del.status, 202)
  })

  it("pushImage puts an image in it through its API: pulled back byte for byte, by tag and by digest", async () => {
    const layer = new TextEncoder().encode("a layer pushed by pushImage")
    const before = tokens.log.count()
    const image = await registry.pushImage("alice/pushed", "1.0", { layers: [layer] })
    assert.strictEqual(tokens.log.count(), before, "the token server issued directly: no token request")
    assert.deepStrictEqual(image.layers, [Image.digestOf(layer)])
    const pull = await token(["repository:alice/pushed:pull"], false)
    const headers = { authorization: bearer(pull), accept: Image.manifestMediaType }
    const byTag = await fetch(`${registry.origin}/v2/alice/pushed/manifests/1.0`, { headers })
    assert.strictEqual(byTag.status, 200)
    assert.strictEqual(byTag.headers.get("docker-content-digest"), image.digest)
    const manifest = JSON.parse(await byTag.text()) as { config: { digest: string }; layers: ReadonlyArray<{ digest: string }> }
    assert.strictEqual(manifest.config.digest, image.config)
    assert.deepStrictEqual(manifest.layers.map((l) => l.digest), image.layers)
    const byDigest = await fetch(`${registry.origin}/v2/alice/pushed/manifests/${image.digest}`, { method: "HEAD", headers })
    assert.strictEqual(byDigest.status, 200)
    const blob = await fetch(`${registry.origin}/v2/alice/pushed/blobs/${image.layers[0]}`, { headers: { authorization: bearer(pull) } })
    assert.deepStrictEqual(new Uint8Array(await blob.arrayBuffer()), layer)
    const tags = await fetch(`${registry.origin}/v2/alice/pushed/tags/list`, { headers: { authorization: bearer(pull) } })
    assert.deepStrictEqual(await tags.json(), { name: "alice/pushed", tags: ["1.0"] })
  })

  it("pushImage with a token of its own; a token without push is a PushError naming the registry's answer", async () => {
    const push = await token(["repository:alice/own:pull,push"])
    const image = await registry.pushImage("alice/own", "v1", { token: push })
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/)
    const pullOnly = await token(["repository:alice/own:pull"], false)
    const error = await registry.pushImage("alice/own", "v2", { token: pullOnly }).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, DistributionRegistry.PushError)
    assert.include((error as Error).message, "alice/own:v2")
    assert.include((error as Error).message, "answered 401")
  })

  it("pushImage without a token or a token server that issues one is a PushError", async () => {
    const bare = await DistributionRegistry.start({
      tokenServer: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertificatePem: tokens.rootCertificatePem }
    })
    try {
      const error = await bare.pushImage("alice/app", "v1").then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, DistributionRegistry.PushError)
      assert.include((error as Error).message, "no token")
    } finally {
      await bare.close()
    }
  })

  it("rejects a token without the needed action: 401 insufficient_scope naming the scope", async () => {
    const pullOnly = await token(["repository:alice/app:pull"], false)
    const response = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/`, { method: "POST", headers: { authorization: bearer(pullOnly) } })
    assert.strictEqual(response.status, 401)
    const challenge = challengeOf(response)
    assert.strictEqual(challenge.error, "insufficient_scope")
    assert.deepStrictEqual(challenge.scopes.map(Scope.format), ["repository:alice/app:pull,push"])
  })

  it("rejects a token for another repository, and a narrowed one", async () => {
    const other = await token(["repository:alice/other:pull"])
    const wrongRepo = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(other) } })
    assert.strictEqual(challengeOf(wrongRepo).error, "insufficient_scope")
    const narrowed = await token(["repository:alice/app:pull,push"], false) // anonymous: narrowed to pull
    const push = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/`, { method: "POST", headers: { authorization: bearer(narrowed) } })
    assert.strictEqual(push.status, 401)
  })

  it("rejects a token the TokenServer issued for another service (audience) as invalid_token", async () => {
    const wrong = await tokenFrom(await requestToken(tokens.realm, "not-ociauth-real", ["repository:alice/app:pull"], basic("alice", "pw")))
    const response = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(wrong) } })
    assert.strictEqual(response.status, 401)
    assert.strictEqual(challengeOf(response).error, "invalid_token")
  })

  it("rejects expired tokens and tokens from another issuer as invalid_token", async () => {
    const expired = tokens.issue("alice", [Scope.repository("alice/app", ["pull"])], -300)
    const stale = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(expired) } })
    assert.strictEqual(stale.status, 401)
    assert.strictEqual(challengeOf(stale).error, "invalid_token")
    const stranger = await TokenServer.start({ service: "ociauth-real", issuer: tokens.issuer })
    try {
      const foreign = stranger.issue("alice", [Scope.repository("alice/app", ["pull"])])
      const response = await fetch(`${registry.origin}/v2/alice/app/tags/list`, { headers: { authorization: bearer(foreign) } })
      assert.strictEqual(response.status, 401)
      assert.strictEqual(challengeOf(response).error, "invalid_token")
    } finally {
      await stranger.close()
    }
  })
})

describe.skipIf(!availability.available)("DistributionRegistry as a scoped Effect resource", () => {
  it.live("stops the process and removes its directory when the scope closes", () =>
    Effect.gen(function* () {
      const { origin, directory } = yield* Effect.scoped(
        Effect.gen(function* () {
          const tokens = yield* TokenServer.make({ service: "scoped" })
          const registry = yield* DistributionRegistry.make({ tokenServer: tokens })
          const response = yield* Effect.promise(() => fetch(`${registry.origin}/v2/`))
          assert.strictEqual(response.status, 401)
          return registry
        })
      )
      const after = yield* Effect.promise(() => fetch(`${origin}/v2/`).then(() => "answered", () => "stopped"))
      assert.strictEqual(after, "stopped")
      const { existsSync } = yield* Effect.promise(() => import("node:fs"))
      assert.isFalse(existsSync(directory))
    }))
})

describe.skipIf(!availability.available)("DistributionRegistry when its process dies", () => {
  it("a harness that never reaches close leaves no registry running", { timeout: Budget.scaled(60_000) }, async () => {
    const { execFile } = await import("node:child_process")
    const { join } = await import("node:path")
    const tsx = join(import.meta.dirname, "..", "..", "..", "node_modules", "tsx", "dist", "cli.mjs")
    const stdout = await new Promise<string>((resolve) =>
      execFile(process.execPath, [tsx, join(import.meta.dirname, "fixtures", "abandon-registry.ts")], {
        env: { ...process.env, NODE_OPTIONS: "--conditions=@ociauth/source" }
      }, (_error, out) => resolve(String(out)))
    )
    const directory = stdout.trim().split("\n").pop()!
    assert.include(directory, "ociauth-registry-")
    // Found by its command line, never by a request: a request makes it log, and logging to the dead
    // parent's pipe would kill it whether or not the harness did.
    const { readdirSync, readFileSync } = await import("node:fs")
    const serving = () =>
      readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).some((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(directory)
        } catch {
          return false
        }
      })
    // Waits for the registry to go, with no deadline of its own: a registry left running is the
    // test's (scaled) timeout.
    while (serving()) await new Promise((resolve) => setTimeout(resolve, 100))
    assert.isFalse(serving())
  })
})

describe("DistributionRegistry without the binary", () => {
  it("fails with RegistryBinaryMissing naming the package", async () => {
    const error = await DistributionRegistry.start({
      tokenServer: { realm: "http://127.0.0.1:1/token", service: "s", issuer: "i", rootCertificatePem: "" },
      binary: "/nonexistent/docker-registry"
    }).then(() => undefined, (e: unknown) => e)
    if (availability.available) {
      // The explicit path is missing but PATH has one: it is found there instead.
      assert.isTrue(error === undefined || error instanceof DistributionRegistry.RegistryStartError)
    } else {
      assert.instanceOf(error, DistributionRegistry.RegistryBinaryMissing)
      assert.include((error as Error).message, "apt-get install -y docker-registry")
    }
  })
})
