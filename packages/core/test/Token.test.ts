import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Either, Option, Redacted, Schema } from "effect"
import { Scope, Token } from "@ociauth/core"
import { seed002Token } from "./fixtures/seed-002-token.js"

const decode = Schema.decodeUnknownEither(Token.Response)
const decodeOk = (u: unknown) => Either.getOrThrow(decode(u))
const now = DateTime.unsafeMake("2026-01-01T00:00:00Z")
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
      assert.isTrue(Either.isLeft(decode(garbage)))
    })
  }
})

describe("Token.fromResponse lifetime", () => {
  it("expires_in counts from a sane issued_at", () => {
    const token = Token.fromResponse(decodeOk({ token: "t", expires_in: 300, issued_at: "2025-12-31T23:59:00Z" }), { now })
    assert.strictEqual(DateTime.formatIso(token.issuedAt), "2025-12-31T23:59:00.000Z")
    assert.strictEqual(DateTime.formatIso(token.expiresAt), "2026-01-01T00:04:00.000Z")
  })

  it("expires_in below 60 s is raised to 60 s", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: 5 }), { now })), 60)
  })

  it("zero, negative or non-finite expires_in falls back like a missing one", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: 0 }), { now })), 60)
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "t", expires_in: -10 }), { now })), 60)
  })

  it("without expires_in: the adapter default, else 60 s (GHCR)", () => {
    assert.strictEqual(seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now })), 60)
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: Duration.minutes(5) })),
      300
    )
    assert.strictEqual(
      seconds(Token.fromResponse(decodeOk({ token: "opaque" }), { now, defaultLifetime: Duration.seconds(1) })),
      60,
      "an adapter default below the minimum is raised too"
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
