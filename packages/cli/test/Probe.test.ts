/**
 * Acceptance: `ociauth probe --json` against the emulator's dockerHub and ghcr
 * profiles reports the seed documents' findings, and its transcript carries
 * no secret (canary passwords).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ExitCode, Findings, Probe } from "@ociauth/cli"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import { runBin, runCli } from "./utils.js"

const CANARY = "CANARY-probe-7c41"

interface Document {
  readonly findings: Findings.Findings
  readonly transcript?: string
  readonly adapter?: string
}

const probe = (args: ReadonlyArray<string>, stdin?: string) =>
  Effect.map(runCli(["probe", ...args, "--json", "--transcript", "--suggest-adapter", "--insecure"], stdin === undefined ? {} : { stdin }), (outcome) => {
    assert.strictEqual(outcome.code, 0, outcome.stderr)
    return { ...outcome, document: JSON.parse(outcome.stdout) as Document }
  })

describe("probe: Docker Hub (seeds 000, 002, 003)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub", users: { toddysm: CANARY } })
    hub.pushImage("library/python", "3.10")
  })
  afterAll(() => hub.close())

  it.live("realm on the token host, service registry.docker.io, library/, no catalog, 300 s, silent narrowing", () =>
    Effect.gen(function* () {
      const { document, stdout } = yield* probe([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${CANARY}\n`)
      const f = document.findings
      assert.strictEqual(f.auth.realm, hub.tokenServer.realm)
      assert.isTrue(f.auth.realmElsewhere)
      assert.strictEqual(new URL(f.auth.realm!).origin, hub.tokenServer.origin)
      assert.strictEqual(f.auth.service, "registry.docker.io")
      assert.strictEqual(f.auth.hostAsService, "refused")
      assert.strictEqual(f.challenges.base.scope, null)
      assert.strictEqual(f.challenges.catalog.scope, "registry:catalog:*")
      assert.deepStrictEqual(f.library, { bare: 401, prefixed: 200, required: true })
      assert.strictEqual(f.repository, "library/python")
      assert.strictEqual(f.catalog.supported, "no")
      assert.strictEqual(f.catalog.anonymous.status, 400)
      assert.strictEqual(f.catalog.anonymous.error, "unknown resource type")
      assert.strictEqual(f.tokenEndpoint.expiresIn, 300)
      assert.strictEqual(f.tokenEndpoint.lifetimeSeconds, 300)
      assert.isNotNull(f.tokenEndpoint.issuedAt)
      assert.strictEqual(f.tokenEndpoint.format, "jwt")
      assert.strictEqual(f.tokenEndpoint.post, 200)
      assert.strictEqual(f.grants?.outcome, "narrowed")
      assert.deepStrictEqual(f.grants?.granted, ["repository:library/python:pull"])
      assert.strictEqual(f.base.body, "json")
      assert.strictEqual(f.base.apiVersion, "registry/2.0")
      assert.strictEqual(f.root.status, 404)
      // the HEAD carries the account's token: a Personal account's limit (200 per 6 h), not the anonymous 100
      assert.deepStrictEqual(f.rateLimit, { limit: "200;w=21600", remaining: "200;w=21600", source: "127.0.0.1" })
      assert.strictEqual(f.delete?.digest, Probe.absentDigest)
      assert.deepStrictEqual([...f.quirks].sort(), ["catalog-unsupported", "library-prefix"])
      assert.include(document.adapter!, "normalizeRepository")
      assert.include(document.adapter!, "catalog: false")
      assert.include(document.adapter!, `service: "registry.docker.io"`)
      // the transcript: the seeds' format, and no secret
      assert.include(document.transcript!, "### REQUEST\nGET ")
      assert.include(document.transcript!, "### RESPONSE\nHTTP/1.1 401 Unauthorized")
      assert.include(document.transcript!, "authorization: Basic <redacted>")
      assert.include(document.transcript!, "password=<redacted>")
      assert.notInclude(stdout, CANARY)
      assert.notInclude(stdout, Buffer.from(`toddysm:${CANARY}`).toString("base64"))
      assert.notMatch(stdout, /eyJ[\w-]+\.[\w-]+\.[\w-]+/)
    }))
})

describe("probe: the registry and repository as an image reference names them", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await RegistryEmulator.start({ profile: "dockerHub" })
    hub.pushImage("library/python", "3.10")
    hub.pushImage("team/app", "1.0")
  })
  afterAll(() => hub.close())

  it.live("host/repository and a full reference probe that repository; host repository still does; both at once is a usage error", () =>
    Effect.gen(function* () {
      const findingsOf = (args: ReadonlyArray<string>) =>
        Effect.map(runCli(["probe", ...args, "--insecure", "--json"]), (outcome) => {
          assert.strictEqual(outcome.code, 0, outcome.stderr)
          return (JSON.parse(outcome.stdout) as Document).findings
        })
      const joined = yield* findingsOf([`${hub.host}/team/app`])
      assert.strictEqual(joined.registry, hub.host)
      assert.strictEqual(joined.repository, "team/app")
      assert.isNotNull(joined.challenges.repository)
      // a full reference (its tag is not used); a one-component name still finds library/
      const reference = yield* findingsOf([`${hub.host}/python:3.10`])
      assert.strictEqual(reference.registry, hub.host)
      assert.strictEqual(reference.repository, "library/python")
      assert.deepStrictEqual(reference.library, { bare: 401, prefixed: 200, required: true })
      // the registry, then a Docker Hub short name: as before
      const separate = yield* findingsOf([hub.host, "python"])
      assert.strictEqual(separate.registry, hub.host)
      assert.strictEqual(separate.repository, "library/python")

      const both = yield* runCli(["probe", `${hub.host}/team/app`, "python", "--insecure"])
      assert.strictEqual(both.code, 2, both.stderr)
      assert.include(both.stderr, `"${hub.host}/team/app" names a repository, and so does "python": give it once`)
      assert.strictEqual(both.stdout, "")
      const invalid = yield* runCli(["probe", `${hub.host}/Team/App`, "--insecure"])
      assert.strictEqual(invalid.code, 2, invalid.stderr)
      assert.include(invalid.stderr, "lower-case")
    }))
})

describe("probe: credentials the registry refuses", () => {
  let registry: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    registry = await RegistryEmulator.start({ profile: "distribution", users: { alice: CANARY }, privateRepositories: ["alice/*"] })
    registry.pushImage("alice/app", "1.0")
  })
  afterAll(() => registry.close())

  it.live("a wrong password: no quirk or adapter field from the checks that needed it, the refusal said, exit 3 as token's", () =>
    Effect.gen(function* () {
      const wrong = yield* runCli(["probe", registry.host, "alice/app", "--insecure", "--user", "alice", "--password-stdin", "--suggest-adapter"], { stdin: "WRONG\n" })
      assert.strictEqual(wrong.code, ExitCode.ExitCode.auth, wrong.stderr)
      assert.include(wrong.stdout, "The registry refused the credentials")
      assert.notInclude(wrong.stdout, "catalog-unsupported")
      assert.notInclude(wrong.stdout, "catalog: false")
      assert.notInclude(wrong.stdout, "No quirks")
      assert.include(wrong.stderr, `${registry.host} refused the credentials (401`)
      // as JSON, and without a repository (the catalog's token is refused then): the same
      for (const repository of [["alice/app"], []]) {
        const json = yield* runCli(["probe", registry.host, ...repository, "--insecure", "--user", "alice", "--password-stdin", "--json"], { stdin: "WRONG\n" })
        assert.strictEqual(json.code, ExitCode.ExitCode.auth, json.stderr)
        const f = (JSON.parse(json.stdout) as Document).findings
        assert.isTrue(f.credentialsRefused)
        assert.deepStrictEqual(f.quirks, [])
        assert.strictEqual(f.catalog.supported, "unknown")
      }

      const right = yield* runCli(["probe", registry.host, "alice/app", "--insecure", "--user", "alice", "--password-stdin", "--json"], { stdin: `${CANARY}\n` })
      assert.strictEqual(right.code, 0, right.stderr)
      const f = (JSON.parse(right.stdout) as Document).findings
      assert.isFalse(f.credentialsRefused)
      assert.deepStrictEqual(f.quirks, [])
      assert.strictEqual(f.catalog.supported, "credentials only")
      assert.notInclude(wrong.stdout + wrong.stderr + right.stdout, CANARY)
    }))
})

describe("probe: GHCR (seeds 000, 001)", () => {
  let ghcr: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { toddysm: CANARY } })
    ghcr.pushImage("toddysm/python", "3.10")
  })
  afterAll(() => ghcr.close())

  it.live("placeholder scope, empty /v2/ body, /v2 404 with a token, no expires_in, DENIED, DELETE 405, catalog with credentials only", () =>
    Effect.gen(function* () {
      const { document, stdout } = yield* probe([ghcr.host, "toddysm/python", "-u", "toddysm", "--password-stdin"], CANARY)
      const f = document.findings
      assert.strictEqual(f.challenges.base.scope, "repository:user/image:pull")
      assert.strictEqual(f.challenges.catalog.scope, "repository:user/image:pull")
      assert.strictEqual(f.challenges.repository?.scope, "repository:toddysm/python:pull")
      assert.strictEqual(f.placeholder?.scope, "repository:user/image:pull")
      assert.strictEqual(f.placeholder?.anonymous.status, 403)
      assert.strictEqual(f.placeholder?.anonymous.error, "DENIED")
      assert.strictEqual(f.placeholder?.credentials?.status, 200)
      assert.isFalse(f.auth.realmElsewhere)
      assert.strictEqual(f.auth.service, "ghcr.io")
      assert.deepStrictEqual(f.base.withToken, { status: 200, body: "empty" })
      assert.deepStrictEqual(f.bareV2, { status: 401, apiVersion: "registry/2.0", body: "json", location: null, withToken: 404 })
      assert.strictEqual(f.tokenEndpoint.expiresIn, null)
      assert.strictEqual(f.tokenEndpoint.lifetimeSeconds, null)
      assert.strictEqual(f.tokenEndpoint.format, "opaque")
      assert.strictEqual(f.grants?.outcome, "denied")
      assert.strictEqual(f.grants?.status, 403)
      assert.deepStrictEqual(f.delete, { digest: Probe.absentDigest, status: 405, code: "UNSUPPORTED", supported: "no" })
      assert.strictEqual(f.catalog.anonymous.catalogStatus, 401)
      assert.strictEqual(f.catalog.credentials?.catalogStatus, 200)
      assert.strictEqual(f.catalog.supported, "credentials only")
      assert.deepStrictEqual(
        [...f.quirks].sort(),
        ["bare-v2-not-found", "delete-unsupported", "denied-not-narrowed", "empty-base-body", "no-expires-in", "placeholder-scope"]
      )
      assert.include(document.adapter!, "trustChallengeScope: false")
      assert.include(document.adapter!, "delete: false")
      assert.include(document.adapter!, "catalogScope: null")
      assert.notInclude(stdout, CANARY)
      assert.notMatch(stdout, /djE6\w{6,}/) // the emulator's opaque GHCR tokens
    }))

  it.live("anonymously: the catalog is unknown and the summary table says what was found", () =>
    Effect.gen(function* () {
      const outcome = yield* runCli(["probe", ghcr.host, "toddysm/python", "--insecure"])
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.include(outcome.stdout, "repository:user/image:pull is a placeholder")
      assert.include(outcome.stdout, "Quirks (6)")
      assert.notInclude(outcome.stdout, "\u001b[")
      assert.strictEqual(outcome.stderr, "") // no progress off a terminal
    }))

  it("as a child process: the same findings through bin.ts, NO_COLOR, no secret", async () => {
    const outcome = await runBin(["probe", ghcr.host, "toddysm/python", "--insecure", "--user", "toddysm", "--password-stdin", "--transcript"], {
      stdin: `${CANARY}\n`,
      env: { NO_COLOR: "1" }
    })
    assert.strictEqual(outcome.code, 0, outcome.stderr)
    assert.include(outcome.stdout, "### Get the /v2/ endpoint\n### REQUEST")
    assert.include(outcome.stdout, "delete-unsupported")
    assert.notInclude(outcome.stdout + outcome.stderr, CANARY)
    assert.notInclude(outcome.stdout, "\u001b[")
  })
})
