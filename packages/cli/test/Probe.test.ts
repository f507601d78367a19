/**
 * Acceptance: `ociauth probe --json` against the emulator's dockerHub and ghcr
 * profiles reports the seed documents' findings, and its transcript carries
 * no secret (canary passwords).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Findings, Probe } from "@ociauth/cli"
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
