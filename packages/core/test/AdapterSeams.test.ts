/**
 * Two adapter seams: `routeActions` (a registry whose rules for a route differ
 * from the spec's, as ACR's tags/list) and the context a registry-specific
 * credential source is called with (the API origin, the engine's send step).
 */
import { HttpClientRequest } from "effect/http"
import { assert, describe, it } from "@effect/vitest"
import { Authenticator, Credential, CredentialProvider, Registries, RegistryAdapter, Scope } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { Effect, Layer, Option, Redacted } from "effect"
import { fakeHttp, json } from "./utils/fakeHttp.js"

const metadata = RegistryAdapter.make({
  name: "metadata",
  hosts: ["registry.example"],
  routeActions: (method, route) => (route._tag === "Tags" && method === "GET" ? ["metadata_read"] : undefined)
})

describe("RegistryAdapter.routeActions", () => {
  it("replaces the actions of the route's repository only where it says so", () => {
    const format = (method: string, url: string) => Unstable.scopesFor(metadata, method, url).map(Scope.format)
    assert.deepStrictEqual(format("GET", "https://registry.example/v2/team/app/tags/list"), ["repository:team/app:metadata_read"])
    assert.deepStrictEqual(format("GET", "https://registry.example/v2/team/app/manifests/1"), ["repository:team/app:pull"])
    assert.deepStrictEqual(format("GET", "https://registry.example/v2/_catalog"), ["registry:catalog:*"])
    assert.deepStrictEqual(
      Unstable.scopesFor(RegistryAdapter.generic, "GET", "https://registry.example/v2/team/app/tags/list").map(Scope.format),
      ["repository:team/app:pull"]
    )
  })
})

describe("RegistryAdapter.credentials context", () => {
  it.effect("a source gets the API origin and sends through the engine's transport", () =>
    Effect.gen(function* () {
      const http = fakeHttp((request) =>
        request.url.pathname === "/exchange"
          ? json(200, { refresh_token: "exchanged-refresh-token" })
          : json(200, { token: "registry-token", expires_in: 300 })
      )
      const seen: Array<string> = []
      const adapter = RegistryAdapter.make({
        name: "exchanging",
        hosts: ["registry.example"],
        credentials: (host, { origin, send }) =>
          Effect.gen(function* () {
            seen.push(`${host} ${origin}`)
            const response = yield* send(HttpClientRequest.post(`${origin}/exchange`), true).pipe(Effect.orDie)
            const body = (yield* response.json.pipe(Effect.orDie)) as { refresh_token: string }
            return Option.some(Credential.IdentityToken({ token: Redacted.make(body.refresh_token) }))
          })
      })
      const authorization = yield* Effect.flatMap(Authenticator.Authenticator, (auth) =>
        auth.authorize({
          origin: "https://mirror.example",
          host: "registry.example",
          challenge: { scheme: "bearer", realm: "https://mirror.example/token", service: "registry.example", scopes: [] },
          scopes: [Scope.repository("team/app", ["pull"])]
        })
      ).pipe(
        Effect.provide(
          Authenticator.layer().pipe(
            Layer.provide(Layer.mergeAll(http.layer, Registries.layer([adapter]), CredentialProvider.layerAnonymous))
          )
        )
      )
      assert.strictEqual(Redacted.value(authorization.credentials), "registry-token")
      assert.deepStrictEqual(seen, ["registry.example https://mirror.example"])
      assert.deepStrictEqual(http.log.map((r) => `${r.method} ${r.url.origin}${r.url.pathname}`), [
        "POST https://mirror.example/exchange",
        "POST https://mirror.example/token"
      ])
      assert.include(http.log[1]!.body, "refresh_token=exchanged-refresh-token")
    }))
})

describe("TokenRequestPreferences.postScopes", () => {
  const post = (postScopes: "joined" | "repeated" | undefined) =>
    Effect.gen(function* () {
      const http = fakeHttp(() => json(200, { access_token: "t", expires_in: 300 }))
      const adapter = RegistryAdapter.make({ name: "scoped", hosts: ["registry.example"], tokenRequest: postScopes === undefined ? {} : { postScopes } })
      yield* Effect.flatMap(Authenticator.Authenticator, (auth) =>
        auth.authorize({
          origin: "https://registry.example",
          challenge: { scheme: "bearer", realm: "https://registry.example/oauth2/token", service: "registry.example", scopes: [] },
          scopes: [Scope.repository("a", ["pull"]), Scope.repository("b", ["pull", "push"])]
        })
      ).pipe(
        Effect.provide(
          Authenticator.layer().pipe(
            Layer.provide(Layer.mergeAll(http.layer, Registries.layer([adapter]), CredentialProvider.layerStatic({ "registry.example": { identityToken: "rt" } })))
          )
        )
      )
      return new URLSearchParams(http.log[0]!.body).getAll("scope")
    })

  it.effect("one space-separated scope by default, one scope parameter per scope when repeated", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* post(undefined), ["repository:a:pull repository:b:pull,push"])
      assert.deepStrictEqual(yield* post("joined"), ["repository:a:pull repository:b:pull,push"])
      assert.deepStrictEqual(yield* post("repeated"), ["repository:a:pull", "repository:b:pull,push"])
    }))
})
