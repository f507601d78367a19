import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Formatter, Redacted } from "effect"
import { Credential, RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"

const canary = "CANARY-s3cr3t-7f1d"

describe("RegistryError", () => {
  const errors: ReadonlyArray<RegistryError.RegistryError> = [
    new RegistryError.ChallengeParseError({ line: 0, position: 3, reason: "bad" }),
    new RegistryError.ScopeParseError({ input: "x", reason: "bad" }),
    new RegistryError.ReferenceParseError({ input: "x", reason: "bad" }),
    new RegistryError.TokenRequestError({ reason: "Unauthorized", realm: "https://auth/token", status: 401 }),
    new RegistryError.InsufficientScope({ requested: ["repository:a:push"], granted: [], missing: ["repository:a:push"] }),
    new RegistryError.Unsupported({ operation: "catalog", registry: "docker.io" }),
    new RegistryError.RealmRejected({ realm: Unstable.redactUrl(`https://user:${canary}@evil/t?k=${canary}`), reason: "userinfo" }),
    new RegistryError.RegistryResponseError({
      status: 404,
      method: "GET",
      url: Unstable.redactUrl(`https://r/v2/a/manifests/1?token=${canary}`),
      errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }]
    }),
    new RegistryError.CredentialError({ source: "config.json", registry: "r", reason: "malformed" })
  ]

  for (const error of errors) {
    it(`${error._tag}: tagged, recognised, message without secrets`, () => {
      assert.isTrue(RegistryError.isRegistryError(error))
      assert.isTrue(error.message.length > 0)
      for (const text of [error.message, String(error), Formatter.format(error), JSON.stringify(error)]) {
        assert.notInclude(text, canary)
      }
      const exit = Effect.runSyncExit(Effect.fail(error))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.notInclude(Cause.pretty(exit.cause), canary)
    })
  }

  it("messages read well", () => {
    assert.strictEqual(
      errors[4]!.message,
      "Insufficient scope: needed repository:a:push, granted nothing"
    )
    assert.strictEqual(errors[7]!.message, "GET https://r/v2/a/manifests/1 answered 404 (MANIFEST_UNKNOWN: manifest unknown)")
  })

  it("redactUrl drops userinfo, query and fragment", () => {
    assert.strictEqual(Unstable.redactUrl(`https://u:${canary}@h:8443/p?q=${canary}#${canary}`), "https://h:8443/p")
    assert.strictEqual(Unstable.redactUrl("not a url"), "<invalid url>")
  })

  it("is not confused by foreign errors", () => {
    assert.isFalse(RegistryError.isRegistryError(new Error("x")))
    assert.isFalse(RegistryError.isRegistryError(null))
  })
})

describe("Credential", () => {
  it("never shows its secret", () => {
    const credentials = [
      Credential.Basic({ username: "me", password: Redacted.make(canary) }),
      Credential.IdentityToken({ token: Redacted.make(canary) }),
      Credential.RegistryToken({ token: Redacted.make(canary) })
    ]
    for (const credential of credentials) {
      assert.notInclude(String(credential), canary)
      assert.notInclude(Formatter.format(credential), canary)
      assert.notInclude(JSON.stringify(credential), canary)
    }
  })

  it.effect("identity holds no secret", () =>
    Effect.gen(function* () {
      const canary = "canary-secret-4711"
      for (const credential of [
        Credential.Basic({ username: "me", password: Redacted.make(canary) }),
        Credential.IdentityToken({ token: Redacted.make(canary) }),
        Credential.RegistryToken({ token: Redacted.make(canary) })
      ]) {
        assert.notInclude(yield* Credential.identity(credential), canary)
      }
    }))

  it.effect("identity tells credentials apart with a SHA-256 digest (no 32-bit collisions)", () =>
    Effect.gen(function* () {
      const a = yield* Credential.identity(Credential.Basic({ username: "me", password: Redacted.make("one") }))
      const b = yield* Credential.identity(Credential.Basic({ username: "me", password: Redacted.make("two") }))
      const c = yield* Credential.identity(Credential.Basic({ username: "me", password: Redacted.make("one") }))
      assert.notStrictEqual(a, b)
      assert.strictEqual(a, c)
      assert.match(a, /^basic:me:[0-9a-f]{64}$/)
      assert.strictEqual(yield* Credential.identity(Credential.anonymous), "anonymous")
      // Many random passwords for one user: every identity distinct (the old 32-bit hash collided at ~62k).
      const seen = new Set<string>()
      for (let i = 0; i < 5000; i++) {
        seen.add(yield* Credential.identity(Credential.Basic({ username: "AWS", password: Redacted.make(`pw-${i}-${i * 7919}`) })))
      }
      assert.strictEqual(seen.size, 5000)
    }))
})
