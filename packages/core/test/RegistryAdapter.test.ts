/**
 * The adapter seams added for ECR and ECR Public (issue 14): the page-size cap,
 * reauth triggers matched on the error message, and the anonymous fallback of
 * the token request — the last through the engine over a scripted token server.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter, Scope } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { Effect, Layer, Option, Redacted } from "effect"
import { fakeHttp, json } from "./utils/fakeHttp.js"
import type { Handler } from "./utils/fakeHttp.js"

describe("Unstable.clampPageSize", () => {
  const capped = RegistryAdapter.make({ name: "capped", hosts: ["registry.example"], maxPageSize: 1000 })
  const clamp = (adapter: RegistryAdapter.RegistryAdapter, url: string) => Unstable.clampPageSize(adapter, new URL(url)).href

  it("lowers n above the cap, keeps the rest of the URL", () => {
    assert.strictEqual(clamp(capped, "https://registry.example/v2/a/tags/list?n=5000&last=x"), "https://registry.example/v2/a/tags/list?n=1000&last=x")
  })

  it("leaves n at or below the cap, a missing or unreadable n, and adapters without a cap alone", () => {
    for (const url of ["https://registry.example/v2/a/tags/list?n=1000", "https://registry.example/v2/a/tags/list", "https://registry.example/v2/a/tags/list?n=abc"]) {
      assert.strictEqual(clamp(capped, url), url)
    }
    assert.strictEqual(clamp(RegistryAdapter.generic, "https://registry.example/v2/a/tags/list?n=5000"), "https://registry.example/v2/a/tags/list?n=5000")
    assert.isTrue(Option.isNone(RegistryAdapter.generic.maxPageSize))
  })
})

describe("Unstable.matchesTrigger", () => {
  const expired: RegistryAdapter.ReauthTrigger = { status: 403, code: "DENIED", message: "authorization token has EXPIRED" }

  it("status, code and a message that contains the text, case-insensitively", () => {
    assert.isTrue(Unstable.matchesTrigger([expired], 403, ["DENIED"], ["Your authorization token has expired. Reauthenticate and try again."]))
  })

  it("not another status, another code, or another message", () => {
    assert.isFalse(Unstable.matchesTrigger([expired], 401, ["DENIED"], ["Your authorization token has expired."]))
    assert.isFalse(Unstable.matchesTrigger([expired], 403, ["UNAUTHORIZED"], ["Your authorization token has expired."]))
    assert.isFalse(Unstable.matchesTrigger([expired], 403, ["DENIED"], ["User is not authorized to perform: ecr:BatchGetImage"]))
    assert.isFalse(Unstable.matchesTrigger([expired], 403, ["DENIED"]))
  })

  it("isReauthTrigger reads the adapter's reauthOn with messages", () => {
    const adapter = RegistryAdapter.make({ name: "ecr-like", hosts: ["registry.example"], reauthOn: [expired] })
    assert.isTrue(Unstable.isReauthTrigger(adapter, 403, ["DENIED"], ["authorization token has expired"]))
    assert.isFalse(Unstable.isReauthTrigger(adapter, 403, ["DENIED"], []))
  })
})

describe("tokenRequest.anonymousFallback", () => {
  const REALM = "https://registry.example/token/"
  const EXPIRED = { errors: [{ code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." }] }
  const handler: Handler = (request) =>
    request.headers["authorization"] === undefined ? json(200, { token: "anonymous-token", expires_in: 300 }) : json(403, EXPIRED)
  const adapter = (fallback: ReadonlyArray<RegistryAdapter.ReauthTrigger>) =>
    RegistryAdapter.make({
      name: "public-like",
      hosts: ["registry.example"],
      challenge: { scheme: "bearer", realm: REALM, service: "registry.example", scopes: [] },
      tokenRequest: { method: "get", anonymousFallback: fallback }
    })
  const run = (fallback: ReadonlyArray<RegistryAdapter.ReauthTrigger>) => {
    const http = fakeHttp(handler)
    const events: Array<AuthEvent.AuthEvent> = []
    const authorize = Effect.flatMap(Authenticator.Authenticator, (auth) =>
      auth.authorize({
        origin: "https://registry.example",
        challenge: { scheme: "bearer", realm: REALM, service: "registry.example", scopes: [] },
        scopes: [Scope.repository("library/alpine", ["pull"])]
      })
    ).pipe(
      Effect.provide(
        Authenticator.layer().pipe(
          Layer.provide(
            Layer.mergeAll(
              http.layer,
              Registries.layer([adapter(fallback)]),
              CredentialProvider.layerStatic({ "registry.example": { username: "AWS", password: "expired-login" } }),
              AuthEvent.layer((event) => Effect.sync(() => events.push(event)))
            )
          )
        )
      )
    )
    return { http, events, authorize }
  }

  it.effect("a credential refused as declared → the token is asked for anonymously", () =>
    Effect.gen(function* () {
      const { authorize, events, http } = run([{ status: 403, message: "authorization token has expired" }])
      const authorization = yield* authorize
      assert.strictEqual(Redacted.value(authorization.credentials), "anonymous-token")
      assert.deepStrictEqual(http.log.map((r) => r.headers["authorization"] === undefined ? "anonymous" : "basic"), ["basic", "anonymous"])
      assert.deepStrictEqual(
        events.filter((e) => e._tag === "TokenRequested").map((e) => (e._tag === "TokenRequested" ? e.credential : "")),
        ["basic (AWS)", "anonymous"]
      )
    }))

  it.effect("without the declaration, the refusal is the answer: TokenRequestError (Denied)", () =>
    Effect.gen(function* () {
      const { authorize, http } = run([])
      const error = yield* Effect.flip(authorize)
      assert.strictEqual(error._tag, "TokenRequestError")
      assert.strictEqual(error._tag === "TokenRequestError" ? error.reason : "", "Denied")
      assert.strictEqual(http.log.length, 1)
    }))
})
