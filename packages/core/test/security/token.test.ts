/**
 * Issue 12 "Also": a server's lifetime is honoured when short and capped when
 * absurd, so `expiresAt` (and `TokenIssued.expiresAt`) is always a valid date.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer, Result, Schema } from "effect"
import { AuthEvent, Authenticator, CredentialProvider, Registries, Scope, Token } from "@ociauth/core"
import { fakeHttp, json, jwt } from "../utils/fakeHttp.js"

const now = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
const decode = Schema.decodeUnknownResult(Token.Response)
const lifetimeOf = (body: unknown, defaultLifetime?: Duration.Input) => {
  const token = Token.fromResponse(Result.getOrThrow(decode(body)), defaultLifetime === undefined ? { now } : { now, defaultLifetime })
  return (DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt)) / 1000
}
const DAY = 86_400

describe("security: token lifetimes", () => {
  const cases: ReadonlyArray<readonly [string, unknown, number]> = [
    ["1 s expires_in", { token: "t", expires_in: 1 }, 1],
    ["no lifetime at all", { token: "t" }, 60],
    ["expires_in 9e15", { token: "t", expires_in: 9e15 }, DAY],
    ["expires_in 1e308", { token: "t", expires_in: 1e308 }, DAY],
    ["expires_in Infinity", { token: "t", expires_in: Infinity }, DAY],
    ["expires_in NaN", { token: "t", expires_in: NaN }, 60],
    ["expires_in negative", { token: "t", expires_in: -300 }, 60],
    ["JWT exp 9e15", { token: jwt({ iat: 1_767_225_600, exp: 9e15 }) }, DAY],
    ["JWT exp 1 s after iat", { token: jwt({ iat: 1_767_225_600, exp: 1_767_225_601 }) }, 1],
    ["JWT exp before iat", { token: jwt({ iat: 1_767_225_600, exp: 1 }) }, 60],
    ["JWT exp -9e15", { token: jwt({ iat: 1, exp: -9e15 }) }, 60]
  ]
  for (const [name, body, seconds] of cases) {
    it(`${name} → ${seconds} s`, () => assert.strictEqual(lifetimeOf(body), seconds))
  }

  it("issued_at at the edges of time never makes an invalid date", () => {
    for (const issued_at of ["+275760-09-13T00:00:00Z", "-271821-04-20T00:00:00Z", "0000-01-01T00:00:00Z", "9".repeat(40)]) {
      const token = Token.fromResponse(Result.getOrThrow(decode({ token: "t", expires_in: 9e15, issued_at })), { now })
      assert.isTrue(Number.isFinite(DateTime.toEpochMillis(token.expiresAt)), issued_at)
      assert.isTrue(Number.isFinite(DateTime.toEpochMillis(token.issuedAt)), issued_at)
    }
  })

  for (const [expires_in, seconds] of [[9e15, DAY], [1, 1]] as const) {
    it.effect(`TokenIssued.expiresAt is valid and ${seconds} s away for expires_in ${expires_in}`, () => {
      const events: Array<AuthEvent.AuthEvent> = []
      const http = fakeHttp(() => json(200, { token: "opaque", expires_in }))
      const layer = Authenticator.layer().pipe(
        Layer.provide(
          Layer.mergeAll(
            http.layer,
            Registries.layer([]),
            CredentialProvider.layerAnonymous,
            AuthEvent.layer((event) => Effect.sync(() => events.push(event)))
          )
        )
      )
      return Effect.gen(function* () {
        const start = yield* DateTime.now
        const auth = yield* Authenticator.Authenticator
        yield* auth.authorize({
          origin: "https://registry.example",
          challenge: { scheme: "bearer", realm: "https://auth.example/token", service: "s", scopes: [] },
          scopes: [Scope.repository("team/app", ["pull"])]
        })
        const issued = events.find((e) => e._tag === "TokenIssued")
        assert.isDefined(issued)
        if (issued?._tag !== "TokenIssued") return
        const millis = DateTime.toEpochMillis(issued.expiresAt)
        assert.isTrue(Number.isFinite(millis))
        assert.strictEqual(millis - DateTime.toEpochMillis(start), seconds * 1000)
        assert.doesNotThrow(() => DateTime.formatIso(issued.expiresAt))
      }).pipe(Effect.provide(layer))
    })
  }
})
