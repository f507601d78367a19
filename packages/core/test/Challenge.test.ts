import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Option, Result } from "effect"
import { Challenge, Scope } from "@ociauth/core"
import { budget } from "../../../vitest.shared.js"
import * as Unstable from "@ociauth/core/Unstable"
import * as internal from "../src/internal/challenge.js"
import * as fc from "./utils/arbitrary.js"

const parseOk = (header: string | ReadonlyArray<string>) => Effect.runSync(Challenge.parse(header))
const parseErr = (header: string | ReadonlyArray<string>) =>
  Effect.runSync(Effect.flip(Challenge.parse(header)))

describe("Challenge.parse", () => {
  describe("headers seen from real registries", () => {
    it("Docker Hub /v2/ (seed 000)", () => {
      const [challenge] = parseOk('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')
      assert.deepStrictEqual(challenge, {
        scheme: "bearer",
        params: { realm: "https://auth.docker.io/token", service: "registry.docker.io" }
      })
    })

    it("Docker Hub catalog with insufficient_scope (seed 000)", () => {
      const challenges = parseOk(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="registry:catalog:*",error="insufficient_scope"'
      )
      const bearer = Option.getOrThrow(Challenge.bearer(challenges))
      assert.strictEqual(bearer.realm, "https://auth.docker.io/token")
      assert.strictEqual(bearer.service, "registry.docker.io")
      assert.strictEqual(bearer.error, "insufficient_scope")
      assert.deepStrictEqual(bearer.scopes.map(Scope.format), ["registry:catalog:*"])
    })

    it("Docker Hub invalid_token on a one-component name (seed 002)", () => {
      const bearer = Option.getOrThrow(
        Challenge.bearer(
          parseOk(
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:alpine:pull",error="invalid_token"'
          )
        )
      )
      assert.strictEqual(bearer.error, "invalid_token")
      assert.deepStrictEqual(bearer.scopes, [Scope.repository("alpine", ["pull"])])
    })

    it("GHCR placeholder scope (seed 000)", () => {
      const bearer = Option.getOrThrow(
        Challenge.bearer(parseOk('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"'))
      )
      assert.deepStrictEqual(bearer, {
        scheme: "bearer",
        realm: "https://ghcr.io/token",
        service: "ghcr.io",
        scopes: [Scope.repository("user/image", ["pull"])]
      })
    })

    it("distribution: several scopes space-joined", () => {
      const bearer = Option.getOrThrow(
        Challenge.bearer(
          parseOk('Bearer realm="https://r/token",service="r",scope="repository:a:pull,push repository:b:pull"')
        )
      )
      assert.deepStrictEqual(bearer.scopes.map(Scope.format), ["repository:a:pull,push", "repository:b:pull"])
    })

    it("ECR Basic challenge", () => {
      const challenges = parseOk(
        'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"'
      )
      assert.deepStrictEqual(Challenge.basic(challenges), Option.some({ scheme: "basic", realm: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/" }))
      assert.isTrue(Option.isNone(Challenge.bearer(challenges)))
    })

    it("ECR Public opaque scope", () => {
      const bearer = Option.getOrThrow(
        Challenge.bearer(parseOk('Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"'))
      )
      assert.deepStrictEqual(bearer.scopes, [Scope.opaque("aws")])
    })

    it("Zot: lower-case scheme and an unquoted URL realm", () => {
      const [challenge] = parseOk("bearer realm=https://zot.example/auth/token")
      assert.deepStrictEqual(challenge, { scheme: "bearer", params: { realm: "https://zot.example/auth/token" } })
    })

    it("Zot: empty scope", () => {
      const bearer = Option.getOrThrow(Challenge.bearer(parseOk('Bearer realm="https://z/t",service="z",scope=""')))
      assert.deepStrictEqual(bearer.scopes, [])
    })

    it("Harbor Basic realm", () => {
      assert.deepStrictEqual(parseOk('Basic realm="harbor"'), [{ scheme: "basic", params: { realm: "harbor" } }])
    })
  })

  describe("the cases the reference clients disagree on", () => {
    it("empty quoted values are kept and do not hide later parameters", () => {
      const [challenge] = parseOk('Bearer empty="",realm="https://r/t",service="s"')
      assert.deepStrictEqual(challenge!.params, { empty: "", realm: "https://r/t", service: "s" })
    })

    it("Basic then Bearer in one header takes the Bearer path", () => {
      const challenges = parseOk('Basic realm="r", Bearer realm="https://auth/token",service="svc"')
      assert.deepStrictEqual(
        challenges.map((c) => c.scheme),
        ["basic", "bearer"]
      )
      assert.strictEqual(Option.getOrThrow(Challenge.bearer(challenges)).realm, "https://auth/token")
    })

    it("several challenges on several lines", () => {
      const challenges = parseOk(['Basic realm="a"', 'Bearer realm="https://b/t", Negotiate'])
      assert.deepStrictEqual(
        challenges.map((c) => c.scheme),
        ["basic", "bearer", "negotiate"]
      )
    })

    it("BWS around '=' and OWS around commas", () => {
      const [challenge] = parseOk('Bearer realm = "https://r/t" ,\tservice\t=\tsvc ,  scope="x:y:z"')
      assert.deepStrictEqual(challenge!.params, { realm: "https://r/t", service: "svc", scope: "x:y:z" })
    })

    it("quoted strings with commas, escaped quotes and RFC quoted-pairs", () => {
      const [challenge] = parseOk(String.raw`Bearer realm="https://r/t?a=1,b=2",error_description="say \"hi\", \slashed\\"`)
      assert.deepStrictEqual(challenge!.params, {
        realm: "https://r/t?a=1,b=2",
        error_description: 'say "hi", slashed\\'
      })
    })

    it("scheme and keys are case-insensitive and returned lower-case; values keep their case", () => {
      const [challenge] = parseOk('BEARER Realm="https://R/T",SERVICE="Svc"')
      assert.deepStrictEqual(challenge, { scheme: "bearer", params: { realm: "https://R/T", service: "Svc" } })
    })

    it("token68", () => {
      assert.deepStrictEqual(parseOk("Negotiate YIIB/w+ab=="), [{ scheme: "negotiate", params: {}, token68: "YIIB/w+ab==" }])
      assert.deepStrictEqual(parseOk("NewAuth abc=, Basic realm=\"x\""), [
        { scheme: "newauth", params: {}, token68: "abc=" },
        { scheme: "basic", params: { realm: "x" } }
      ])
    })

    it("directly after the scheme, `word=` alone is token68, not an empty parameter", () => {
      assert.deepStrictEqual(parseOk("Bearer realm="), [{ scheme: "bearer", params: {}, token68: "realm=" }])
      assert.isTrue(Option.isNone(Challenge.bearer(parseOk("Bearer realm="))))
    })

    it("unknown schemes are kept with their parameters", () => {
      assert.deepStrictEqual(parseOk('Custom a=1, b="2", Bearer realm="https://r"'), [
        { scheme: "custom", params: { a: "1", b: "2" } },
        { scheme: "bearer", params: { realm: "https://r" } }
      ])
    })

    it("empty list elements and surrounding whitespace are skipped", () => {
      assert.deepStrictEqual(parseOk(' , Basic realm="a",, , Bearer realm="b" , '), [
        { scheme: "basic", params: { realm: "a" } },
        { scheme: "bearer", params: { realm: "b" } }
      ])
      assert.deepStrictEqual(parseOk(""), [])
      assert.deepStrictEqual(parseOk([]), [])
    })

    it("a scheme alone", () => {
      assert.deepStrictEqual(parseOk("Bearer"), [{ scheme: "bearer", params: {} }])
    })

    it("a key named __proto__ is an ordinary parameter of a record without prototype", () => {
      const [challenge] = parseOk('Bearer __proto__="x",constructor=y,realm="https://r"')
      assert.strictEqual(Object.getPrototypeOf(challenge!.params), null)
      assert.strictEqual(Object.getOwnPropertyDescriptor(challenge!.params, "__proto__")?.value, "x")
      assert.strictEqual(challenge!.params["constructor"], "y")
      assert.strictEqual(challenge!.params.realm, "https://r")
      assert.isUndefined(parseOk("Basic realm=r")[0]!.params.toString, "nothing is inherited")
    })
  })

  describe("errors", () => {
    const cases: ReadonlyArray<readonly [string, number, string]> = [
      ['Bearer realm="unterminated', 13, "unterminated quoted string"],
      ['Bearer realm="x" service="y"', 17, 'expected ","'],
      ['Bearer realm="x",service=', 25, "expected a value"],
      ['Bearer realm="a",realm="b"', 17, "duplicate parameter"],
      ['Bearer realm="a\\', 15, "dangling backslash"],
      ['Bearer realm="a\u0001"', 15, "control character"],
      ['="x"', 0, "expected an auth-scheme"],
      ['Bearer realm="a", =x', 18, "expected a parameter name"],
      ['Bearer realm="a" ,', -1, ""],
      ["Bearer\u0001", 6, "expected a space"]
    ]
    for (const [header, position, reason] of cases) {
      it(`${JSON.stringify(header)}`, () => {
        const result = internal.parse(header)
        if (position === -1) {
          assert.isTrue(Result.isSuccess(result))
          return
        }
        const error = Result.getFailure(result).pipe(Option.getOrThrow)
        assert.strictEqual(error._tag, "ChallengeParseError")
        assert.strictEqual(error.position, position)
        assert.include(error.reason, reason)
        assert.include(error.message, `position ${position}`)
      })
    }

    it("reports the line of a multi-line header", () => {
      const error = parseErr(['Basic realm="a"', 'Bearer realm="b'])
      assert.strictEqual(error.line, 1)
      assert.strictEqual(error.position, 13)
    })

    it("lenient mode keeps the challenges before the error on each line", () => {
      const challenges = Effect.runSync(
        Challenge.parse(['Basic realm="a", Bearer realm="b" garbage', 'Bearer realm="https://ok/t"'], { lenient: true })
      )
      assert.deepStrictEqual(challenges, [
        { scheme: "basic", params: { realm: "a" } },
        { scheme: "bearer", params: { realm: "https://ok/t" } }
      ])
    })
  })

  describe("properties", () => {
    const headerChars = fc.constantFrom(..." \t,=\"\\abcXYZ019-._~+/:;!#*@\u0000\u007f\u00e9".split(""))
    const adversarial = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: headerChars, maxLength: 300 }),
      fc.array(fc.constantFrom('Bearer ', 'realm=', '"', ",", "\\", "=", " ", "a", '\\"', "x=\"y\""), { maxLength: 100 })
        .pipe(Arbitrary.map((parts) => parts.join("")))
    )

    it.prop("never throws, in strict and lenient mode", [adversarial], ([header]) => {
      const strict = internal.parse(header)
      const lenient = internal.parse(header, { lenient: true })
      assert.isTrue(Result.isSuccess(lenient))
      if (Result.isSuccess(strict)) assert.deepStrictEqual(strict.success, Result.getOrThrow(lenient))
      else assert.isTrue(strict.failure.position >= 0 && strict.failure.position <= header.length)
    })

    const token = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9!#$%&'*+.^_`|~-]{0,8}$/)
    const value = fc.string({ maxLength: 20 }).pipe(Arbitrary.map((s) => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, "")))
    const challenge = fc
      .tuple(token, fc.uniqueArray(fc.tuple(token, value), { selector: ([k]) => k.toLowerCase(), maxLength: 5 }))
      .pipe(Arbitrary.map(([scheme, params]) => ({
        scheme: scheme.toLowerCase(),
        params: Object.fromEntries(params.map(([k, v]) => [k.toLowerCase(), v]))
      })))

    it.prop("format then parse is the identity", [fc.array(challenge, { maxLength: 4 })], ([challenges]) => {
      const header = challenges.map(Challenge.format).join(", ")
      assert.deepStrictEqual(parseOk(header), challenges)
    })

    it("is linear on large adversarial inputs (within the 16 KiB bound)", () => {
      const sizes = [1_600, 16_000]
      const times = sizes.map((size) => {
        const inputs = [
          "Bearer " + "a=\"b\",".repeat(size / 6),
          "Bearer " + ",".repeat(size),
          "Bearer realm=\"" + "\\\"".repeat(size / 2),
          "B " + "x".repeat(size) + "=",
          "a, ".repeat(size / 3)
        ]
        const start = performance.now()
        for (const input of inputs) internal.parse(input)
        return performance.now() - start
      })
      // 10× the input may take at most ~10× the time (plus slack for a noisy machine, scaled as every budget).
      assert.isBelow(times[1]!, times[0]! * 40 + budget(200))
    })
  })
})

describe("Challenge.bearer", () => {
  it("skips Bearer challenges without a realm", () => {
    const challenges = parseOk('Bearer service="x", Bearer realm="https://r/t"')
    assert.strictEqual(Option.getOrThrow(Challenge.bearer(challenges)).realm, "https://r/t")
  })

  it("is None without a Bearer challenge", () => {
    assert.isTrue(Option.isNone(Challenge.bearer(parseOk('Basic realm="x"'))))
  })

  it("drops unparseable scope entries and keeps the rest", () => {
    const bearer = Option.getOrThrow(Challenge.bearer(parseOk('Bearer realm="r",scope="repository:a:pull BAD:x:pull"')))
    assert.deepStrictEqual(bearer.scopes.map(Scope.format), ["repository:a:pull"])
  })

  it("formatBearer produces what the distribution registry sends, and parses back", () => {
    const header = Unstable.formatBearer({
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scopes: [Scope.repository("library/python", ["pull"])],
      error: "insufficient_scope"
    })
    assert.strictEqual(
      header,
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull",error="insufficient_scope"'
    )
    assert.strictEqual(Option.getOrThrow(Challenge.bearer(parseOk(header))).error, "insufficient_scope")
  })
})
