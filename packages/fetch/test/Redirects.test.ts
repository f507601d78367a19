/** Redirect rules at the HttpClient level, with a scripted https transport. */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { assert, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer } from "effect"

interface Seen {
  readonly url: URL
  readonly authorization: string | undefined
  readonly method: string
}

const REALM = "https://auth.example/token"
const challenge = { scheme: "bearer", realm: REALM, service: "registry.example", scopes: [] } as const
const adapter = RegistryAdapter.make({ name: "example", hosts: ["registry.example"], challenge })

const setup = (route: (url: URL, seen: ReadonlyArray<Seen>) => Response) => {
  const seen: Array<Seen> = []
  const transport = HttpClient.make((request, url) =>
    Effect.sync(() => {
      seen.push({ url, authorization: request.headers["authorization"], method: request.method })
      if (url.origin === new URL(REALM).origin) return HttpClientResponse.fromWeb(request, Response.json({ token: "t0k3n", expires_in: 300 }))
      return HttpClientResponse.fromWeb(request, route(url, seen))
    })
  )
  const layer = RegistryClient.layerClient({ maxRedirects: 3 }).pipe(
    Layer.provide(Authenticator.layer()),
    Layer.provide(Layer.mergeAll(Layer.succeed(HttpClient.HttpClient, transport), Registries.layer([adapter]), CredentialProvider.layerAnonymous))
  )
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.flatMap(RegistryClient.RegistryClient, (client) => client.execute(request)).pipe(Effect.provide(layer))
  return { seen, execute }
}

const redirect = (status: number, location: string) => new Response(null, { status, headers: { location } })

describe("redirects", () => {
  it.effect("to another origin: followed without Authorization", () => {
    const t = setup((url) =>
      url.host === "registry.example" ? redirect(307, "https://cdn.example/blob?sig=1") : new Response("blob-bytes")
    )
    return Effect.gen(function* () {
      const response = yield* t.execute(
        HttpClientRequest.get("https://registry.example/v2/a/blobs/sha256:ab").pipe(HttpClientRequest.setUrlParam("digest", "x"))
      )
      assert.strictEqual(yield* response.text, "blob-bytes")
      const registry = t.seen.find((s) => s.url.host === "registry.example")!
      const cdn = t.seen.find((s) => s.url.host === "cdn.example")!
      assert.strictEqual(registry.authorization, "Bearer t0k3n")
      assert.isUndefined(cdn.authorization)
      assert.strictEqual(cdn.url.search, "?sig=1", "the query is the target's, nothing carried over")
    })
  })

  it.effect("to the same origin: Authorization kept", () => {
    const t = setup((url) => (url.pathname.startsWith("/v2/a/") ? redirect(308, "/v2/b/blobs/sha256:ab") : new Response("ok")))
    return Effect.gen(function* () {
      yield* t.execute(HttpClientRequest.get("https://registry.example/v2/a/blobs/sha256:ab"))
      assert.deepStrictEqual(
        t.seen.filter((s) => s.url.host === "registry.example").map((s) => s.authorization),
        ["Bearer t0k3n", "Bearer t0k3n"]
      )
    })
  })

  it.effect("a port change is another origin", () => {
    const t = setup((url) => (url.port === "" ? redirect(302, "https://registry.example:8443/x") : new Response("ok")))
    return Effect.gen(function* () {
      yield* t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1"))
      assert.isUndefined(t.seen.find((s) => s.url.port === "8443")!.authorization)
    })
  })

  it.effect("https → http is refused before anything is sent there", () => {
    const t = setup(() => redirect(302, "http://registry.example/v2/a/manifests/1"))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1")))
      assert.strictEqual(error._tag, "RedirectRejected")
      assert.include(error.message, "downgrade")
      assert.isFalse(t.seen.some((s) => s.url.protocol === "http:"))
    })
  })

  it.effect("a redirect loop ends at the limit with a typed error", () => {
    const t = setup((url) => redirect(302, url.pathname.endsWith("1") ? "/v2/a/manifests/2" : "/v2/a/manifests/1"))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1")))
      assert.strictEqual(error._tag, "RedirectRejected")
      assert.include(error.message, "more than 3 redirects")
      assert.strictEqual(t.seen.filter((s) => s.url.host === "registry.example").length, 4)
    })
  })

  it.effect("303 turns into a GET without body", () => {
    const t = setup((url) => (url.pathname.includes("uploads") ? redirect(303, "/v2/a/blobs/sha256:ab") : new Response("ok")))
    return Effect.gen(function* () {
      yield* t.execute(HttpClientRequest.post("https://registry.example/v2/a/blobs/uploads/").pipe(HttpClientRequest.bodyText("x")))
      assert.deepStrictEqual(t.seen.filter((s) => s.url.host === "registry.example").map((s) => s.method), ["POST", "GET"])
    })
  })

  it.effect("the HttpClient layer carries registry errors as the cause of an HttpClientError", () => {
    const layer = RegistryClient.layer.pipe(
      Layer.provide(Authenticator.layer()),
      Layer.provide(
        Layer.mergeAll(
          Layer.succeed(HttpClient.HttpClient, HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, redirect(302, "http://elsewhere.example/"))))),
          Registries.layerGeneric,
          CredentialProvider.layerAnonymous
        )
      )
    )
    return Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("https://open.example/v2/"))
      assert.strictEqual(error._tag, "HttpClientError")
      const cause = RegistryClient.registryError(error)
      assert.strictEqual(cause._tag === "Some" && cause.value._tag, "RedirectRejected")
    }).pipe(Effect.provide(layer))
  })
})

describe("error bodies", () => {
  const run = (adapterOptions: Partial<RegistryAdapter.Options>, route: (url: URL, n: number) => Response) => {
    let n = 0
    const seen: Array<string | undefined> = []
    const transport = HttpClient.make((request, url) =>
      Effect.sync(() => {
        if (url.origin === new URL(REALM).origin) {
          return HttpClientResponse.fromWeb(request, Response.json({ token: `t${++n}`, expires_in: 300 }))
        }
        seen.push(request.headers["authorization"])
        return HttpClientResponse.fromWeb(request, route(url, seen.length))
      })
    )
    const ecrLike = RegistryAdapter.make({ ...adapterOptions, name: "ecr-like", hosts: ["registry.example"], challenge })
    const layer = RegistryClient.layerClient().pipe(
      Layer.provide(Authenticator.layer()),
      Layer.provide(Layer.mergeAll(Layer.succeed(HttpClient.HttpClient, transport), Registries.layer([ecrLike]), CredentialProvider.layerAnonymous))
    )
    return { seen, execute: (request: HttpClientRequest.HttpClientRequest) => Effect.flatMap(RegistryClient.RegistryClient, (c) => c.execute(request)).pipe(Effect.provide(layer)) }
  }
  const denied = () => Response.json({ errors: [{ code: "DENIED", message: "token expired" }] }, { status: 400 })

  it.effect("an adapter's re-auth trigger with an OCI code renews the token once", () => {
    const t = run({ reauthOn: [{ status: 400, code: "DENIED" }] }, (_, n) => (n === 1 ? denied() : new Response("ok")))
    return Effect.gen(function* () {
      const response = yield* t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1"))
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(t.seen, ["Bearer t1", "Bearer t2"])
    })
  })

  it.effect("a status that matches without the code is returned, body intact", () => {
    const t = run({ reauthOn: [{ status: 400, code: "EXPIRED" }] }, () => denied())
    return Effect.gen(function* () {
      const response = yield* t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1"))
      assert.strictEqual(response.status, 400)
      assert.include(yield* response.text, "token expired")
      assert.strictEqual(t.seen.length, 1)
    })
  })

  it.effect("filterStatusOk reads at most 64 KiB of an error body", () => {
    const huge = JSON.stringify({ errors: [{ code: "DENIED", message: "x".repeat(70 * 1024) }] })
    const t = run({}, () => new Response(huge, { status: 403 }))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.flatMap(t.execute(HttpClientRequest.get("https://registry.example/v2/a/manifests/1")), RegistryClient.filterStatusOk))
      assert.strictEqual(error._tag, "RegistryResponseError")
      if (error._tag === "RegistryResponseError") assert.deepStrictEqual(error.errors, [])
    })
  })
})

describe("invalid URLs", () => {
  it.effect("a request URL that does not parse is a typed InvalidUrlError failure, not a defect", () =>
    Effect.gen(function* () {
      const t = setup(() => new Response("unused"))
      const error = yield* Effect.flip(t.execute(HttpClientRequest.get("not a url")))
      assert.strictEqual(error._tag, "HttpClientError")
      assert.strictEqual(error._tag === "HttpClientError" && error.reason._tag, "InvalidUrlError")
      assert.strictEqual(t.seen.length, 0)
    }))
})
