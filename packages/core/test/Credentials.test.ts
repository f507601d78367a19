/**
 * Credential sources against real files in temporary directories and a real
 * credential-helper executable that follows the protocol.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Credential, CredentialProvider } from "@ociauth/core"
import * as CredentialHelper from "@ociauth/core/CredentialHelper"
import * as DockerConfig from "@ociauth/core/DockerConfig"
import * as Unstable from "@ociauth/core/Unstable"
import { Config, ConfigProvider, Effect, Formatter, Layer, Option, Redacted, Result } from "effect"
import type { Duration, FileSystem, Path } from "effect"
import type { ChildProcessSpawner } from "effect/process"

const platform = NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
const b64 = (text: string) => Buffer.from(text).toString("base64")
const CANARY = "CANARY-cred-5e1"

const describeCredential = (c: Credential.Credential): string => {
  switch (c._tag) {
    case "Anonymous":
      return "anonymous"
    case "Basic":
      return `basic ${c.username}:${Redacted.value(c.password)}`
    case "IdentityToken":
      return `identity ${c.username ?? ""}:${Redacted.value(c.token)}`
    case "RegistryToken":
      return `registry ${Redacted.value(c.token)}`
  }
}

let dir: string
let helpers: string
let calls: string
const originalPath = process.env.PATH

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ociauth-creds-"))
  helpers = join(dir, "bin")
  calls = join(dir, "helper-calls.log")
  mkdirSync(helpers)
  // A credential helper following docker's protocol: `get`, the server URL on stdin.
  writeFileSync(
    join(helpers, "docker-credential-fake"),
    `#!/bin/sh
[ "$1" = "get" ] || { echo "unsupported action $1"; exit 3; }
read -r server
echo "$server" >> "${calls}"
case "$server" in
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"helper-user","Secret":"helper-secret"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"hub-identity-token"}' ;;
  missing.example) echo "credentials not found in native keychain"; exit 1 ;;
  broken.example) echo "keychain is locked"; exit 2 ;;
  garbage.example) echo "not json at all" ;;
  slow.example) sleep 30 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`
  )
  chmodSync(join(helpers, "docker-credential-fake"), 0o755)
  process.env.PATH = `${helpers}:${originalPath}`
})
afterAll(() => {
  process.env.PATH = originalPath
  rmSync(dir, { recursive: true, force: true })
})

const writeConfig = (name: string, content: unknown) => {
  const folder = join(dir, name)
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, "config.json"), typeof content === "string" ? content : JSON.stringify(content))
  return folder
}

const withEnv = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const lookupWith = (
  layer: Layer.Layer<CredentialProvider.CredentialProvider, never, FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner>,
  env: Record<string, string>, hosts: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const provider = yield* CredentialProvider.CredentialProvider
    return yield* Effect.forEach(hosts, (host) => Effect.map(provider.get(host), describeCredential))
  }).pipe(Effect.provide(layer.pipe(Layer.provide(platform))), withEnv(env))

describe("DockerConfig", () => {
  const file = "/home/u/.docker/config.json"
  const config = (auths: Record<string, unknown>, extra: object = {}) =>
    Result.getOrThrow(DockerConfig.parse(JSON.stringify({ auths, ...extra }), file))
  const found = (cfg: DockerConfig.File, host: string) => {
    const source = Result.getOrThrow(DockerConfig.lookup(cfg, host, file))
    return source._tag === "Entry" ? describeCredential(source.credential) : source._tag
  }

  it("base64 auth, username/password, identitytoken, registrytoken", () => {
    const cfg = config({
      "a.example": { auth: b64("alice:pa:ss") },
      "b.example": { username: "bob", password: "pw" },
      "c.example": { auth: b64("carol:x"), identitytoken: "refresh" },
      "d.example": { registrytoken: "bearer-as-is" },
      "e.example": {}
    })
    assert.strictEqual(found(cfg, "a.example"), "basic alice:pa:ss", "split at the first colon")
    assert.strictEqual(found(cfg, "b.example"), "basic bob:pw")
    assert.strictEqual(found(cfg, "c.example"), "identity carol:refresh")
    assert.strictEqual(found(cfg, "d.example"), "registry bearer-as-is")
    assert.strictEqual(found(cfg, "e.example"), "None")
  })

  it("Docker Hub's key https://index.docker.io/v1/ serves every Docker Hub name", () => {
    const cfg = config({ "https://index.docker.io/v1/": { auth: b64("hubuser:hubpw") } })
    for (const host of ["docker.io", "index.docker.io", "registry-1.docker.io"]) assert.strictEqual(found(cfg, host), "basic hubuser:hubpw", host)
    assert.strictEqual(DockerConfig.serverAddress("registry-1.docker.io"), "https://index.docker.io/v1/")
  })

  it("legacy URL keys stand for their host; matching is exact, never by prefix or suffix", () => {
    const cfg = config({ "http://registry.example:5000/v2/": { auth: b64("u:p") }, "ghcr.io": { auth: b64("g:h") } })
    assert.strictEqual(found(cfg, "registry.example:5000"), "basic u:p")
    assert.strictEqual(found(cfg, "registry.example"), "None", "another port is another registry")
    for (const host of ["ghcr.io.evil.example", "evil-ghcr.io", "xghcr.io", "io"]) assert.strictEqual(found(cfg, host), "None", host)
    assert.strictEqual(found(cfg, "GHCR.IO"), "basic g:h")
  })

  it("credHelpers for a host, else credsStore, else auths", () => {
    const cfg = config({ "ghcr.io": { auth: b64("file:pw") }, "other.example": { auth: b64("o:p") } }, {
      credHelpers: { "ghcr.io": "gh" },
      credsStore: "desktop"
    })
    assert.deepStrictEqual(Result.getOrThrow(DockerConfig.lookup(cfg, "ghcr.io", file)), {
      _tag: "Helper",
      helper: "gh",
      serverUrl: "ghcr.io",
      fallback: Option.some(Credential.Basic({ username: "file", password: Redacted.make("pw") }))
    } as any)
    const other = Result.getOrThrow(DockerConfig.lookup(cfg, "other.example", file))
    assert.strictEqual(other._tag === "Helper" && other.helper, "desktop")
  })

  it("malformed files and entries are typed errors naming the file, without the secret", () => {
    for (const text of ["{not json", `{"auths": {"x": {"auth": 12}}}`, "[]"]) {
      const error = Result.getFailure(DockerConfig.parse(text, file)).pipe(Option.getOrThrow)
      assert.strictEqual(error._tag, "CredentialError")
      assert.include(error.message, file)
    }
    for (const auth of [b64(`:${CANARY}`), b64(`nocolon${CANARY}`), "%%%not-base64%%%"]) {
      const cfg = config({ "x.example": { auth } })
      const error = Result.getFailure(DockerConfig.lookup(cfg, "x.example", file)).pipe(Option.getOrThrow)
      assert.include(error.message, file)
      assert.notInclude(error.message, CANARY)
      assert.notInclude(Formatter.format(error), CANARY)
    }
  })
})

describe("CredentialHelper protocol (a real helper executable)", () => {
  const get = (server: string, timeout?: Duration.Input) =>
    CredentialHelper.get("fake", server, timeout === undefined ? {} : { timeout }).pipe(
      Effect.map(Option.map(describeCredential)),
      Effect.provide(platform)
    )

  it.live("Username/Secret is Basic; Username <token> is an identity token", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* get("ghcr.io"), Option.some("basic helper-user:helper-secret"))
      assert.deepStrictEqual(yield* get("https://index.docker.io/v1/"), Option.some("identity :hub-identity-token"))
    }))

  it.live("credentials not found is anonymous; other failures are typed errors", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* get("missing.example"), Option.none())
      const broken = yield* Effect.flip(get("broken.example"))
      assert.strictEqual(broken._tag, "CredentialError")
      assert.include(broken.message, "exited with 2: keychain is locked")
      const garbage = yield* Effect.flip(get("garbage.example"))
      assert.include(garbage.message, "not {ServerURL, Username, Secret} JSON")
    }))

  it.live("a helper that does not answer in time is stopped and reported", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(get("slow.example", "300 millis"))
      assert.include(error.message, "no answer within")
    }))

  it.live("a helper that is not installed", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(CredentialHelper.get("not-installed-anywhere", "x").pipe(Effect.provide(platform)))
      assert.include(error.message, "not installed")
      const bad = yield* Effect.flip(CredentialHelper.get("../../bin/sh", "x").pipe(Effect.provide(platform)))
      assert.include(bad.message, "not a valid helper name")
    }))
})

describe("CredentialProvider.layerDockerConfig", () => {
  it.live("$DOCKER_CONFIG/config.json: auths, credHelpers and credsStore, the helper asked on every call", () =>
    Effect.gen(function* () {
      const folder = writeConfig("docker-a", {
        auths: { "https://index.docker.io/v1/": {}, "registry.example:5000": { auth: b64("local:pw") } },
        credHelpers: { "ghcr.io": "fake" },
        credsStore: "fake"
      })
      writeFileSync(calls, "")
      const results = yield* lookupWith(CredentialProvider.layerDockerConfig(), { DOCKER_CONFIG: folder, HOME: "/nonexistent" }, [
        "ghcr.io",
        "ghcr.io",
        "docker.io",
        "registry.example:5000",
        "missing.example"
      ])
      assert.deepStrictEqual(results, [
        "basic helper-user:helper-secret",
        "basic helper-user:helper-secret",
        "identity :hub-identity-token",
        "basic local:pw",
        "anonymous"
      ])
      const asked = readFileSync(calls, "utf8").trim().split("\n")
      // The provider asks on every call; the engine caches answers for their lifetime (see Authenticator tests).
      assert.strictEqual(asked.filter((s) => s === "ghcr.io").length, 2, "the provider asks the helper each time")
    }))

  it.live("~/.docker/config.json by default; a missing file means no credentials", () =>
    Effect.gen(function* () {
      const home = join(dir, "home-a")
      mkdirSync(join(home, ".docker"), { recursive: true })
      writeFileSync(join(home, ".docker", "config.json"), JSON.stringify({ auths: { "ghcr.io": { auth: b64("me:tok") } } }))
      assert.deepStrictEqual(yield* lookupWith(CredentialProvider.layerDockerConfig(), { HOME: home }, ["ghcr.io"]), ["basic me:tok"])
      assert.deepStrictEqual(yield* lookupWith(CredentialProvider.layerDockerConfig(), { HOME: join(dir, "nobody") }, ["ghcr.io"]), ["anonymous"])
    }))

  it.live("$DOCKER_AUTH_CONFIG takes precedence over the file", () =>
    Effect.gen(function* () {
      const folder = writeConfig("docker-b", { auths: { "ghcr.io": { auth: b64("file:pw") }, "quay.io": { auth: b64("q:p") } } })
      const inline = JSON.stringify({ auths: { "ghcr.io": { auth: b64("env:pw") } } })
      assert.deepStrictEqual(
        yield* lookupWith(CredentialProvider.layerDockerConfig(), { DOCKER_CONFIG: folder, DOCKER_AUTH_CONFIG: inline }, ["ghcr.io", "quay.io"]),
        ["basic env:pw", "basic q:p"]
      )
    }))

  it.live("a malformed config file is a typed error naming it", () =>
    Effect.gen(function* () {
      const folder = writeConfig("docker-bad", `{"auths": {"ghcr.io": {"auth": "${b64("u:" + CANARY)}"}`)
      const error = yield* Effect.flip(lookupWith(CredentialProvider.layerDockerConfig(), { DOCKER_CONFIG: folder }, ["ghcr.io"]))
      assert.strictEqual(error._tag, "CredentialError")
      assert.include(error.message, join(folder, "config.json"))
      assert.notInclude(error.message, CANARY)
    }))
})

describe("CredentialProvider.layerPodman", () => {
  it.live("$REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else ~/.config/containers/auth.json", () =>
    Effect.gen(function* () {
      const explicit = join(dir, "podman-auth.json")
      writeFileSync(explicit, JSON.stringify({ auths: { "quay.io": { auth: b64("robot+ci:tok") } } }))
      assert.deepStrictEqual(yield* lookupWith(CredentialProvider.layerPodman(), { REGISTRY_AUTH_FILE: explicit }, ["quay.io"]), [
        "basic robot+ci:tok"
      ])
      const runtime = join(dir, "run")
      mkdirSync(join(runtime, "containers"), { recursive: true })
      writeFileSync(join(runtime, "containers", "auth.json"), JSON.stringify({ auths: { "quay.io": { auth: b64("xdg:tok") } } }))
      assert.deepStrictEqual(yield* lookupWith(CredentialProvider.layerPodman(), { XDG_RUNTIME_DIR: runtime }, ["quay.io"]), ["basic xdg:tok"])
      const home = join(dir, "home-p")
      mkdirSync(join(home, ".config", "containers"), { recursive: true })
      writeFileSync(join(home, ".config", "containers", "auth.json"), JSON.stringify({ auths: { "quay.io": { auth: b64("home:tok") } } }))
      assert.deepStrictEqual(
        yield* lookupWith(CredentialProvider.layerPodman(), { XDG_RUNTIME_DIR: join(dir, "empty-run"), HOME: home }, ["quay.io"]),
        ["basic home:tok"]
      )
    }))
})

describe("CredentialProvider.environment", () => {
  const run = (env: Record<string, string>, hosts: ReadonlyArray<string>) =>
    Effect.forEach(hosts, (host) => Effect.map(CredentialProvider.environment.get(host), describeCredential)).pipe(withEnv(env))

  it.effect("per registry variables, and one registry named by OCIAUTH_REGISTRY", () =>
    Effect.gen(function* () {
      assert.strictEqual(CredentialProvider.environmentPrefix("localhost:5000"), "OCIAUTH_LOCALHOST___5000_")
      assert.strictEqual(CredentialProvider.environmentPrefix("registry-1.docker.io"), "OCIAUTH_DOCKER_IO_")
      const results = yield* run(
        {
          OCIAUTH_GHCR_IO_USERNAME: "gh",
          OCIAUTH_GHCR_IO_PASSWORD: "ghp",
          OCIAUTH_QUAY_IO_REGISTRY_TOKEN: "rt",
          OCIAUTH_ACR_EXAMPLE_IDENTITY_TOKEN: "aad",
          OCIAUTH_REGISTRY: "docker.io",
          OCIAUTH_USERNAME: "hub",
          OCIAUTH_PASSWORD: "hubpw"
        },
        ["ghcr.io", "quay.io", "acr.example", "index.docker.io", "elsewhere.example"]
      )
      assert.deepStrictEqual(results, ["basic gh:ghp", "registry rt", "identity :aad", "basic hub:hubpw", "anonymous"])
    }))

  it.effect("a bare OCIAUTH_USERNAME/PASSWORD applies to no registry", () =>
    Effect.map(run({ OCIAUTH_USERNAME: "u", OCIAUTH_PASSWORD: "p" }, ["ghcr.io"]), (r) => assert.deepStrictEqual(r, ["anonymous"])))

  it.effect("without a provider of the program's own, the environment as it is at the lookup (Effect 4's default keeps its first read)", () =>
    Effect.gen(function* () {
      const name = "OCIAUTH_LATE_EXAMPLE_REGISTRY_TOKEN"
      // The process-wide default provider reads process.env now, before the variable exists.
      assert.isTrue(Option.isNone(yield* Config.option(Config.String(name))))
      const saved = process.env.DOCKER_CONFIG
      process.env[name] = "late"
      try {
        assert.strictEqual(describeCredential(yield* CredentialProvider.environment.get("late.example")), "registry late")
        const path = yield* Unstable.dockerConfigPath().pipe(Effect.provide(NodePath.layer))
        process.env.DOCKER_CONFIG = "/late/docker"
        assert.strictEqual(yield* Unstable.dockerConfigPath().pipe(Effect.provide(NodePath.layer)), "/late/docker/config.json")
        assert.notStrictEqual(path, "/late/docker/config.json")
        // A provider of the program's own is kept.
        assert.strictEqual(describeCredential(yield* CredentialProvider.environment.get("late.example").pipe(withEnv({}))), "anonymous")
      } finally {
        delete process.env[name]
        if (saved === undefined) delete process.env.DOCKER_CONFIG
        else process.env.DOCKER_CONFIG = saved
      }
    }))
})

describe("CredentialProvider.layerDefault: static → environment → docker config → podman", () => {
  it.live("the first source that knows the registry wins", () =>
    Effect.gen(function* () {
      const docker = writeConfig("docker-chain", { auths: { "a.example": { auth: b64("docker:a") }, "b.example": { auth: b64("docker:b") }, "c.example": { auth: b64("docker:c") } } })
      const podman = join(dir, "podman-chain.json")
      writeFileSync(podman, JSON.stringify({ auths: { "c.example": { auth: b64("podman:c") }, "d.example": { auth: b64("podman:d") } } }))
      const results = yield* lookupWith(
        CredentialProvider.layerDefault({ static: { "a.example": { username: "static", password: "a" } } }),
        { DOCKER_CONFIG: docker, REGISTRY_AUTH_FILE: podman, OCIAUTH_B_EXAMPLE_USERNAME: "env", OCIAUTH_B_EXAMPLE_PASSWORD: "b" },
        ["a.example", "b.example", "c.example", "d.example", "e.example"]
      )
      assert.deepStrictEqual(results, ["basic static:a", "basic env:b", "basic docker:c", "basic podman:d", "anonymous"])
    }))
})
