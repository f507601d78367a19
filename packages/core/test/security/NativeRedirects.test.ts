/**
 * Effect's default `FetchHttpClient.layer` lets fetch follow redirects itself.
 * The engine's token requests and `RegistryHttp.followRedirects` must still see
 * every hop (their realm and redirect rules), so they run with
 * `redirect: "manual"`: a 307 to another origin never carries a refresh token
 * or a credential header there. Real loopback servers, Node's real fetch.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryHttp, Scope } from "@ociauth/core"
import { Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** A loopback server recording every request, answering with `answer`. */
const serve = async (answer: (request: Seen, response: http.ServerResponse) => void) => {
  const seen: Array<Seen> = []
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => (body += chunk))
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body }
      seen.push(request)
      answer(request, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return { seen, origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const SECRET = "REFRESH-CANARY-7f3a"

describe("fetch's own redirects never bypass the SDK's redirect rules", () => {
  let elsewhere: Awaited<ReturnType<typeof serve>>
  let realm: Awaited<ReturnType<typeof serve>>
  beforeAll(async () => {
    elsewhere = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "stolen" })))
    // `localhost` is another origin than `127.0.0.1` for the redirect rules, and still loopback.
    realm = await serve((_req, res) => res.writeHead(307, { location: `${elsewhere.origin.replace("127.0.0.1", "localhost")}/grab` }).end())
  })
  afterAll(async () => {
    await elsewhere.close()
    await realm.close()
  })

  it.effect("the engine over FetchHttpClient.layer: a token POST redirected to another origin is refused, the refresh token stays", () =>
    Effect.gen(function* () {
      const auth = yield* Authenticator.Authenticator
      const error = yield* Effect.flip(
        auth.authorize({
          origin: "http://127.0.0.1:1",
          challenge: { scheme: "bearer", realm: `${realm.origin}/token`, service: "registry.test", scopes: [] },
          scopes: [Scope.repository("team/app", ["pull"])]
        })
      )
      assert.strictEqual(error._tag, "RealmRejected", String(error))
      assert.strictEqual(realm.seen.length, 1)
      assert.deepStrictEqual(elsewhere.seen, [], "nothing reached the other origin")
    }).pipe(
      Effect.provide(
        Authenticator.layer().pipe(
          Layer.provide([
            FetchHttpClient.layer,
            Registries.layerGeneric,
            CredentialProvider.layerStatic({ "127.0.0.1:1": { identityToken: SECRET } })
          ])
        )
      )
    ))

  it.effect("RegistryHttp.followRedirects over FetchHttpClient.layer: a credential header does not follow to another origin", () =>
    Effect.gen(function* () {
      const before = elsewhere.seen.length
      const client = (yield* HttpClient.HttpClient).pipe(RegistryHttp.followRedirects())
      const response = yield* client.execute(
        HttpClientRequest.get(`${realm.origin}/v2/`).pipe(
          HttpClientRequest.setHeaders({ authorization: `Bearer ${SECRET}`, "x-registry-auth": SECRET, "private-token": SECRET, "x-api-key": SECRET })
        )
      )
      assert.strictEqual(response.status, 200, "followed by the SDK's step")
      const hop = elsewhere.seen.slice(before)
      assert.strictEqual(hop.length, 1)
      assert.isUndefined(hop[0]!.headers.authorization)
      for (const name of ["x-registry-auth", "private-token", "x-api-key"]) assert.isUndefined(hop[0]!.headers[name], name)
      assert.isFalse(JSON.stringify(hop).includes(SECRET), "the secret reached the other origin")
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})
