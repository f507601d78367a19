/**
 * Acceptance against the real CNCF registry (Debian's docker-registry, token
 * mode, trusting the testing kit's TokenServer): `probe` finds a registry that
 * follows the specs, with no quirks; `login` → `request` → `logout`
 * round-trips through a real credential helper executable (docker-credential-test).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type { Findings } from "@ociauth/cli"
import { Credential, CredentialProvider } from "@ociauth/core"
import { Budget, CredentialHelperScript, DistributionRegistry, Image, TokenServer } from "@ociauth/testing"
import { Effect, Redacted } from "effect"
import { runBin, runCli } from "./utils.js"

const availability = DistributionRegistry.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

const CANARY = "CANARY-real-3d8e"

describe.skipIf(!availability.available)("against the real docker-registry", () => {
  let tokens: TokenServer.TokenServer
  let registry: DistributionRegistry.DistributionRegistry
  let helper: CredentialHelperScript.CredentialHelperScript
  let dockerConfig: string
  let digest: string
  let index: { readonly digest: string; readonly size: number }

  beforeAll(async () => {
    // Accounts may do anything; anonymous users nothing.
    tokens = await TokenServer.start({ service: "ociauth-cli", users: { alice: CANARY }, authorize: (subject) => (subject === "" ? [] : ["*"]) })
    registry = await DistributionRegistry.start({ tokenServer: tokens })
    helper = await CredentialHelperScript.write("test")
    dockerConfig = mkdtempSync(join(tmpdir(), "ociauth-cli-docker-"))
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ credsStore: "test", psFormat: "table" }, null, "\t"))
    // an image to find: pushed with a token of the account
    const body = new URLSearchParams({ service: "ociauth-cli", scope: "repository:alice/app:pull,push" })
    const issued = await fetch(`${tokens.realm}?${body}`, { headers: { authorization: `Basic ${Buffer.from(`alice:${CANARY}`).toString("base64")}` } })
    const jwt = ((await issued.json()) as { token: string }).token
    const image = Image.make([new TextEncoder().encode("cli acceptance")])
    for (const blob of [...image.layers, image.config]) {
      const start = await fetch(`${registry.origin}/v2/alice/app/blobs/uploads/`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } })
      const location = new URL(start.headers.get("location")!, registry.origin)
      location.searchParams.set("digest", blob.digest)
      const put = await fetch(location, { method: "PUT", headers: { authorization: `Bearer ${jwt}`, "content-type": "application/octet-stream" }, body: blob.bytes })
      assert.strictEqual(put.status, 201)
    }
    const manifest = await fetch(`${registry.origin}/v2/alice/app/manifests/v1`, {
      method: "PUT",
      headers: { authorization: `Bearer ${jwt}`, "content-type": image.manifest.mediaType },
      body: image.manifest.text
    })
    assert.strictEqual(manifest.status, 201)
    digest = manifest.headers.get("docker-content-digest")!
    // an OCI index of it, under its own tag
    const indexText = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: image.manifest.mediaType, digest, size: image.manifest.text.length, platform: { architecture: "amd64", os: "linux" } }]
    })
    const pushed = await fetch(`${registry.origin}/v2/alice/app/manifests/multi`, {
      method: "PUT",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/vnd.oci.image.index.v1+json" },
      body: indexText
    })
    assert.strictEqual(pushed.status, 201)
    index = { digest: pushed.headers.get("docker-content-digest")!, size: indexText.length }
  })
  afterAll(async () => {
    await registry?.close()
    await tokens?.close()
    await helper?.remove()
    rmSync(dockerConfig, { recursive: true, force: true })
  })

  it.live("probe: a registry that follows the specs, no quirks", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["probe", registry.host, "alice/app", "--insecure", "--json", "--transcript", "--user", "alice", "--password-stdin"], { stdin: CANARY })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      const { findings: f, transcript } = JSON.parse(outcome.stdout) as { findings: Findings.Findings; transcript: string }
      assert.deepStrictEqual(f.quirks, [])
      assert.strictEqual(f.base.status, 401)
      assert.strictEqual(f.base.apiVersion, "registry/2.0")
      assert.deepStrictEqual(f.base.withToken, { status: 200, body: "json" })
      assert.strictEqual(f.auth.realm, tokens.realm)
      assert.strictEqual(f.auth.service, "ociauth-cli")
      assert.strictEqual(f.challenges.repository?.scope, "repository:alice/app:pull")
      assert.strictEqual(f.challenges.catalog.scope, "registry:catalog:*")
      assert.isNull(f.placeholder)
      assert.isNull(f.library)
      assert.strictEqual(f.tokenEndpoint.post, 200)
      assert.strictEqual(f.tokenEndpoint.expiresIn, 300)
      assert.strictEqual(f.grants?.outcome, "narrowed")
      assert.strictEqual(f.catalog.supported, "credentials only")
      assert.deepStrictEqual(f.delete?.supported, "yes")
      assert.strictEqual(f.delete?.status, 404)
      assert.notInclude(outcome.stdout, CANARY)
      assert.include(transcript, `DELETE ${registry.origin}/v2/alice/app/manifests/sha256:0c1a`)
    }))

  it.live("request HEAD of a manifest URL: the real registry answers our media types; status and digest printed without -v", () =>
    Effect.gen(function* () {
      const seams = {
        credentials: CredentialProvider.layerStatic({ [registry.host]: Credential.Basic({ username: "alice", password: Redacted.make(CANARY) }) })
      }
      const manifest = `${registry.origin}/v2/alice/app/manifests/v1`
      const head = yield* runCli(["request", "HEAD", manifest], seams)
      assert.strictEqual(head.code, 0, head.stderr)
      assert.include(head.stdout, `status  200\ndigest  ${digest}\ntype    application/vnd.oci.image.manifest.v1+json\n`)
      assert.strictEqual(head.stderr, "")
      // what the registry does with a request that does not accept an OCI manifest (why request sends them all)
      const narrow = yield* runCli(["request", "HEAD", manifest, "-H", "Accept: application/vnd.docker.distribution.manifest.v2+json"], seams)
      assert.strictEqual(narrow.code, 1, narrow.stderr)
      assert.include(narrow.stderr, "answered 404")
      const none = yield* runCli(["request", "HEAD", manifest, "-H", "Accept: */*"], seams)
      assert.strictEqual(none.code, 1, none.stderr)

      // an index, by tag and by digest; GET prints it
      const byTag = yield* runCli(["request", "HEAD", `${registry.origin}/v2/alice/app/manifests/multi`], seams)
      assert.strictEqual(byTag.code, 0, byTag.stderr)
      assert.strictEqual(byTag.stdout, `status  200\ndigest  ${index.digest}\ntype    application/vnd.oci.image.index.v1+json\nsize    ${index.size} bytes\n`)
      const byDigest = yield* runCli(["request", "GET", `${registry.origin}/v2/alice/app/manifests/${index.digest}`], seams)
      assert.strictEqual(byDigest.code, 0, byDigest.stderr)
      assert.strictEqual(JSON.parse(byDigest.stdout).manifests[0].digest, digest)
      // an image reference too
      const reference = yield* runCli(["request", "HEAD", `${registry.host}/alice/app:multi`, "--insecure"], seams)
      assert.strictEqual(reference.code, 0, reference.stderr)
      assert.include(reference.stdout, `digest  ${index.digest}`)
      assert.notInclude(head.stdout + byTag.stdout + byDigest.stdout + reference.stdout, CANARY)
    }))

  // Seven child processes, each starting node and tsx: minutes on a loaded 2-core machine.
  it("login → request → logout through docker-credential-test, as a child process", { timeout: Budget.scaled(240_000) }, async () => {
    const env = { DOCKER_CONFIG: dockerConfig, PATH: helper.path, REGISTRY_AUTH_FILE: join(dockerConfig, "absent.json") }
    const target = `${registry.host}/alice/app:v1`

    const before = await runBin(["request", target, "--insecure"], { env })
    assert.strictEqual(before.code, 3, before.stderr)

    const refused = await runBin(["login", registry.host, "--username", "alice", "--password-stdin", "--insecure"], { env, stdin: "wrong-password\n" })
    assert.strictEqual(refused.code, 3, refused.stderr)
    assert.deepStrictEqual(await helper.entries(), {})

    const login = await runBin(["login", registry.host, "-u", "alice", "--password-stdin", "--insecure"], { env, stdin: `${CANARY}\n` })
    assert.strictEqual(login.code, 0, login.stderr)
    assert.include(login.stdout, "docker-credential-test")
    assert.deepStrictEqual(await helper.entries(), { [registry.host]: { Username: "alice", Secret: CANARY } })
    const config = JSON.parse(readFileSync(join(dockerConfig, "config.json"), "utf8"))
    assert.deepStrictEqual(config, { credsStore: "test", psFormat: "table", auths: { [registry.host]: {} } })

    const request = await runBin(["request", target, "--insecure", "-v"], { env })
    assert.strictEqual(request.code, 0, request.stderr)
    assert.strictEqual(JSON.parse(request.stdout).schemaVersion, 2)
    assert.include(request.stderr, `< docker-content-digest: ${digest}`) // the probe deleted nothing
    assert.include(request.stderr, "token request: GET")
    assert.include(request.stderr, "< 200")
    assert.notInclude(request.stdout + request.stderr, CANARY)

    const token = await runBin(["token", `${registry.host}/alice/app`, "--insecure", "--scope", "pull,push", "-v"], { env })
    assert.strictEqual(token.code, 0, token.stderr)
    assert.match(token.stdout.trim(), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.include(token.stderr, "granted  repository:alice/app:pull,push")
    assert.notInclude(token.stderr, token.stdout.trim())

    const logout = await runBin(["logout", registry.host], { env })
    assert.strictEqual(logout.code, 0, logout.stderr)
    assert.deepStrictEqual(await helper.entries(), {})
    assert.deepStrictEqual(JSON.parse(readFileSync(join(dockerConfig, "config.json"), "utf8")).auths, {})

    const after = await runBin(["request", target, "--insecure"], { env })
    assert.strictEqual(after.code, 3, after.stderr)
    assert.include(after.stderr, "ociauth:")
  })
})
