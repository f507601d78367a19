/**
 * `get` is bounded on every path by one number, `sources.lookupTimeout` (60 s):
 * a cloud API that throttles without end (ECR, whose adapter retries throttling
 * itself, and ECR Public, whose adapter does not), a cloud identity that does
 * not answer (ACR's managed identity), a registry token endpoint that does not
 * answer (ACR's `/oauth2/exchange`), Google's token endpoint that does not
 * answer (GAR), and another credential helper named by docker's config that
 * never answers before the cloud API throttles. In process (`Helper.run`) on
 * the `TestClock`: each test waits until the path is under way (an event: a
 * request or connection received), moves the clock by the bound, and the
 * answer is there — a one-line failure naming the host, without a secret.
 */
import { generateKeyPairSync } from "node:crypto"
import { once } from "node:events"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { AwsEcrApi, Budget } from "@ociauth/testing"
import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as sources from "../src/credential-helper/sources.js"
import * as inProcess from "./helperInProcess.js"

const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

/** A server that accepts connections and never answers; counts them. */
interface Silent {
  readonly port: number
  readonly connections: () => number
  readonly close: () => Promise<void>
}

const silent = async (): Promise<Silent> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => void sockets.add(socket.on("error", () => {})))
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise((done) => server.close(() => done()))
    }
  }
}

/**
 * App Service's managed-identity endpoint, answering any resource with an
 * opaque token, or (`hang`) never answering. One for the file: `@azure/identity`'s
 * default credential reads `IDENTITY_ENDPOINT` once per process.
 */
interface Identity {
  readonly endpoint: string
  readonly requests: () => number
  hang: boolean
  readonly close: () => Promise<void>
}

const managedIdentity = (): Promise<Identity> =>
  new Promise((resolve) => {
    let requests = 0
    const server = http.createServer((request, response) => {
      requests++
      request.resume()
      if (identity.hang) return
      const resource = new URL(request.url ?? "/", "http://127.0.0.1").searchParams.get("resource") ?? ""
      response.setHeader("content-type", "application/json")
      response.end(JSON.stringify({
        access_token: "entra-access-token-for-the-bounds-test",
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource,
        token_type: "Bearer"
      }))
    })
    const identity: Identity = {
      endpoint: "",
      requests: () => requests,
      hang: true,
      close: () =>
        new Promise((done) => {
          server.closeAllConnections()
          server.close(() => done())
        })
    }
    server.listen(0, "127.0.0.1", () => resolve(Object.assign(identity, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token` })))
  })

let home: string
let saved: NodeJS.ProcessEnv
let api: AwsEcrApi.AwsEcrApi
let down: Silent
let identity: Identity

beforeAll(async () => {
  saved = { ...process.env }
  // Every GetAuthorizationToken (ECR's and ECR Public's) is throttled: a bucket that never fills.
  api = await AwsEcrApi.start({ throttle: { tps: 0, burst: 0 } })
  down = await silent()
  identity = await managedIdentity()
  // The cloud SDKs read the process's environment.
  Object.assign(process.env, api.environment, {
    AWS_EC2_METADATA_DISABLED: "true",
    GCE_METADATA_HOST: "127.0.0.1:9",
    IDENTITY_ENDPOINT: identity.endpoint,
    IDENTITY_HEADER: "bounds-test"
  })
})
afterAll(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
  await Promise.all([api?.close(), down?.close(), identity?.close()])
})
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ociauth-helper-bounds-"))
})
afterEach(() => {
  rmSync(home, { recursive: true, force: true })
})

/** A real-time pause (the test's clock is the TestClock). */
const pause = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** Waits (in real time, bounded) until `ready` holds: the path is under way. */
const until = (ready: () => boolean, what: string) =>
  Effect.gen(function* () {
    const deadline = Date.now() + Budget.scaled(20_000)
    while (!ready()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`never under way: ${what}`))
      yield* pause(20)
    }
  })

/**
 * `get` for `host` (with `env` in the process's environment too, where the
 * cloud SDKs read it), forked; once `ready`, the clock moves by the bound and
 * the answer must follow (in real time, within a few seconds): exit 1, one
 * line holding `expected` (every part of it), no secret.
 */
const boundedGet = (
  host: string,
  ready: () => boolean,
  what: string,
  expected: string | ReadonlyArray<string> = `${host}: no answer within ${Duration.format(sources.lookupTimeout)}`,
  env: Record<string, string> = {}
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(inProcess.invoke(home, "get", host, env))
    yield* until(ready, what)
    yield* TestClock.adjust(sources.lookupTimeout)
    const outcome = yield* Effect.raceFirst(
      Fiber.join(fiber),
      pause(Budget.scaled(10_000)).pipe(Effect.andThen(Effect.die(new Error(`${what}: no answer once the clock passed the bound`))))
    )
    assert.strictEqual(outcome.code, 1, outcome.stdout)
    assert.strictEqual(outcome.stdout.trim().split("\n").length, 1)
    for (const part of typeof expected === "string" ? [expected] : expected) assert.include(outcome.stdout, part)
    for (const secret of api.secrets()) assert.notInclude(outcome.stdout + outcome.stderr, secret)
    return outcome
  }).pipe(withEnvironment(env))

/** `env` in the process's environment while `self` runs. */
const withEnvironment = (env: Record<string, string>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]))
      Object.assign(process.env, env)
      return before
    }),
    () => self,
    (before) =>
      Effect.sync(() => {
        for (const [name, value] of Object.entries(before)) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      })
  )

const hostsFile = (hosts: Record<string, unknown>) => {
  mkdirSync(join(home, "config", "ociauth"), { recursive: true })
  writeFileSync(join(home, "config", "ociauth", "hosts.json"), JSON.stringify({ hosts }))
}

describe("docker-credential-ociauth get: one bound on every path", () => {
  it.effect("ECR: GetAuthorizationToken throttled without end (the adapter's and the helper's retries)", () => {
    const before = api.throttled()
    return boundedGet(ECR, () => api.throttled() > before, "ECR's API throttling")
  }, Budget.scaled(60_000))

  it.effect("ECR Public: ecr-public:GetAuthorizationToken throttled without end (no retry in the adapter)", () => {
    const before = api.throttled()
    return boundedGet("public.ecr.aws", () => api.throttled() > before, "ECR Public's API throttling")
  }, Budget.scaled(60_000))

  // `@azure/identity`'s default credential is made once per process: the identity that never answers comes first.
  it.effect("ACR: the managed identity never answers (the adapter gives up on it first: not found)", () => {
    identity.hang = true
    const before = identity.requests()
    return boundedGet("contoso.azurecr.io", () => identity.requests() > before, "the managed identity", "credentials not found in native keychain")
  }, Budget.scaled(60_000))

  it.effect("ACR: the registry's /oauth2/exchange never answers", () => {
    identity.hang = false
    const connected = down.connections()
    const host = `127.0.0.1:${down.port}`
    hostsFile({ [host]: { adapter: "acr", registry: "contoso.azurecr.io", insecure: true } })
    return boundedGet(host, () => down.connections() > connected, "ACR's exchange")
  }, Budget.scaled(60_000))

  it.effect("GAR: Google's token endpoint never answers (the adapter gives up on it first: not found)", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    const keyFile = join(home, "service-account.json")
    writeFileSync(keyFile, JSON.stringify({
      type: "service_account",
      project_id: "acme-prod",
      private_key_id: "bounds-test",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: "bounds@acme-prod.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: "https://oauth2.googleapis.com/token"
    }))
    const connected = down.connections()
    // google-auth-library reaches https://oauth2.googleapis.com through HTTPS_PROXY: a proxy that never answers.
    return boundedGet("us-central1-docker.pkg.dev", () => down.connections() > connected, "Google's token endpoint", "credentials not found in native keychain", {
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      HTTPS_PROXY: `http://127.0.0.1:${down.port}`
    })
  }, Budget.scaled(60_000))

  it.effect("docker's config names another helper that never answers, then ECR's API throttles: still one bound", () => {
    const bin = join(home, "bin")
    const started = join(home, "hang-started")
    mkdirSync(bin)
    writeFileSync(join(bin, "docker-credential-hang"), `#!/bin/sh\ntouch "${started}"\nexec sleep 600\n`)
    chmodSync(join(bin, "docker-credential-hang"), 0o755)
    mkdirSync(join(home, "docker"))
    writeFileSync(join(home, "docker", "config.json"), JSON.stringify({ credHelpers: { [ECR]: "hang" } }))
    // The clock passes the other helper's own bound (10 s) and the whole lookup's at once: either answer may come first.
    return boundedGet(ECR, () => existsSync(started), "docker's other helper", [ECR, "no answer within"], { PATH: `${bin}:${process.env.PATH ?? ""}` })
  }, Budget.scaled(60_000))
})
