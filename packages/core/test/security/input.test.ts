/**
 * Issue 12: bad input to `Reference.parse` and the scope constructors is a
 * typed error with a helpful message, never a crash nor a malformed scope.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { Reference, Scope } from "@ociauth/core"

const referenceError = (input: string) => Effect.runSync(Effect.flip(Reference.parse(input)))

describe("security: inputs that are not references", () => {
  it("a bare 64-hex image ID is refused, as docker refuses it", () => {
    const error = referenceError("4f3a".repeat(16))
    assert.strictEqual(error._tag, "ReferenceParseError")
    assert.include(error.reason, "cannot specify 64-byte hexadecimal strings")
  })

  it("a URL is refused with the reference to type instead, and no credential echoed", () => {
    const error = referenceError("https://ghcr.io/demo/app")
    assert.include(error.message, "a URL is not an image reference")
    assert.include(error.message, '"ghcr.io/demo/app"')
    assert.notInclude(referenceError("https://u:CANARY@ghcr.io/demo/app").message, "CANARY")
  })
})

describe("security: scopes from names", () => {
  it("an empty name is a ScopeParseError, never repository::pull", () => {
    const result = Scope.makeRepository("", ["pull"])
    assert.isTrue(Result.isFailure(result))
    assert.deepStrictEqual(Scope.merge([Scope.repository("", ["pull"])]), [])
  })

  it("a name that would break the wire form (space, quote, comma, colon) is refused", () => {
    for (const name of ["a b", 'a"b', "a,b", "a:b", "team/app:push", "a\nb"]) {
      assert.isTrue(Result.isFailure(Scope.makeRepository(name, ["pull"])), JSON.stringify(name))
    }
  })
})
