/**
 * What `probe --transcript` and `request -v` show of headers a server sets:
 * cookies by their names only, and a `Location` (a signed URL) without its
 * query, user or password.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Transcript } from "@ociauth/cli"
import { Effect } from "effect"
import { runCli } from "./utils.js"

const COOKIE = "COOKIE-SECRET-91f3"
const SIGNATURE = "SIGNATURE-SECRET-0a7d"

/** A registry of sorts that sets a session cookie on every answer and answers an upload with a signed Location. */
let server: Server
let origin: string
beforeAll(async () => {
  server = createServer((request, response) => {
    const cookie = { "set-cookie": [`session=${COOKIE}; Path=/; HttpOnly`, `other=${COOKIE}-2`] }
    // an upload's state, signed as distribution signs it: a relative Location with a secret query
    if (request.method === "POST") return response.writeHead(202, { ...cookie, location: `/v2/team/app/blobs/uploads/u1?_state=${SIGNATURE}` }).end()
    response.writeHead(200, { ...cookie, "content-type": "application/json", "docker-distribution-api-version": "registry/2.0" }).end("{}")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe("headers in transcripts and -v", () => {
  it("formatExchange: cookie values and a Location's query, user and password redacted; names and the rest kept", () => {
    const text = Transcript.formatExchange({
      title: "a blob",
      method: "GET",
      url: `${origin}/v2/team/app/blobs/sha256:abc`,
      requestHeaders: { cookie: `session=${COOKIE}; theme=dark`, authorization: `Bearer ${COOKIE}` },
      status: 307,
      responseHeaders: {
        "set-cookie": `session=${COOKIE}; Path=/; HttpOnly`,
        location: `https://alice:${COOKIE}@bucket.s3.example/blobs/x?X-Amz-Signature=${SIGNATURE}#frag`,
        "content-location": `/v2/team/app/blobs/y?token=${SIGNATURE}`
      }
    })
    assert.include(text, "cookie: session=<redacted>; theme=<redacted>")
    assert.include(text, "authorization: Bearer <redacted>")
    assert.include(text, "set-cookie: session=<redacted>")
    assert.include(text, "location: https://bucket.s3.example/blobs/x?<redacted>")
    assert.include(text, `content-location: ${origin}/v2/team/app/blobs/y?<redacted>`)
    assert.notInclude(text, COOKIE)
    assert.notInclude(text, SIGNATURE)
  })

  it("formatExchange: every header of the engine's credential list is shown redacted (X-Registry-Auth, Private-Token, …)", () => {
    const text = Transcript.formatExchange({
      title: "an echo",
      method: "GET",
      url: `${origin}/v2/`,
      requestHeaders: { "private-token": COOKIE },
      status: 200,
      responseHeaders: { "x-registry-auth": COOKIE, "x-auth-token": COOKIE, "job-token": COOKIE, "x-api-key": COOKIE }
    })
    for (const name of ["private-token", "x-registry-auth", "x-auth-token", "job-token", "x-api-key"]) assert.include(text, `${name}: <redacted>`)
    assert.notInclude(text, COOKIE)
  })

  it.live("probe --transcript and request -v against a server that sets cookies and answers with a signed Location", () =>
    Effect.gen(function* () {
      const probe = yield* runCli(["probe", origin, "team/app", "--transcript"])
      assert.include(probe.stdout, "set-cookie: session=<redacted>")
      assert.notInclude(probe.stdout + probe.stderr, COOKIE)

      const request = yield* runCli(["request", "-v", "POST", `${origin}/v2/team/app/blobs/uploads/`])
      assert.strictEqual(request.code, 0, request.stderr)
      assert.include(request.stderr, `< location: ${origin}/v2/team/app/blobs/uploads/u1?<redacted>`)
      assert.include(request.stderr, "< set-cookie: session=<redacted>")
      assert.notInclude(request.stdout + request.stderr, COOKIE)
      assert.notInclude(request.stdout + request.stderr, SIGNATURE)
    }))
})
