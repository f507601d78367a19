// Run by scripts/consumer-check.mjs with plain `node` in a project outside the
// workspace that installed the packed tarballs with npm. It imports every entry
// point of every package, then does real work against the emulator.
import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

const packages = JSON.parse(process.argv[2] ?? "[]")
assert.ok(packages.length > 0, "no package names given")

// 1. Every entry point: "." and one subpath per public module; internals closed.
const require = createRequire(join(process.cwd(), "package.json"))
let entries = 0
for (const name of packages) {
  const manifest = JSON.parse(readFileSync(join(process.cwd(), "node_modules", name, "package.json"), "utf8"))
  const dist = join(process.cwd(), "node_modules", name, "dist")
  // Executables run, they are not imported: the CLI's bin is checked below.
  const bins = new Set(Object.values(manifest.bin ?? {}).map((path) => path.replace(/^\.\//, "")))
  const index = await import(name)
  assert.ok(Object.keys(index).length > 0, `${name}: the index exports nothing`)
  entries++
  for (const file of readdirSync(dist)) {
    if (!file.endsWith(".js") || file === "index.js" || bins.has(`dist/${file}`)) continue
    const module = await import(`${name}/${file.slice(0, -3)}`)
    assert.ok(Object.keys(module).length > 0, `${name}/${file}: exports nothing`)
    entries++
  }
  if (readdirSync(dist).includes("internal")) {
    const internal = readdirSync(join(dist, "internal")).find((f) => f.endsWith(".js"))
    if (internal !== undefined) {
      await assert.rejects(import(`${name}/internal/${internal.slice(0, -3)}`), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, `${name}/internal/* is importable`)
    }
  }
  assert.ok(!JSON.stringify(manifest).includes("workspace:"), `${name}: a workspace: range was published`)
  assert.ok(!JSON.stringify(manifest).includes("@ociauth/source"), `${name}: the source condition was published`)
  assert.equal(dirname(require.resolve(name)), dist, `${name} resolves outside dist/`)
}
console.log(`consumer: ${entries} entry points of ${packages.length} packages imported with plain node`)

// 2. Real work against the emulator, through the packages as published.
const { RegistryEmulator } = await import("@ociauth/testing")
const { makeRegistryFetch, DockerHub, NodeRegistryClient, NodeCredentials, CredentialProvider, Registries, RegistryAdapter } = await import("ociauth")
const { RegistryClient } = await import("@ociauth/fetch")
const { HttpClient, HttpClientRequest } = await import("effect/http")
const { Context, Effect, Layer } = await import("effect")
const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"

const registry = await RegistryEmulator.start({ profile: "distribution", users: { me: "pw-consumer" }, privateRepositories: ["*"] })
const hub = await RegistryEmulator.start({ profile: "dockerHub", users: { me: "pw-hub" } })
const home = mkdtempSync(join(tmpdir(), "ociauth-consumer-home-"))
try {
  const pushed = registry.pushImage("team/app", "1.0")
  const alpine = hub.pushImage("library/alpine", "latest")

  // a. a digest with explicit credentials (generic adapter, loopback registry)
  const withCredentials = makeRegistryFetch({ credentials: { [registry.host]: { username: "me", password: "pw-consumer" } } })
  const head = await withCredentials(`${registry.origin}/v2/team/app/manifests/1.0`, { method: "HEAD", headers: { accept: ACCEPT } })
  assert.equal(head.status, 200)
  assert.equal(head.headers.get("docker-content-digest"), pushed.digest)
  await withCredentials.close()

  // b. the same with the machine's credentials, from a docker config.json
  mkdirSync(join(home, "docker"))
  const auth = Buffer.from("me:pw-consumer").toString("base64")
  writeFileSync(join(home, "docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { auth } } }))
  Object.assign(process.env, { DOCKER_CONFIG: join(home, "docker"), HOME: home, REGISTRY_AUTH_FILE: join(home, "none.json") })
  const machine = makeRegistryFetch()
  const fromConfig = await machine(`${registry.origin}/v2/team/app/manifests/1.0`, { method: "HEAD", headers: { accept: ACCEPT } })
  assert.equal(fromConfig.headers.get("docker-content-digest"), pushed.digest)
  await machine.close()

  // c. the built-in Docker Hub adapter: library/, registry-1 and auth.docker.io,
  //    the real hosts routed to the emulator by the transport
  const routes = { "registry-1.docker.io": hub.origin, "auth.docker.io": new URL(hub.challenge.realm).origin }
  const sent = []
  const routed = (input, init) => {
    const url = new URL(String(input))
    sent.push(url.host + url.pathname)
    return fetch(new URL(url.pathname + url.search, routes[url.host] ?? assert.fail(`no route to ${url.host}`)), init)
  }
  const hubFetch = makeRegistryFetch({ fetch: routed, credentials: {} })
  const alpineHead = await hubFetch("https://docker.io/v2/alpine/manifests/latest", { method: "HEAD", headers: { accept: ACCEPT } })
  assert.equal(alpineHead.headers.get("docker-content-digest"), alpine.digest)
  assert.deepEqual(sent, ["auth.docker.io/token", "registry-1.docker.io/v2/library/alpine/manifests/latest"])
  await assert.rejects(hubFetch("https://docker.io/v2/_catalog"), { _tag: "Unsupported" })
  assert.equal(sent.length, 2, "_catalog was sent")
  await hubFetch.close()

  // d. the Effect API: NodeRegistryClient, and the thin runtime with explicit layers
  const program = Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.head("https://docker.io/v2/alpine/manifests/latest").pipe(HttpClientRequest.setHeader("accept", ACCEPT))
    )
    return response.headers["docker-content-digest"]
  })
  const aimed = DockerHub.make({ origin: hub.origin, realm: hub.challenge.realm })
  assert.equal(await Effect.runPromise(program.pipe(Effect.provide(NodeRegistryClient.layerWith({ adapters: [aimed] })))), alpine.digest)
  const thin = RegistryClient.layerFetch.pipe(Layer.provide(Layer.mergeAll(Registries.layer([aimed]), CredentialProvider.layerAnonymous)))
  assert.equal(await Effect.runPromise(program.pipe(Effect.provide(thin))), alpine.digest)
  // An Effect 4 program's own service, whose layer needs an HttpClient, composed with ociauth's
  // RegistryClient layer: what "composed into larger Effect programs" means.
  class Digests extends Context.Service()("consumer/Digests") {}
  const DigestsLive = Layer.effect(
    Digests,
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      return {
        of: (repository, tag) =>
          client
            .execute(HttpClientRequest.head(`https://docker.io/v2/${repository}/manifests/${tag}`).pipe(HttpClientRequest.setHeader("accept", ACCEPT)))
            .pipe(Effect.map((response) => response.headers["docker-content-digest"]))
      }
    })
  ).pipe(Layer.provide(NodeRegistryClient.layerWith({ adapters: [aimed] })))
  const composed = Effect.gen(function* () {
    const digests = yield* Digests
    return yield* digests.of("alpine", "latest")
  })
  assert.equal(await Effect.runPromise(composed.pipe(Effect.provide(DigestsLive))), alpine.digest)
  assert.equal(typeof NodeCredentials.layer, "object")
  assert.equal(typeof RegistryAdapter.make, "function")
  console.log(`consumer: digests ${pushed.digest.slice(0, 19)}… and ${alpine.digest.slice(0, 19)}… through the packed packages`)

  // e. ECR with its optional AWS SDK peer absent: a docker-config password needs no SDK; without
  //    one, a CredentialError that names the package to install (the SDK is loaded lazily)
  if (packages.includes("@ociauth/ecr")) {
    const { Ecr } = await import("@ociauth/ecr")
    const ecr = await RegistryEmulator.start({ profile: "ecr", users: { AWS: "pw-from-ecr-login" } })
    try {
      ecr.pushImage("team/app", "1.0")
      const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
      const adapter = RegistryAdapter.retarget(Ecr.adapter, { origin: ecr.origin })
      const configured = makeRegistryFetch({ adapters: [adapter], credentials: { [host]: { username: "AWS", password: "pw-from-ecr-login" } } })
      assert.equal((await configured(`https://${host}/v2/team/app/manifests/1.0`, { method: "HEAD", headers: { accept: ACCEPT } })).status, 200)
      await configured.close()
      const bare = makeRegistryFetch({ adapters: [adapter], credentials: {} })
      await assert.rejects(bare(`https://${host}/v2/team/app/manifests/1.0`), (error) => {
        assert.equal(error._tag, "CredentialError")
        assert.match(error.message, /@aws-sdk\/client-ecr is not installed/)
        return true
      })
      await bare.close()
      console.log("consumer: ECR without @aws-sdk/client-ecr: the docker-config password works, otherwise a CredentialError names the package")
    } finally {
      await ecr.close()
    }
  }

  // f. the CLI's bin, as npm linked it, with plain node: --version, then a probe of the emulator
  //    (run asynchronously: the emulator answers from this process)
  if (packages.includes("@ociauth/cli")) {
    const plain = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1", HOME: home }
    /** Runs one of npm's linked bins with `input` on stdin: its status and output. */
    const bin = (name, args, input = "") =>
      new Promise((resolve, reject) => {
        const child = spawn(join(process.cwd(), "node_modules", ".bin", name), args, { env: plain, stdio: ["pipe", "pipe", "pipe"] })
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (chunk) => (stdout += chunk))
        child.stderr.on("data", (chunk) => (stderr += chunk))
        child.on("error", reject)
        child.on("close", (status) => resolve({ status, stdout, stderr }))
        child.stdin.end(input)
      })
    const ociauth = (args) => bin("ociauth", args)
    const cliManifest = JSON.parse(readFileSync(join(process.cwd(), "node_modules", "@ociauth", "cli", "package.json"), "utf8"))
    const version = await ociauth(["--version"])
    assert.equal(version.status, 0, version.stderr)
    assert.equal(version.stdout.trim(), cliManifest.version)
    const probe = await ociauth(["probe", hub.host, "alpine", "--insecure", "--json"])
    assert.equal(probe.status, 0, probe.stderr)
    const { findings } = JSON.parse(probe.stdout)
    assert.deepEqual([...findings.quirks].sort(), ["catalog-unsupported", "library-prefix"])
    const usage = await ociauth(["login", hub.host])
    assert.equal(usage.status, 2, "a usage error exits 2")
    console.log(`consumer: the ociauth bin probed ${hub.host}: quirks ${findings.quirks.join(", ")}`)
    // docker-credential-ociauth, as npm linked it: an unknown host is "credentials not found" (exit 1),
    // which is what lets docker fall back; `list` answers a JSON object.
    const helper = (verb, input) => bin("docker-credential-ociauth", [verb], input)
    const unknown = await helper("get", "registry.unknown.example")
    assert.equal(unknown.status, 1, unknown.stderr)
    assert.match(unknown.stdout, /credentials not found/)
    const listed = await helper("list", "")
    assert.equal(listed.status, 0, listed.stderr)
    assert.equal(typeof JSON.parse(listed.stdout), "object")
    console.log("consumer: docker-credential-ociauth answers get (not found) and list through the bin")
  }
} finally {
  rmSync(home, { recursive: true, force: true })
  await registry.close()
  await hub.close()
}
