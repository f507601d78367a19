/**
 * The helper's protocol in process (`Helper.run`): the answer cache across
 * "invocations" (fresh layers over the same folders), `erase`, the bounded
 * retries of a throttling cloud API, the refusal to `store` for a cloud
 * registry, and docker's config naming this helper (no recursion).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { AwsEcrApi, Budget } from "@ociauth/testing"
import { Effect } from "effect"
import * as Helper from "../src/credential-helper/Helper.js"
import * as inProcess from "./helperInProcess.js"

const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

let home: string
let saved: NodeJS.ProcessEnv
let api: AwsEcrApi.AwsEcrApi

// One stand-in for the file: the ECR adapter keeps its AWS client (and so its endpoint) for the process.
beforeAll(async () => {
  saved = { ...process.env }
  api = await AwsEcrApi.start()
  // The AWS SDK reads the process's environment.
  Object.assign(process.env, api.environment, { AWS_EC2_METADATA_DISABLED: "true" })
})
afterAll(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
  await api.close()
})
let before = 0
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ociauth-helper-"))
  before = api.calls.length
})
afterEach(() => {
  api.setTokenLifetime("12 hours")
  api.failUntil(0)
  rmSync(home, { recursive: true, force: true })
})
const calls = () => api.calls.length - before

/** One invocation: fresh layers over the same folders, as a new process would have. */
const invoke = (verb: string | undefined, input: string, extra: Record<string, string> = {}) => Effect.runPromise(inProcess.invoke(home, verb, input, extra))

describe("docker-credential-ociauth (in process)", () => {
  it("ECR: AWS + password; cached across invocations; erase forgets", async () => {
    const first = await invoke("get", ECR)
    assert.strictEqual(first.code, 0, first.stdout)
    const answer = JSON.parse(first.stdout)
    assert.strictEqual(answer.ServerURL, ECR)
    assert.strictEqual(answer.Username, "AWS")
    for (let i = 0; i < 20; i++) assert.strictEqual((await invoke("get", `https://${ECR}`)).code, 0)
    assert.strictEqual(calls(), 1)
    assert.strictEqual((await invoke("erase", ECR)).code, 0)
    assert.strictEqual((await invoke("get", ECR)).code, 0)
    assert.strictEqual(calls(), 2, "erase forgot the cached answer")
  })

  it("an answer near its expiry is not handed out: the API is asked again", async () => {
    // A 1 s password is kept at most half its life: past that, the API is asked again.
    api.setTokenLifetime("1 second")
    const first = await invoke("get", ECR)
    assert.strictEqual(first.code, 0, first.stdout)
    await new Promise((resolve) => setTimeout(resolve, 700))
    assert.strictEqual((await invoke("get", ECR)).code, 0)
    assert.strictEqual(calls(), 2)
  })

  it("a failing API is retried within a bound, then the helper fails with one line and no secret", async () => {
    api.failUntil(Date.now() + 10 * 60_000)
    const outcome = await invoke("get", ECR)
    assert.strictEqual(outcome.code, 1, outcome.stdout + JSON.stringify(api.calls))
    assert.include(outcome.stdout, "GetAuthorizationToken failed")
    assert.strictEqual(outcome.stderr.trim().split("\n").length, 1)
    // Bounded by counts, not by a time: the helper's 5 attempts (4 retries), each the AWS SDK's 3.
    assert.isAbove(calls(), 4, "retried (the AWS SDK's own attempts, then the helper's)")
    assert.isAtMost(calls(), 5 * 3, "a bounded number of attempts")
    for (const secret of api.secrets()) assert.notInclude(outcome.stdout + outcome.stderr, secret)
  }, Budget.scaled(90_000))

  it("store is refused for a cloud registry; a login for another host is kept sealed, listed and erased", async () => {
    const refused = await invoke("store", JSON.stringify({ ServerURL: ECR, Username: "AWS", Secret: "nope" }))
    assert.strictEqual(refused.code, 1)
    assert.include(refused.stderr, "cloud identity")
    assert.strictEqual((await invoke("store", JSON.stringify({ ServerURL: "registry.corp.example", Username: "bob", Secret: "pw-123" }))).code, 0)
    assert.deepStrictEqual(JSON.parse((await invoke("list", "")).stdout), { "registry.corp.example": "bob" })
    assert.deepStrictEqual(JSON.parse((await invoke("get", "registry.corp.example")).stdout), {
      ServerURL: "registry.corp.example",
      Username: "bob",
      Secret: "pw-123"
    })
    assert.strictEqual((await invoke("erase", "registry.corp.example")).code, 0)
    assert.strictEqual((await invoke("get", "registry.corp.example")).stdout.trim(), "credentials not found in native keychain")
  })

  it("docker's config naming this helper: not started again; the file's own entry or not found", async () => {
    mkdirSync(join(home, "docker"))
    writeFileSync(
      join(home, "docker", "config.json"),
      JSON.stringify({
        credsStore: "ociauth",
        auths: { "entry.example": { auth: Buffer.from("carol:pw-456").toString("base64") } }
      })
    )
    const entry = await invoke("get", "entry.example")
    assert.strictEqual(JSON.parse(entry.stdout).Username, "carol")
    const none = await invoke("get", "other.example")
    assert.strictEqual(none.code, 1)
    assert.strictEqual(none.stdout.trim(), "credentials not found in native keychain")
  })

  it("an unknown verb says so first, then prints the usage, exit 1", async () => {
    const outcome = await invoke("frobnicate", "")
    assert.strictEqual(outcome.code, 1)
    assert.match(outcome.stderr, /^docker-credential-ociauth: unknown command "frobnicate"\nUsage: docker-credential-ociauth /)
    assert.strictEqual(outcome.stdout, "")
    // The verb is shown, never interpreted by the terminal.
    const escape = await invoke("x\u001b[31m", "")
    assert.include(escape.stderr, 'unknown command "x\\x1b[31m"')
    // No verb at all: the usage alone.
    const none = await invoke(undefined, "")
    assert.strictEqual(none.code, 1)
    assert.match(none.stderr, /^Usage: docker-credential-ociauth /)
  })

  it("--help (-h, help): the verbs, their input and output, the configuration, the docs; exit 0", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const outcome = await invoke(flag, "")
      assert.strictEqual(outcome.code, 0, flag)
      for (const verb of ["get", "store", "erase", "list", "version"]) assert.match(outcome.stdout, new RegExp(`^  ${verb} `, "m"))
      assert.include(outcome.stdout, "credentials not found in native keychain")
      assert.include(outcome.stdout, "credHelpers")
      assert.include(outcome.stdout, "hosts.json")
      assert.include(outcome.stdout, "docs/credential-helper.md")
      // The executable reads no standard input for it: --help on a terminal does not wait.
      assert.isFalse(Helper.readsInput(flag))
    }
  })

  it("version: the package's (package.json), as ociauth --version", async () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { readonly version: string }
    const outcome = await invoke("version", "")
    assert.strictEqual(outcome.code, 0)
    assert.strictEqual(outcome.stdout, `docker-credential-ociauth ${manifest.version}\n`)
  })
})
