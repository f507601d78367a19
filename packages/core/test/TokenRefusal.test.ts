/**
 * Token-server refusals carry the server's reason whatever the body's shape
 * (#28.2), and map to typed reasons (#28.3, #28.6); a 429 says which limit
 * (#28.1); an opaque token dies with the credential it was issued on (#28.4).
 */
import { assert, describe, it } from "@effect/vitest"
import { Authenticator, Credential, CredentialProvider, Registries, RegistryAdapter, Retry, Scope } from "@ociauth/core"
import { DateTime, Effect, Layer, Option, Redacted } from "effect"
import { fakeHttp, json } from "./utils/fakeHttp.js"
import type { Handler } from "./utils/fakeHttp.js"

const ORIGIN = "https://registry.example"
const REALM = "https://auth.example/token"
const challenge = { scheme: "bearer", realm: REALM, service: "registry.example", scopes: [] } as const
const SECRET = "CANARY-pw-5d1e0"

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "text/plain", ...headers } })

const layerOf = (handler: Handler, credential?: Credential.Credential) =>
  Authenticator.layer({ retry: Retry.never }).pipe(
    Layer.provide(Layer.mergeAll(
      fakeHttp(handler).layer,
      Registries.layer([]),
      credential === undefined ? CredentialProvider.layerAnonymous : Layer.succeed(CredentialProvider.CredentialProvider, { get: () => Effect.succeed(credential) })
    ))
  )

const basic = Credential.Basic({ username: "me", password: Redacted.make(SECRET) })

const refusal = (handler: Handler, scopes = [Scope.repository("team/app", ["pull"])], credential: Credential.Credential | undefined = basic) =>
  Effect.flatMap(Authenticator.Authenticator, (auth) => auth.authorize({ origin: ORIGIN, challenge, scopes })).pipe(
    Effect.flip,
    Effect.provide(layerOf(handler, credential))
  )

describe("token refusals: the server's reason, whatever the body's shape", () => {
  const cases: ReadonlyArray<readonly [string, () => Response, string | undefined]> = [
    ["OCI errors (the spec, Quay)", () => json(401, { errors: [{ code: "UNAUTHORIZED", message: "Specified credentials are invalid", detail: {} }] }), "UNAUTHORIZED: Specified credentials are invalid"],
    ["auth.docker.io's {\"details\": …}", () => json(401, { details: "incorrect username or password" }), "incorrect username or password"],
    ["an OAuth2 error_description", () => json(401, { error: "invalid_grant", error_description: "refresh token expired" }), "refresh token expired"],
    ["plain text (its first line)", () => text(401, "\ninvalid API key\nsee https://ngc.example/keys\n"), "invalid API key"],
    ["an HTML page says nothing", () => new Response("<html><body>401</body></html>", { status: 401, headers: { "content-type": "text/html" } }), undefined],
    ["a secret the SDK sent is scrubbed from the words", () => text(401, `bad password ${SECRET}`), "bad password <redacted>"]
  ]
  for (const [name, answer, detail] of cases) {
    it.effect(name, () =>
      Effect.map(refusal(() => answer()), (error) => {
        assert.strictEqual(error._tag, "TokenRequestError")
        if (error._tag !== "TokenRequestError") return
        assert.strictEqual(error.reason, "Unauthorized")
        assert.strictEqual(error.status, 401)
        if (detail?.includes("<redacted>")) {
          assert.notInclude(error.detail ?? "", SECRET)
          assert.match(error.detail ?? "", /^bad password /)
        } else assert.strictEqual(error.detail, detail)
        assert.notInclude(error.message, SECRET)
      }))
  }
})

describe("token refusals: typed reasons", () => {
  it.effect("anonymous refused with 401 (GHCR on a private package): Unauthorized, credentials are needed", () =>
    Effect.map(refusal(() => json(401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), undefined, Credential.anonymous), (error) => {
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Unauthorized")
      assert.strictEqual(error._tag === "TokenRequestError" && error.detail, "credentials are needed (an anonymous token was refused): UNAUTHORIZED: authentication required")
    }))

  it.effect("403 DENIED: Denied, with the server's words", () =>
    Effect.map(refusal(() => json(403, { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] })), (error) => {
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Denied")
      assert.strictEqual(error._tag === "TokenRequestError" && error.detail, "DENIED: requested access to the resource is denied")
    }))

  it.effect("400 NAME_INVALID: InvalidName, naming the scopes", () =>
    Effect.map(refusal(() => json(400, { errors: [{ code: "NAME_INVALID", message: "invalid repository name" }] }), [Scope.repository("toddysm", ["pull"])]), (error) => {
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "InvalidName")
      assert.strictEqual(error._tag === "TokenRequestError" && error.detail, "the token server refused a repository name of repository:toddysm:pull (NAME_INVALID: invalid repository name)")
    }))

  it.effect("405 UNSUPPORTED for a push (Quay without write permission): Denied, no write permission", () =>
    Effect.map(
      refusal(() => json(405, { errors: [{ code: "UNSUPPORTED", message: "No permission to modify repository", detail: {} }] }), [Scope.repository("acme/app", ["pull", "push"])]),
      (error) => {
        assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Denied")
        assert.strictEqual(error._tag === "TokenRequestError" && error.status, 405)
        assert.strictEqual(
          error._tag === "TokenRequestError" && error.detail,
          "the account has no write permission for repository:acme/app:pull,push (UNSUPPORTED: No permission to modify repository)"
        )
      }
    ))

  it.effect("429 text/plain HAP429 with Retry-After: RateLimited, AbuseProtection, when to retry and how (not) to raise it", () =>
    Effect.map(refusal(() => text(429, "Too Many Requests (HAP429).\n", { "retry-after": "60" })), (error) => {
      assert.strictEqual(error._tag, "TokenRequestError")
      if (error._tag !== "TokenRequestError") return
      assert.strictEqual(error.reason, "RateLimited")
      assert.strictEqual(error.retryAfterMillis, 60_000)
      const limit = error.rateLimit!
      assert.strictEqual(limit._tag, "RateLimited")
      assert.strictEqual(limit.kind, "AbuseProtection")
      assert.strictEqual(limit.retryAfterMillis, 60_000)
      assert.strictEqual(limit.url, REALM)
      assert.isTrue(limit.authenticated)
      assert.include(error.message, "AbuseProtection; retry after 1m")
      assert.include(error.message, "does not raise it")
    }))
})

describe("an opaque token lives no longer than its credential", () => {
  it.effect("no expires_in, no JWT exp: the credential's expiry, not the adapter's default", () =>
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const expiresAt = DateTime.add(now, { minutes: 5 })
      const adapter = RegistryAdapter.make({ name: "opaque", hosts: ["registry.example"], defaultTokenLifetime: "1 hour" })
      const credential = Credential.Basic({ username: "oauth2accesstoken", password: Redacted.make(SECRET), expiresAt })
      const layer = Authenticator.layer({ retry: Retry.never }).pipe(
        Layer.provide(Layer.mergeAll(
          fakeHttp(() => json(200, { token: "opaque-registry-token" })).layer,
          Registries.layer([adapter]),
          Layer.succeed(CredentialProvider.CredentialProvider, { get: () => Effect.succeed(credential) })
        ))
      )
      const auth = yield* Effect.flatMap(Authenticator.Authenticator, (a) =>
        a.authorize({ origin: ORIGIN, challenge, scopes: [Scope.repository("team/app", ["pull"])] })
      ).pipe(Effect.provide(layer))
      const token = Option.getOrThrow(auth.token)
      assert.strictEqual(DateTime.toEpochMillis(token.expiresAt), DateTime.toEpochMillis(expiresAt))
    }))

  it.effect("a stated expires_in is the server's word, kept", () =>
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const credential = Credential.Basic({ username: "u", password: Redacted.make(SECRET), expiresAt: DateTime.add(now, { minutes: 5 }) })
      const layer = Authenticator.layer({ retry: Retry.never }).pipe(
        Layer.provide(Layer.mergeAll(
          fakeHttp(() => json(200, { token: "t", expires_in: 3600 })).layer,
          Registries.layer([]),
          Layer.succeed(CredentialProvider.CredentialProvider, { get: () => Effect.succeed(credential) })
        ))
      )
      const auth = yield* Effect.flatMap(Authenticator.Authenticator, (a) =>
        a.authorize({ origin: ORIGIN, challenge, scopes: [Scope.repository("team/app", ["pull"])] })
      ).pipe(Effect.provide(layer))
      const token = Option.getOrThrow(auth.token)
      assert.strictEqual(DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt), 3_600_000)
    }))
})
