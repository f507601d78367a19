/**
 * Issue 28: `ociauth probe` reports the rate limit it meets (Docker Hub's pull
 * limit, its HAP429 abuse protection, ECR's throttling) and why the token
 * server refused (Hub's "incorrect username or password", GHCR's malformed
 * name); `request` and `token` exit 5 on a rate limit with what to do, 2 on a
 * name the token server refuses. Against the emulator's profiles; no secret
 * in any output.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ExitCode, Findings } from "@ociauth/cli"
import { RegistryError } from "@ociauth/core"
import { Budget, DockerConfigFile, Faults, RegistryEmulator } from "@ociauth/testing"
import { Effect } from "effect"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { runCli } from "./utils.js"

const CANARY = "CANARY-ratelimit-5e2d"
const WRONG = "WRONG-password-93b1"

interface Document {
  readonly findings: Findings.Findings
  readonly transcript?: string
}

/** The machine's credentials: this docker config only (`{}`: none, anonymous). */
const machine = (auths: Record<string, { readonly auth: string }>) =>
  Effect.acquireRelease(Effect.promise(() => DockerConfigFile.write({ auths })), (file) => Effect.promise(() => file.remove())).pipe(
    Effect.map((file) => ({ credentials: DockerConfigFile.credentialProvider(file) }))
  )

/** The probe's JSON; `code` is the exit code expected (0; 3 when the credentials are refused). */
const probeJson = (args: ReadonlyArray<string>, stdin?: string, code: number = ExitCode.ExitCode.ok) =>
  Effect.map(runCli(["probe", ...args, "--json", "--transcript", "--insecure"], stdin === undefined ? {} : { stdin }), (outcome) => {
    assert.strictEqual(outcome.code, code, outcome.stderr)
    return { ...outcome, document: JSON.parse(outcome.stdout) as Document }
  })

const probeText = (args: ReadonlyArray<string>, stdin?: string, code: number = ExitCode.ExitCode.ok) =>
  Effect.map(runCli(["probe", ...args, "--insecure"], stdin === undefined ? {} : { stdin }), (outcome) => {
    assert.strictEqual(outcome.code, code, outcome.stderr)
    return outcome.stdout
  })

const noSecret = (text: string) => {
  assert.notInclude(text, CANARY)
  assert.notInclude(text, WRONG)
  assert.notInclude(text, Buffer.from(`toddysm:${CANARY}`).toString("base64"))
  assert.notInclude(text, Buffer.from(`AWS:${CANARY}`).toString("base64"))
  assert.notMatch(text, /eyJ[\w-]+\.[\w-]+\.[\w-]+/)
}

/** The Docker Hub profile with the user toddysm and library/python:3.10. */
const startHub = async (options: Omit<RegistryEmulator.Options, "profile" | "users"> = {}) => {
  const hub = await RegistryEmulator.start({ profile: "dockerHub", users: { toddysm: CANARY }, ...options })
  hub.pushImage("library/python", "3.10")
  return hub
}

describe("Docker Hub's pull limit (a low pullRateLimit)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await startHub({ pullRateLimit: 1, personalPullRateLimit: 1 })
  })
  afterAll(() => hub.close())

  it.live(
    "anonymously: request exits 5 with the advice to log in; probe reports PullLimit, 0 of 1 per 6 h, Retry-After, how to raise it",
    () =>
      Effect.gen(function* () {
        const seams = yield* machine({})
        const image = `${hub.host}/library/python:3.10`
        const first = yield* runCli(["request", image, "--insecure"], seams)
        assert.strictEqual(first.code, ExitCode.ExitCode.ok, first.stderr)
        const second = yield* runCli(["request", image, "--insecure"], seams)
        assert.strictEqual(second.code, ExitCode.ExitCode.rateLimited, second.stderr)
        assert.include(second.stderr, "is rate limited: PullLimit, 0 of 1 left")
        assert.include(second.stderr, "unauthenticated pull rate limit")
        assert.include(second.stderr, "retry after")
        assert.include(second.stderr, "authenticate to raise it")
        assert.include(second.stderr, `Log in to pull on your account's limit (ociauth login ${hub.host})`)

        const { document, stdout } = yield* probeJson([hub.host, "python"])
        const f = document.findings
        assert.deepStrictEqual(f.rateLimit, { limit: "1;w=21600", remaining: "0;w=21600", source: "127.0.0.1" })
        assert.strictEqual(f.rateLimited.length, 1)
        const limit = f.rateLimited[0]!
        assert.strictEqual(limit.kind, "PullLimit")
        assert.strictEqual(limit.where, "registry")
        assert.strictEqual(limit.status, 429)
        assert.strictEqual(limit.limit, 1)
        assert.strictEqual(limit.remaining, 0)
        assert.strictEqual(limit.windowSeconds, 21600)
        assert.strictEqual(limit.retryAfterSeconds, 60)
        assert.isFalse(limit.authenticated)
        assert.include(limit.detail!, "You have reached your unauthenticated pull rate limit")
        assert.include(limit.howToRaise, "authenticate to raise it")
        assert.strictEqual(limit.url, `${hub.origin}/v2/library/python/manifests/3.10`)
        // the HEAD is never refused for the limit: one GET read the 429's words, nothing else pulled
        assert.include(document.transcript!, "no pull remains: the rate limit's words")
        assert.include(document.transcript!, "rate limited: ")
        noSecret(stdout)

        const summary = yield* probeText([hub.host, "python"])
        assert.include(summary, "0 of 1 pulls left per 6 h (counted for 127.0.0.1)")
        assert.include(summary, "pull limit (PullLimit) at the registry, 429, 0 of 1 left per 6 h, anonymously")
        assert.include(summary, "retry after 60 s; authenticate to raise it")
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )

  it.live(
    "with an account past its Personal limit: the limit is the account's, a paid plan lifts it",
    () =>
      Effect.gen(function* () {
        const seams = yield* machine({ [hub.host]: { auth: DockerConfigFile.auth("toddysm", CANARY) } })
        const image = `${hub.host}/library/python:3.10`
        assert.strictEqual((yield* runCli(["request", image, "--insecure"], seams)).code, ExitCode.ExitCode.ok)
        const refused = yield* runCli(["request", image, "--insecure"], seams)
        assert.strictEqual(refused.code, ExitCode.ExitCode.rateLimited, refused.stderr)
        assert.include(refused.stderr, "PullLimit")
        assert.include(refused.stderr, "a paid plan")
        noSecret(refused.stderr)

        const { document, stdout } = yield* probeJson([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${CANARY}\n`)
        const [limit] = document.findings.rateLimited
        assert.strictEqual(limit?.kind, "PullLimit")
        assert.isTrue(limit?.authenticated)
        assert.include(limit!.howToRaise, "paid plan")
        assert.include(limit!.detail!, "You have reached your pull rate limit")
        assert.deepStrictEqual(document.findings.tokenRefusals.filter((r) => r.identity === "credentials" && r.refusal === "Unauthorized"), [])
        noSecret(stdout)
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )
})

describe("Docker Hub's abuse protection (Faults.dockerHubAbuse)", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(() => hub.close())

  it.live(
    "on the registry: probe reports AbuseProtection (HAP429, retry after 60 s, logging in does not raise it); request exits 5",
    () =>
      Effect.gen(function* () {
        const disarm = hub.faults.add({ answer: Faults.dockerHubAbuse, path: /\/manifests\// })
        yield* Effect.addFinalizer(() => Effect.sync(disarm))
        const { document, stdout } = yield* probeJson([hub.host, "python"])
        // the HEAD's 429 has no body: the GET after it tells which limit, and only it is counted
        assert.deepStrictEqual(
          document.findings.rateLimited.map((l) => [l.kind, l.where, l.status, l.retryAfterSeconds, l.detail, l.limit]),
          [["AbuseProtection", "registry", 429, 60, "Too Many Requests (HAP429).", null]]
        )
        assert.include(document.findings.rateLimited[0]!.howToRaise, "authenticating or a paid plan does not raise it")
        assert.include(document.transcript!, "the HEAD was refused: the rate limit's words")
        noSecret(stdout)

        const summary = yield* probeText([hub.host, "python"])
        // the manifest GET and the DELETE of an absent digest met it: one row, two answers
        assert.include(summary, "abuse protection (AbuseProtection) at the registry, 429 (2 answers): \"Too Many Requests (HAP429).\"; retry after 60 s")
        assert.include(summary, "DELETE                not known (rate limited): 429")

        const seams = yield* machine({})
        const request = yield* runCli(["request", `${hub.host}/library/python:3.10`, "--insecure"], seams)
        assert.strictEqual(request.code, ExitCode.ExitCode.rateLimited, request.stderr)
        assert.include(request.stderr, "is rate limited: AbuseProtection (Too Many Requests (HAP429).); retry after")
        assert.include(request.stderr, "Try again in 60 s, with fewer requests at once: logging in does not lift it.")
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )

  it.live(
    "on the token server: probe's token attempts are RateLimited (AbuseProtection at the token server); token exits 5 with the advice",
    () =>
      Effect.gen(function* () {
        // Retry-After 120 s: longer than the SDK waits (60 s at most), so `token` fails at once instead of retrying.
        const abuse = { ...Faults.dockerHubAbuse, headers: { ...Faults.dockerHubAbuse.headers, "retry-after": "120" } }
        const disarm = hub.tokenServer.faults.add({ answer: abuse })
        yield* Effect.addFinalizer(() => Effect.sync(disarm))
        const { document, stdout } = yield* probeJson([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${CANARY}\n`)
        const f = document.findings
        assert.deepStrictEqual(f.rateLimited.map((l) => [l.kind, l.where, l.retryAfterSeconds]), [["AbuseProtection", "token server", 120]])
        assert.isAbove(f.rateLimited[0]!.count, 1)
        assert.isTrue(f.tokenRefusals.some((r) => r.identity === "credentials" && r.refusal === "RateLimited" && r.status === 429 && r.detail === "Too Many Requests (HAP429)."))
        noSecret(stdout)

        const seams = yield* machine({})
        const token = yield* runCli(["token", `${hub.host}/library/python`, "--insecure"], seams)
        assert.strictEqual(token.code, ExitCode.ExitCode.rateLimited, token.stderr)
        assert.include(token.stderr, "RateLimited (HTTP 429)")
        assert.include(token.stderr, "AbuseProtection")
        assert.include(token.stderr, "Try again in 120 s, with fewer requests at once: logging in does not lift it.")
        assert.strictEqual(token.stdout, "")
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )
})

describe("ECR's throttling (Faults.ecrRateExceeded)", () => {
  let ecr: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    ecr = await RegistryEmulator.start({ profile: "ecr", users: { AWS: CANARY } })
    ecr.pushImage("team/app", "1.0")
    ecr.faults.add({ answer: Faults.ecrRateExceeded, path: /\/manifests\// })
  })
  afterAll(() => ecr.close())

  it.live(
    "probe reports Throttled (Rate exceeded, no Retry-After, a higher quota); request exits 5 after its retries",
    () =>
      Effect.gen(function* () {
        const { document, stdout } = yield* probeJson([ecr.host, "team/app", "--user", "AWS", "--password-stdin"], `${CANARY}\n`)
        const f = document.findings
        assert.strictEqual(f.auth.scheme, "basic")
        assert.strictEqual(f.rateLimited.length, 1)
        const limit = f.rateLimited[0]!
        assert.strictEqual(limit.kind, "Throttled")
        assert.strictEqual(limit.where, "registry")
        assert.strictEqual(limit.detail, "TOOMANYREQUESTS: Rate exceeded")
        assert.strictEqual(limit.retryAfterSeconds, null)
        assert.isTrue(limit.authenticated)
        assert.include(limit.howToRaise, "ask the provider for a higher quota")
        noSecret(stdout)

        const seams = yield* machine({ [ecr.host]: { auth: DockerConfigFile.auth("AWS", CANARY) } })
        const request = yield* runCli(["request", `${ecr.host}/team/app:1.0`, "--insecure"], seams)
        assert.strictEqual(request.code, ExitCode.ExitCode.rateLimited, request.stderr)
        assert.include(request.stderr, "is rate limited: Throttled (TOOMANYREQUESTS: Rate exceeded); no Retry-After given")
        assert.include(request.stderr, "Try again later, with fewer requests at once")
        noSecret(request.stdout + request.stderr)
      }).pipe(Effect.scoped),
    Budget.scaled(30_000)
  )
})

describe("token refusals: the server's reason, whatever the body's shape", () => {
  let hub: RegistryEmulator.RegistryEmulator
  let ghcr: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await startHub()
    ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { toddysm: CANARY }, privateRepositories: ["toddysm/private"] })
    ghcr.pushImage("toddysm/python", "3.10")
    ghcr.pushImage("toddysm/private", "1.0")
  })
  afterAll(async () => {
    await hub.close()
    await ghcr.close()
  })

  it.live(
    "a wrong Hub password: probe reports Unauthorized \"incorrect username or password\" ({\"details\": …}); token exits 3 with it",
    () =>
      Effect.gen(function* () {
        const { document, stdout } = yield* probeJson([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${WRONG}\n`, ExitCode.ExitCode.auth)
        assert.isTrue(document.findings.credentialsRefused)
        const [first] = document.findings.tokenRefusals
        assert.strictEqual(first?.identity, "credentials")
        assert.strictEqual(first?.refusal, "Unauthorized")
        assert.strictEqual(first?.status, 401)
        assert.strictEqual(first?.detail, "incorrect username or password")
        assert.deepStrictEqual(document.findings.rateLimited, [])
        noSecret(stdout)

        const summary = yield* probeText([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${WRONG}\n`, ExitCode.ExitCode.auth)
        assert.include(summary, "token refused")
        assert.include(summary, "with credentials: Unauthorized (401): incorrect username or password — GET repository:python:pull")
        noSecret(summary)

        const seams = yield* machine({ [hub.host]: { auth: DockerConfigFile.auth("toddysm", WRONG) } })
        const token = yield* runCli(["token", `${hub.host}/library/python`, "--insecure"], seams)
        assert.strictEqual(token.code, ExitCode.ExitCode.auth, token.stderr)
        assert.include(token.stderr, "Unauthorized (HTTP 401): incorrect username or password")
        noSecret(token.stdout + token.stderr)
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )

  it.live(
    "GHCR refuses a name without an owner (400 NAME_INVALID): probe reports InvalidName, token exits 2 saying how to name it",
    () =>
      Effect.gen(function* () {
        const { document } = yield* probeJson([ghcr.host, "python"])
        const invalid = document.findings.tokenRefusals.find((r) => r.refusal === "InvalidName")
        assert.isDefined(invalid)
        assert.strictEqual(invalid?.status, 400)
        assert.deepStrictEqual(invalid?.scopes, ["repository:python:pull"])
        assert.include(invalid!.detail!, "NAME_INVALID")
        const summary = yield* probeText([ghcr.host, "python"])
        assert.include(summary, "anonymously: InvalidName (400): NAME_INVALID")

        const seams = yield* machine({})
        const token = yield* runCli(["token", `${ghcr.host}/python`, "--insecure"], seams)
        assert.strictEqual(token.code, ExitCode.ExitCode.usage, token.stderr)
        assert.include(token.stderr, "InvalidName (HTTP 400)")
        assert.include(token.stderr, "owner/name on GHCR")
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )

  it.live(
    "anonymous on GHCR's private package (401): Unauthorized, and the detail says credentials are needed, not that they are wrong",
    () =>
      Effect.gen(function* () {
        const { document } = yield* probeJson([ghcr.host, "toddysm/private"])
        const refusal = document.findings.tokenRefusals.find((r) => r.scopes.includes("repository:toddysm/private:pull"))
        assert.strictEqual(refusal?.identity, "anonymous")
        assert.strictEqual(refusal?.refusal, "Unauthorized")
        assert.strictEqual(refusal?.status, 401)
        assert.match(refusal!.detail!, /^credentials are needed \(an anonymous token was refused\)/)
      }),
    Budget.scaled(20_000)
  )
})

describe("no secret in what a refusal or a rate limit says", () => {
  let hub: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(() => hub.close())

  it.live(
    "a token server that echoes the password in its 401 and its 429: the findings, summary and transcript show <redacted>",
    () =>
      Effect.gen(function* () {
        const basic = Buffer.from(`toddysm:${WRONG}`).toString("base64")
        const disarm401 = hub.tokenServer.faults.add({
          answer: { status: 401, headers: { "content-type": "application/json" }, body: JSON.stringify({ details: `incorrect password ${WRONG} for Basic ${basic}` }) },
          times: 1
        })
        const disarm429 = hub.tokenServer.faults.add({
          answer: { status: 429, headers: { "content-type": "text/plain", "retry-after": "120" }, body: `Too Many Requests (HAP429). you sent ${WRONG}\n` }
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => (disarm401(), disarm429())))
        const { document, stdout, stderr } = yield* probeJson([hub.host, "python", "--user", "toddysm", "--password-stdin"], `${WRONG}\n`, ExitCode.ExitCode.auth)
        const [first] = document.findings.tokenRefusals
        assert.strictEqual(first?.refusal, "Unauthorized")
        assert.include(first!.detail!, "<redacted>")
        // the exit's message quotes the server's words: redacted too
        assert.include(stderr, "refused the credentials (401: incorrect password <redacted>")
        noSecret(stderr)
        assert.notInclude(stderr, basic)
        const [limit] = document.findings.rateLimited
        assert.strictEqual(limit?.kind, "AbuseProtection")
        assert.include(limit!.detail!, "<redacted>")
        noSecret(stdout)
        assert.notInclude(stdout, basic)
        // the 401 was answered once: now only the 429s, which refuse no credentials (exit 0)
        const summary = yield* probeText([hub.host, "python", "--user", "toddysm", "--password-stdin", "--transcript"], `${WRONG}\n`)
        noSecret(summary)
        assert.notInclude(summary, basic)
      }).pipe(Effect.scoped),
    Budget.scaled(20_000)
  )
})

describe("ExitCode.classify", () => {
  const url = "https://registry-1.docker.io/v2/library/alpine/manifests/latest"

  it("RateLimited is 5 with what to do, for each kind; a 429 RegistryResponseError too", () => {
    const pull = new RegistryError.RateLimited({ kind: "PullLimit", url, status: 429, limit: 100, remaining: 0, windowSeconds: 21600, retryAfterMillis: 60_000, authenticated: false })
    const anonymous = ExitCode.classify(pull)
    assert.strictEqual(anonymous.code, ExitCode.ExitCode.rateLimited)
    assert.include(anonymous.message, "PullLimit, 0 of 100 left")
    assert.include(anonymous.message, "Log in to pull on your account's limit (ociauth login docker.io), or try again in 60 s.")
    const account = ExitCode.classify(new RegistryError.RateLimited({ kind: "PullLimit", url, status: 429, windowSeconds: 21600, authenticated: true }))
    assert.include(account.message, "Try again once the window lets more; an account on a paid plan pulls without a limit.")
    const abuse = ExitCode.classify(new RegistryError.RateLimited({ kind: "AbuseProtection", url, status: 429, retryAfterMillis: 60_000 }))
    assert.include(abuse.message, "logging in does not lift it")
    const throttled = ExitCode.classify(new RegistryError.RateLimited({ kind: "Throttled", url: "https://123.dkr.ecr.us-east-1.amazonaws.com/v2/", status: 429 }))
    assert.strictEqual(throttled.code, ExitCode.ExitCode.rateLimited)
    assert.include(throttled.message, "Try again later, with fewer requests at once")
    const response = ExitCode.classify(new RegistryError.RegistryResponseError({ method: "GET", url, status: 429, errors: [] }))
    assert.strictEqual(response.code, ExitCode.ExitCode.rateLimited)
  })

  it("a token request RateLimited is 5 with the advice; InvalidName is a usage error (2); both also inside an HttpClientError", () => {
    const rateLimit = new RegistryError.RateLimited({ kind: "AbuseProtection", url: "https://auth.docker.io/token", status: 429, retryAfterMillis: 60_000, detail: "Too Many Requests (HAP429)." })
    const limited = new RegistryError.TokenRequestError({ reason: "RateLimited", realm: "https://auth.docker.io/token", status: 429, detail: "Too Many Requests (HAP429).", rateLimit })
    const outcome = ExitCode.classify(limited)
    assert.strictEqual(outcome.code, ExitCode.ExitCode.rateLimited)
    assert.include(outcome.message, "AbuseProtection")
    assert.include(outcome.message, "Try again in 60 s, with fewer requests at once: logging in does not lift it.")
    const bare = ExitCode.classify(new RegistryError.TokenRequestError({ reason: "RateLimited", realm: "https://auth.docker.io/token", status: 429 }))
    assert.strictEqual(bare.code, ExitCode.ExitCode.rateLimited)
    assert.include(bare.message, "try again later")

    const invalid = new RegistryError.TokenRequestError({ reason: "InvalidName", realm: "https://ghcr.io/token", status: 400, detail: "the token server refused a repository name of repository:python:pull" })
    const usage = ExitCode.classify(invalid)
    assert.strictEqual(usage.code, ExitCode.ExitCode.usage)
    assert.include(usage.message, "owner/name on GHCR")
    const wrapped = new HttpClientError.HttpClientError({
      reason: new HttpClientError.EncodeError({ request: HttpClientRequest.get(url), cause: invalid, description: "the request could not be authorised" })
    })
    assert.strictEqual(ExitCode.classify(wrapped).code, ExitCode.ExitCode.usage)
  })
})
