/**
 * Every hostile endpoint ends in a typed error (or the registry's own answer)
 * within the configured timeouts, reading a bounded number of bytes: the bytes
 * are measured at the server, which offers up to 1 GiB. The endpoints that never
 * finish are ended by the configured timeouts alone (without them the test would
 * hang, and its scaled timeout report it); how long that took is not asserted,
 * since a busy machine stretches it.
 */
import type { ServerResponse } from "node:http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Retry, RegistryError } from "@ociauth/core"
import { makeRegistryFetch } from "@ociauth/fetch"
import { Budget } from "@ociauth/testing"
import { Duration, Schedule } from "effect"
import { drip, flood, listen } from "./attack.js"
import type { HostileServer, Received } from "./attack.js"

/** The configured response and token request timeouts: scaled, so that a busy machine's answers still come in time. */
const TIMEOUT_MS = Budget.scaled(1000)
const GiB = 1024 * 1024 * 1024
const MiB = 1024 * 1024
/** What the kernel's and the client's buffers may hold beyond what the SDK reads. */
const MAX_BYTES = 32 * MiB
const chunk = Buffer.alloc(64 * 1024, "x")

type Answer = (received: Received, response: ServerResponse, origin: string) => void

interface Case {
  readonly name: string
  readonly token?: Answer
  /** The registry's answer to an authorised request. */
  readonly registry?: Answer
  /** The registry's challenge (default: Bearer, realm `/token`). */
  readonly challenge?: (origin: string) => string
  /** What the outcome must be: a rejection's `_tag` and `reason`, a transport failure (`TypeError("fetch failed")`), or the registry's answer. */
  readonly expect:
    | { readonly _tag: string; readonly reason?: string }
    | { readonly transport: true }
    | { readonly status: number }
  readonly retry?: Retry.Policy
}

const endless = (status: number, headers: Record<string, string> = {}): Answer => (_, response) => {
  response.writeHead(status, { "content-type": "application/json", ...headers })
  flood(response, chunk, GiB)
}
const dripping = (status: number, headers: Record<string, string> = {}): Answer => (_, response) => {
  response.writeHead(status, { "content-type": "application/json", ...headers })
  response.write("{")
  drip(response, " ", 100)
}
const silent: Answer = () => {}
const redirect = (location: (origin: string, received: Received) => string): Answer => (received, response, origin) =>
  void response.writeHead(307, { location: location(origin, received) }).end()
const ok: Answer = (_, response) => void response.writeHead(200, { "content-type": "application/json" }).end("{}")
const oneRetry: Retry.Policy = { schedule: Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(1)]), maxRetryAfter: Duration.seconds(1) }
const challenges = (count: number) => (origin: string) =>
  Array.from({ length: count }, (_, k) => `Bearer realm="${origin}/token",service="s${k}"`).join(", ")

const CASES: ReadonlyArray<Case> = [
  // The token endpoint.
  { name: "token: an endless 200 body", token: endless(200), expect: { _tag: "TokenRequestError", reason: "BadResponse" } },
  { name: "token: a huge 200 body, sent at once", token: (_, r) => void r.writeHead(200).end(Buffer.alloc(4 * MiB, " ")), expect: { _tag: "TokenRequestError", reason: "BadResponse" } },
  { name: "token: a dripping 200 body", token: dripping(200), expect: { _tag: "TokenRequestError", reason: "Transport" } },
  { name: "token: an endless 401 body", token: endless(401), expect: { _tag: "TokenRequestError", reason: "Unauthorized" } },
  { name: "token: a dripping 403 body", token: dripping(403), expect: { _tag: "TokenRequestError", reason: "Denied" } },
  { name: "token: an endless 500 body, retried", token: endless(500), retry: oneRetry, expect: { _tag: "TokenRequestError", reason: "BadResponse" } },
  { name: "token: no headers, ever", token: silent, expect: { _tag: "TokenRequestError", reason: "Transport" } },
  { name: "token: redirects to another origin", token: redirect(() => "https://elsewhere.example/token"), expect: { _tag: "RealmRejected" } },
  { name: "token: a redirect loop", token: redirect((origin, r) => `${origin}${r.url}`), expect: { _tag: "RealmRejected" } },
  { name: "token: an endless 3xx body before a redirect loop", token: (r, response, origin) => {
    response.writeHead(307, { location: `${origin}${r.url}` })
    flood(response, chunk, GiB)
  }, expect: { _tag: "RealmRejected" } },
  // The registry.
  { name: "registry: an endless 3xx body before the redirect", registry: (r, response, origin) => {
    if (r.url.startsWith("/v2/")) {
      response.writeHead(307, { location: `${origin}/ok` })
      return flood(response, chunk, GiB)
    }
    ok(r, response, origin)
  }, expect: { status: 200 } },
  { name: "registry: a dripping 3xx body before the redirect", registry: (r, response, origin) => {
    if (r.url.startsWith("/v2/")) {
      response.writeHead(307, { location: `${origin}/ok` })
      return drip(response, " ", 100)
    }
    ok(r, response, origin)
  }, expect: { status: 200 } },
  { name: "registry: an endless 503 body before each retry", registry: endless(503), retry: oneRetry, expect: { status: 503 } },
  { name: "registry: a dripping 503 body before each retry", registry: dripping(503), retry: oneRetry, expect: { status: 503 } },
  { name: "registry: an endless 401 body on the refused token", registry: endless(401, { "www-authenticate": "Bearer error=\"invalid_token\"" }), expect: { status: 401 } },
  // The response timeout ran out and no retry was left: a typed timeout, not a transport failure.
  { name: "registry: no headers, ever", registry: silent, expect: { _tag: "RegistryTimeout" } },
  { name: "registry: a redirect loop", registry: redirect((origin, r) => `${origin}${r.url}`), expect: { _tag: "RedirectRejected" } },
  { name: "registry: six hops", registry: (r, response, origin) => {
    const hop = Number(new URL(r.url, origin).searchParams.get("hop") ?? 0)
    redirect(() => `${origin}/v2/team/app/manifests/latest?hop=${hop + 1}`)(r, response, origin)
  }, expect: { _tag: "RedirectRejected" } },
  { name: "registry: 100 challenges", challenge: challenges(100), expect: { status: 200 } },
  { name: "registry: 10,000 challenges (past Node's header limit)", challenge: challenges(10_000), expect: { transport: true } },
  // Node refuses a header block over 16 KiB (the 10,000 challenges above): the parser's own 16 KiB bound is never reached through it.
  { name: "registry: a WWW-Authenticate as large as Node accepts", challenge: (origin) => `Bearer realm="${origin}/token",service="${"s".repeat(15_000)}"`, expect: { status: 200 } },
  { name: "registry: non-UTF-8 bytes in the challenge", challenge: (origin) => Buffer.from(`Bearer realm="${origin}/token\xff\xfe",service="\x80\xc3"`, "latin1").toString("latin1"), expect: { status: 200 } }
]

let server: HostileServer
let current: Case = CASES[0]!
beforeAll(async () => {
  server = await listen((received, response) => {
    const origin = server.origin
    if (received.url.startsWith("/token")) return (current.token ?? ((_, r) => void r.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "t0k", expires_in: 300 }))))(received, response, origin)
    if (received.url.startsWith("/v2/") && received.headers.authorization === undefined) {
      return void response.writeHead(401, { "www-authenticate": current.challenge?.(origin) ?? `Bearer realm="${origin}/token",service="hostile"` }).end()
    }
    ;(current.registry ?? ok)(received, response, origin)
  })
})
afterAll(() => server.close())

const settle = () => new Promise((resolve) => setTimeout(resolve, 100))

describe("hostile endpoints end in typed errors, in time, reading bounded bytes", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    current = c
    const registryFetch = makeRegistryFetch({
      credentials: { [new URL(server.origin).host]: { username: "alice", password: "pw" } },
      retry: c.retry ?? Retry.never,
      responseTimeout: `${TIMEOUT_MS} millis`,
      authenticator: { retry: c.retry ?? Retry.never, requestTimeout: `${TIMEOUT_MS} millis` }
    })
    const before = server.bytesWritten()
    try {
      const outcome = await registryFetch(`${server.origin}/v2/team/app/manifests/latest`).then(
        (response) => ({ response }),
        (error: unknown) => ({ error })
      )
      const expect = c.expect
      if ("status" in expect) {
        assert.isTrue("response" in outcome, `expected a response, got ${"error" in outcome ? String(outcome.error) : ""}`)
        if ("response" in outcome) {
          assert.strictEqual(outcome.response.status, expect.status)
          await outcome.response.body?.cancel()
        }
      } else if ("transport" in expect) {
        assert.isTrue("error" in outcome && outcome.error instanceof TypeError && outcome.error.message === "fetch failed")
      } else {
        assert.isTrue("error" in outcome && RegistryError.isRegistryError(outcome.error), `expected ${expect._tag}, got ${JSON.stringify(outcome)}`)
        if ("error" in outcome && RegistryError.isRegistryError(outcome.error)) {
          assert.strictEqual(outcome.error._tag, expect._tag)
          if (expect.reason !== undefined) assert.strictEqual((outcome.error as { readonly reason?: string }).reason, expect.reason)
        }
      }
    } finally {
      await registryFetch.close()
    }
    await settle()
    assert.isBelow(server.bytesWritten() - before, MAX_BYTES)
  }, Budget.scaled(30_000))
})
