import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Option, Redacted, Result, Schema } from "effect"
import { Scope, Token } from "@ociauth/core"
import { seed002Token } from "./fixtures/seed-002-token.js"

const decode = Schema.decodeUnknownResult(Token.Response)
const decodeOk = (u: unknown) => Result.getOrThrow(decode(u))
const now = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
const seconds = (token: Token.Token) => (DateTime.toEpochMillis(token.expiresAt) - DateTime.toEpochMillis(token.issuedAt)) / 1000

const jwt = (claims: object) =>
  [{ alg: "none", typ: "JWT" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") +
  ".sig"

describe("Token.Response", () => {
  it("accepts token, access_token or both, and redacts them", () => {
    const r = decodeOk({ token: "t", access_token: "a", expires_in: 300, issued_at: "2026-01-01T00:00:00Z" })
    assert.isTrue(Redacted.isRedacted(r.token))
    assert.notInclude(String(r.token), "t\"")
    assert.strictEqual(Redacted.value(Token.fromResponse(r, { now }).value), "a", "access_token wins, as in the reference client")
    assert.strictEqual(Redacted.value(Token.fromResponse(decodeOk({ token: "t" }), { now }).value), "t")
  })

  it("treats null fields as absent", () => {
    const r = decodeOk({ token: "t", refresh_token: null, expires_in: null, issued_at: null })
    assert.isTrue(Option.isNone(Token.fromResponse(r, { now }).refreshToken))
  })

  for (const garbage of [{}, { token: "" }, { token: 1 }, { access_token: null }, [], "token", null, { expires_in: 60 }]) {
    it(`rejects ${JSON.stringify(garbage)}`, () => {
      assert.isTrue(Result.isFailure(decode(garbage)))
    })
  }
})

describe("Token.fromResponse lifetime", () => {
  it("expires_in counts from a sane issued_at", () => {
    const token = Token.fromResponse(decodeOk({ token: "t", expires_in: 300, issued_at: "2025-12-31T23:59:00Z" }), { now })
    assert.strictEqual(DateTime.formatIso(token.issuedAt), "2025-12-31T23:59:00.000Z")
    assert.strictEqual(DateTime.formatIso(token.expiresAt), "2026-01-01T00:04:00.000Z")
  })

  it("a short expires_in is honoured: 1 s tokens live 1 s", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: 1 }), { now })), 1)
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: 5 }), { now })), 5)
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: 0.5 }), { now })), 0.5)
  })

  it("absurd lifetimes are capped at 24 h, so expiresAt stays a valid date", () => {
    const day = Duration.toSeconds(Token.maximumLifetime)
    assert.strictEqual(day, 86_400)
    for (const expires_in of [9e15, 1e308, Infinity, 86_401]) {
      const token = Token.fromResponse(decodeOk({ token: "t", expires_in }), { now })
      assert.strictEqual(seconds(token), day, String(expires_in))
      assert.isTrue(Number.isFinite(DateTime.toEpochMillis(token.expiresAt)))
    }
    const jwtToken = Token.fromResponse(decodeOk({ token: jwt({ iat: 1_700_000_000, exp: 9e15 }) }), { now })
    assert.strictEqual(seconds(jwtToken), day)
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: Duration.infinity })),
      day
    )
  })

  it("zero, negative or NaN expires_in falls back like a missing one", () => {
    for (const expires_in of [0, -10, -Infinity, NaN]) {
      assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in }), { now })), 60, String(expires_in))
    }
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: jwt({ iat: 100, exp: 400 }), expires_in: -1 }), { now })),
      300,
      "then the JWT's lifetime"
    )
  })

  it("without expires_in: the adapter default, else 60 s (GHCR)", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now })), 60)
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: Duration.minutes(5) })),
      300
    )
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: Duration.seconds(1) })),
      1,
      "an adapter's short default is honoured too"
    )
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: 0 })), 60)
    assert.isTrue(Duration.equals(Token.defaultLifetime, Duration.seconds(60)))
  })

  it("a JWT's short exp - iat is honoured", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: jwt({ iat: 100, exp: 101 }) }), { now })), 1)
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: jwt({ iat: 100, exp: 100 }) }), { now, defaultLifetime: 300 * 1000 })),
      300,
      "exp = iat states no lifetime"
    )
  })

  it("without expires_in, a JWT's exp - iat is used", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: seed002Token }), { now })), 300)
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: jwt({ iat: 100, exp: 1000 }) }), { now, defaultLifetime: 60 })),
      900
    )
  })

  it("issued_at in the future, already expired, or unparseable counts from local now", () => {
    for (const issued_at of ["2026-01-01T00:10:00Z", "2025-12-01T00:00:00Z", "yesterday", ""]) {
      const token = Token.fromResponse(decodeOk({ token: "t", expires_in: 300, issued_at }), { now })
      assert.isTrue(DateTime.Equivalence(token.issuedAt, now), issued_at)
    }
  })

  it("keeps the requested scopes merged and the refresh token redacted", () => {
    const token = Token.fromResponse(decodeOk({ access_token: "a", refresh_token: "r" }), {
      now,
      scopes: [Scope.repository("x", ["push"]), Scope.repository("x", ["pull"])]
    })
    assert.deepStrictEqual(token.scopes.map(Scope.format), ["repository:x:pull,push"])
    assert.strictEqual(Redacted.value(Option.getOrThrow(token.refreshToken)), "r")
  })
})

describe("Token.grantedScopes", () => {
  it("seed 002's Docker Hub token grants nothing", () => {
    assert.deepStrictEqual(Token.grantedScopes(seed002Token), Option.some([]))
  })

  it("reads and merges the access claim", () => {
    const value = jwt({
      access: [
        { type: "repository", name: "library/alpine", actions: ["pull"] },
        { type: "repository", name: "library/alpine", actions: ["push"] },
        { type: "registry", name: "catalog", actions: null }
      ]
    })
    assert.deepStrictEqual(Option.map(Token.grantedScopes(value), (s) => s.map(Scope.format)), Option.some([
      "repository:library/alpine:pull,push"
    ]))
  })

  it("is None for opaque tokens, JWTs without the claim, and garbage", () => {
    for (const value of ["djE6dG9kZHl", jwt({ sub: "x" }), "a.b.c", "a..c", "x.!!!.y", jwt({ access: "nope" })]) {
      assert.isTrue(Option.isNone(Token.grantedScopes(value)), value)
    }
  })

  it.effect("fromResponse records the grant", () =>
    Effect.sync(() => {
      const token = Token.fromResponse(decodeOk({ token: seed002Token }), { now })
      assert.deepStrictEqual(token.granted, Option.some([]))
    }))
})
