/**
 * Issue 12 §6: `Challenge.parse` never throws, is bounded, and stores every
 * parameter as data.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Result } from "effect"
import { Challenge } from "@ociauth/core"
import * as internal from "../../src/internal/challenge.js"

const strict = (header: string | ReadonlyArray<string>) => internal.parse(header)
const lenient = (header: string | ReadonlyArray<string>) =>
  Result.getOrThrow(internal.parse(header, { lenient: true }))
const failure = (header: string | ReadonlyArray<string>) => Option.getOrThrow(Result.getFailure(strict(header)))

describe("security: Challenge.parse never throws", () => {
  it("130,000 challenges on one line (the stack overflow of the report) is a typed error", () => {
    const header = ",a".repeat(130_000)
    const error = failure(header)
    assert.strictEqual(error._tag, "ChallengeParseError")
    assert.include(error.reason, "more than 64 challenges")
    assert.strictEqual(lenient(header).length, 64)
  })

  it("through the public Effect API too, strict and lenient", () =>
    Effect.gen(function* () {
      const header = ",a".repeat(130_000)
      const error = yield* Effect.flip(Challenge.parse(header))
      assert.strictEqual(error._tag, "ChallengeParseError")
      const kept = yield* Challenge.parse([header, header], { lenient: true })
      assert.strictEqual(kept.length, 64)
    }).pipe(Effect.runSync))

  it("the 65th challenge is refused where it starts; the 64th is kept", () => {
    const sixtyFour = Array.from({ length: 64 }, (_, k) => `S${k}`).join(", ")
    assert.strictEqual(Result.getOrThrow(strict(sixtyFour)).length, 64)
    const error = failure(`${sixtyFour}, Extra realm="x"`)
    assert.strictEqual(error.position, sixtyFour.length + 2)
    assert.strictEqual(lenient(`${sixtyFour}, Extra realm="x"`).length, 64)
  })

  it("the cap counts challenges across every line of the header", () => {
    const lines = Array.from({ length: 65 }, (_, k) => `Basic realm="${k}"`)
    assert.strictEqual(failure(lines).line, 64)
    assert.strictEqual(lenient(lines).length, 64)
  })

  it("65 parameters in one challenge are a typed error; lenient keeps the challenges before it", () => {
    const params = (count: number) => Array.from({ length: count }, (_, k) => `p${k}=v`).join(",")
    assert.strictEqual(Object.keys(Result.getOrThrow(strict(`Bearer ${params(64)}`))[0]!.params).length, 64)
    const header = `Basic realm="ok", Bearer ${params(65)}`
    assert.include(failure(header).reason, "more than 64 parameters")
    assert.deepStrictEqual(lenient(header).map((c) => c.scheme), ["basic"])
  })

  it("a header over 16 KiB is a typed error at the bound", () => {
    const header = `Bearer realm="https://r/t",${"x".repeat(20_000)}=1`
    const error = failure(header)
    assert.strictEqual(error.position, 16 * 1024)
    assert.include(error.reason, "longer than 16384 characters")
  })

  it("lenient keeps only what the whole header would give, never a challenge cut at the bound", () => {
    const bearer = 'Bearer realm="https://auth.example/token",service="s"'
    const filler = `, Basic realm="${"f".repeat(16_384 - bearer.length - 40)}"`
    // The bound falls inside the third challenge: it is dropped whole, the two before it are kept.
    const header = `${bearer}${filler}, Bearer realm="https://late/t",scope="repository:a:pull"`
    const kept = lenient(header)
    assert.deepStrictEqual(kept.map((c) => c.scheme), ["bearer", "basic"])
    assert.deepStrictEqual({ ...kept[0]!.params }, { realm: "https://auth.example/token", service: "s" })
    // An unquoted value running over the bound is dropped, never truncated into a wrong realm.
    const unquoted = `Basic x=y, Bearer realm=https://auth.example/${"p".repeat(17_000)}`
    assert.deepStrictEqual(lenient(unquoted).map((c) => c.scheme), ["basic"])
    // A parameter after the last comma before the bound may belong to the challenge: it is dropped.
    const comma = `Bearer realm="r",${" ".repeat(16_384 - 17)}service="s"`
    assert.deepStrictEqual(lenient(comma), [])
  })

  it("the length bound spans every line", () => {
    const line = `Basic realm="${"a".repeat(8_000)}"`
    assert.strictEqual(failure([line, line, line]).line, 2)
    assert.strictEqual(lenient([line, line, line]).length, 2)
    assert.strictEqual(lenient(Array.from({ length: 100_000 }, () => "")).length, 0)
  })

  it("non-string lines from untyped callers are a typed error, not a TypeError", () => {
    const error = failure([1 as unknown as string, "Basic"])
    assert.strictEqual(error.reason, "not a string")
    assert.deepStrictEqual(lenient([null as unknown as string, "Basic"]).map((c) => c.scheme), ["basic"])
  })
})

describe("security: no prototype pollution", () => {
  const hostile = 'Bearer __proto__="polluted", constructor="c", prototype="p", realm="https://r/t", Basic __proto__=x'

  it("__proto__, constructor and prototype are stored as data", () => {
    const challenges = lenient(hostile)
    const bearer = challenges[0]!
    assert.strictEqual(Object.getPrototypeOf(bearer.params), null)
    assert.deepStrictEqual(Object.keys(bearer.params), ["__proto__", "constructor", "prototype", "realm"])
    assert.strictEqual(bearer.params["__proto__"], "polluted")
    assert.strictEqual(Object.getPrototypeOf(challenges[1]!.params), null)
    assert.isUndefined(({} as Record<string, unknown>).polluted)
    assert.strictEqual(Object.getPrototypeOf({}), Object.prototype)
  })

  it("the Bearer view and the formatters keep them as data", () => {
    const challenges = lenient(hostile)
    const bearer = Option.getOrThrow(Challenge.bearer(challenges))
    assert.strictEqual(bearer.realm, "https://r/t")
    assert.isUndefined((bearer as unknown as Record<string, unknown>).polluted)
    const formatted = Challenge.format(challenges[0]!)
    assert.include(formatted, '__proto__="polluted"')
    assert.deepStrictEqual(lenient(formatted)[0]!.params["__proto__"], "polluted")
    assert.isUndefined(Object.getOwnPropertyDescriptor(Object.prototype, "polluted"))
  })

  it("the Basic view ignores an inherited realm", () => {
    assert.deepStrictEqual(Challenge.basic(lenient("Basic")), Option.some({ scheme: "basic" }))
    assert.isTrue(Option.isNone(Challenge.bearer(lenient("Bearer constructor=x"))))
  })
})
