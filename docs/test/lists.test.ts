/**
 * The lists the docs write out by hand, checked against the code: a list that
 * goes stale fails here, with the text it should hold.
 *
 * - The built-in adapters `ociauth` registers (`Builtins.adapters`): every doc
 *   that names them marks the list with `<!-- builtins -->…<!-- /builtins -->`,
 *   which must name each adapter, in `Builtins.adapters`' order (precedence).
 * - What the `ociauth` package exports: its README names each export.
 * - The adapter names a host configuration takes (`adapter` in hosts.json):
 *   docs/credential-helper.md's table lists those `HostConfig` knows.
 * - The JSON blocks of docs/credential-helper.md parse, and its hosts.json is a
 *   host configuration `HostConfig` accepts, each host resolving to its adapter;
 *   both packages it says to install put `docker-credential-ociauth` on the PATH,
 *   and the helper answers as the page says (run from source, isolated HOME).
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { RegistryAdapter } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import { Budget } from "@ociauth/testing"
import { Artifactory, Builtins, Harbor, Zot } from "ociauth"
import * as Ociauth from "ociauth"
import { Result, Schema } from "effect"

const root = join(import.meta.dirname, "..", "..")
const read = (file: string) => readFileSync(join(root, file), "utf8")

/** How the docs call each built-in adapter (by its `name`). A new adapter needs its words here. */
const displayName: Readonly<Record<string, string>> = {
  "docker-hub": "Docker Hub",
  ghcr: "GHCR",
  quay: "Quay",
  gitlab: "GitLab",
  nvcr: "NVIDIA NGC",
  ecr: "Amazon ECR",
  "ecr-public": "ECR Public",
  acr: "Azure ACR",
  gar: "Google GAR"
}

/** The docs that list the built-in adapters, each marked once or more. */
const listing = ["README.md", "packages/ociauth/README.md", "docs/getting-started.md", "docs/fetch.md"]

const marked = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/<!-- builtins -->([\s\S]*?)<!-- \/builtins -->/g)].map((m) => m[1]!.replace(/\s+/g, " ").trim())

describe("docs: the lists match the code", () => {
  const expected = Builtins.adapters.map((adapter) => displayName[adapter.name] ?? `<no words for "${adapter.name}" in docs/test/lists.test.ts>`)
  const text = `${expected.slice(0, -1).join(", ")} and ${expected[expected.length - 1]}`

  it("every built-in adapter has its words", () => {
    assert.deepStrictEqual(Builtins.adapters.map((a) => a.name).filter((name) => displayName[name] === undefined), [])
  })

  for (const file of listing) {
    it(`${file} lists every adapter ociauth registers, in order`, () => {
      const lists = marked(read(file))
      assert.isAbove(lists.length, 0, `${file}: no <!-- builtins --> list (it should read: ${text})`)
      for (const list of lists) assert.strictEqual(list, text, `${file}: the built-in adapters are ${text}`)
    })
  }

  it("no doc says ociauth registers only Docker Hub and GHCR", () => {
    for (const file of [...listing, "docs/README.md", "docs/concepts.md", "docs/credentials.md"]) {
      assert.notMatch(read(file), /built-in adapter[s]? \(Docker Hub, GHCR\)|Docker Hub and GHCR are known/, file)
    }
  })

  it("the ociauth README names everything the package exports", () => {
    const readme = read("packages/ociauth/README.md")
    const missing = Object.keys(Ociauth).filter((name) => !readme.includes(`\`${name}\``) && !readme.includes(`\`${name}.`))
    assert.deepStrictEqual(missing, [])
  })

  it("the ociauth README and the registry matrix name the self-hosted adapters, which need your hosts", () => {
    const readme = read("packages/ociauth/README.md")
    for (const adapter of [Harbor.make({ hosts: ["h.example"] }), Artifactory.make({ hosts: ["a.example"] }), Zot.make({ hosts: ["z.example"] })]) {
      assert.isFalse(Builtins.adapters.some((a) => a.name === adapter.name), `${adapter.name} is not registered (it needs hosts)`)
    }
    for (const name of ["Harbor", "Artifactory", "Zot"]) assert.include(readme, `\`${name}.make({ hosts`, name)
  })

  it("credential-helper.md's adapter names are those a host configuration takes", () => {
    const doc = read("docs/credential-helper.md")
    const row = doc.split("\n").find((line) => line.startsWith("| `adapter` (required)"))
    assert.isDefined(row)
    const named = [...row!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!).filter((n) => n !== "adapter")
    const known = [...new Set([...Builtins.adapters.map((a) => a.name), "harbor", "artifactory", "zot", RegistryAdapter.generic.name])]
    assert.sameMembers(named, known)
  })

  it("credential-helper.md's JSON blocks parse, and its hosts.json is a host configuration", () => {
    const doc = read("docs/credential-helper.md")
    const blocks = [...doc.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((m) => JSON.parse(m[1]!) as unknown)
    assert.isAtLeast(blocks.length, 2)
    const hosts = blocks.find((block) => typeof block === "object" && block !== null && "hosts" in block)
    assert.isDefined(hosts, "a hosts.json block")
    const config = Schema.decodeUnknownSync(HostConfig.HostConfig)(hosts)
    const available = [...Builtins.adapters, Harbor.make({ hosts: ["harbor.corp.example"] })]
    for (const [host, entry] of Object.entries(config.hosts)) {
      const adapter = HostConfig.adapterFor(host, entry, available, "hosts.json")
      assert.isTrue(Result.isSuccess(adapter), `${host}: ${Result.isFailure(adapter) ? adapter.failure.message : ""}`)
      if (Result.isSuccess(adapter)) assert.isTrue(adapter.success.matches(host), host)
    }
  })

  it("credential-helper.md: @ociauth/cli and ociauth both publish docker-credential-ociauth", () => {
    for (const pkg of ["packages/cli/package.json", "packages/ociauth/package.json"]) {
      const json = JSON.parse(read(pkg)) as { publishConfig?: { bin?: Record<string, string> } }
      assert.strictEqual(json.publishConfig?.bin?.["docker-credential-ociauth"], "./dist/credentialHelperBin.js", pkg)
    }
  })

  it("credential-helper.md: get answers from the environment, 'credentials not found' for a host with nothing, one line for an unknown adapter", async () => {
    const home = mkdtempSync(join(tmpdir(), "ociauth-docs-helper-"))
    const helper = (input: string, env: Record<string, string> = {}) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [join(root, "scripts", "tsx.mjs"), join(root, "packages", "cli", "src", "credentialHelperBin.ts"), "get"],
          {
            env: {
              PATH: process.env.PATH ?? "",
              HOME: home,
              XDG_CACHE_HOME: join(home, "cache"),
              XDG_STATE_HOME: join(home, "state"),
              XDG_CONFIG_HOME: join(home, "config"),
              DOCKER_CONFIG: join(home, "docker"),
              NODE_OPTIONS: "--conditions=@ociauth/source",
              ...env
            }
          },
          (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout: String(stdout) })
        )
        child.stdin!.end(input)
      })
    try {
      const fromEnv = await helper("registry.corp.example", {
        OCIAUTH_REGISTRY: "registry.corp.example",
        OCIAUTH_USERNAME: "ci",
        OCIAUTH_PASSWORD: "from-the-environment"
      })
      assert.strictEqual(fromEnv.code, 0, fromEnv.stdout)
      assert.deepInclude(JSON.parse(fromEnv.stdout), { Username: "ci", Secret: "from-the-environment" })
      const nothing = await helper("registry.corp.example")
      assert.strictEqual(nothing.code, 1)
      assert.include(nothing.stdout, "credentials not found in native keychain")
      const hostsFile = join(home, "hosts.json")
      writeFileSync(hostsFile, JSON.stringify({ hosts: { "registry.corp.example": { adapter: "no-such-adapter" } } }))
      const unknown = await helper("registry.corp.example", { OCIAUTH_HOSTS_FILE: hostsFile })
      assert.strictEqual(unknown.code, 1)
      assert.strictEqual(unknown.stdout.trim().split("\n").length, 1, unknown.stdout)
      assert.include(unknown.stdout, "no-such-adapter")
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  }, Budget.scaled(60_000))
})
