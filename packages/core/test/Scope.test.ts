import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Result } from "effect"
import { Scope } from "@ociauth/core"
import * as internal from "../src/internal/scope.js"
import * as fc from "./utils/arbitrary.js"

const parse = (text: string) => Effect.runSync(Scope.parse(text))
const fmt = (scopes: ReadonlyArray<Scope.Scope>) => scopes.map(Scope.format)

describe("Scope.parse", () => {
  it("a repository scope", () => {
    assert.deepStrictEqual(parse("repository:samalba/my-app:pull,push"), {
      _tag: "Resource",
      type: "repository",
      name: "samalba/my-app",
      actions: ["pull", "push"]
    })
  })

  it("names with host:port are split at the first and last colon", () => {
    const scope = parse("repository:localhost:5000/team/app:push,pull")
    assert.deepStrictEqual(scope, Scope.repository("localhost:5000/team/app", ["pull", "push"]))
    assert.strictEqual(Scope.format(scope), "repository:localhost:5000/team/app:pull,push")
  })

  it("the resource class", () => {
    const scope = parse("repository(plugin):vieux/sshfs:pull")
    assert.deepStrictEqual(scope, {
      _tag: "Resource",
      type: "repository",
      resourceClass: "plugin",
      name: "vieux/sshfs",
      actions: ["pull"]
    })
    assert.strictEqual(Scope.format(scope), "repository(plugin):vieux/sshfs:pull")
  })

  it("the catalog scope and *", () => {
    assert.deepStrictEqual(parse("registry:catalog:*"), Scope.catalog)
    assert.deepStrictEqual((parse("repository:a:pull,*,push") as Scope.ResourceScope).actions, ["*"])
  })

  it("opaque scopes are kept verbatim", () => {
    assert.deepStrictEqual(parse("aws"), Scope.opaque("aws"))
    assert.deepStrictEqual(parse("a:b"), Scope.opaque("a:b"))
  })

  it("empty actions are allowed by the grammar", () => {
    assert.deepStrictEqual((parse("repository:a:") as Scope.ResourceScope).actions, [])
  })

  for (const [input, reason] of [
    ["", "empty"],
    ["repository:a b:pull", "whitespace"],
    ["Repository:a:pull", "resource type"],
    ["repository::pull", "empty resource name"],
    ["repository:a:PULL", "invalid action"],
    ["repository(plugin:a:pull", "unterminated"],
    ["repository(Plug):a:pull", "resource class"],
    ['repository:"a":pull', "quote"]
  ] as const) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const error = Effect.runSync(Effect.flip(Scope.parse(input)))
      assert.strictEqual(error._tag, "ScopeParseError")
      assert.include(error.reason, reason)
    })
  }

  it.prop("format ∘ parse is stable", [fc.string({ maxLength: 60 })], ([text]) => {
    const parsed = internal.parseEither(text)
    if (Result.isFailure(parsed)) return
    const again = internal.parseEither(Scope.format(parsed.success))
    assert.deepStrictEqual(again, Result.succeed(parsed.success))
  })
})

describe("Scope.makeRepository / repository", () => {
  it("valid names give the scope", () => {
    for (const name of ["alpine", "library/alpine", "a__b/c-d.e", "localhost:5000/team/app", "[::1]:5000/x"]) {
      assert.deepStrictEqual(Scope.makeRepository(name, ["pull"]), Result.succeed(Scope.repository(name, ["pull"])), name)
      assert.deepStrictEqual(Scope.repository(name, ["pull"]).actions, ["pull"])
    }
  })

  for (const [name, reason] of [
    ["", "empty repository name"],
    ["-bad.host/app", "invalid registry host"],
    ["team/App", "lower-case"],
    ["a b", "invalid repository path component"],
    ["team//app", "invalid repository path component"],
    ["team/app:pull", "invalid"],
    ["a".repeat(256), "longer than 255"]
  ] as const) {
    it(`an invalid name is a ScopeParseError, never a scope on the wire: ${JSON.stringify(name.slice(0, 20))}`, () => {
      const error = Result.getOrThrow(Result.flip(Scope.makeRepository(name, ["pull"])))
      assert.strictEqual(error._tag, "ScopeParseError")
      assert.include(error.reason, reason)
      const total = Scope.repository(name, ["pull"])
      assert.deepStrictEqual(total.actions, [], "repository() asks for nothing")
      assert.deepStrictEqual(Scope.merge([total]), [], "and merge drops it")
    })
  }

  it("repository('', …) never yields repository::pull", () => {
    assert.notInclude(fmt(Scope.merge([Scope.repository("", ["pull"]), Scope.repository("a", ["pull"])])), "repository::pull")
  })
})

describe("Scope.merge", () => {
  it("follows oras-go's CleanScopes", () => {
    const merged = Scope.merge([
      Scope.repository("b", ["push"]),
      Scope.repository("a", ["pull"]),
      Scope.repository("b", ["pull", "push"]),
      Scope.repository("c", []),
      Scope.opaque("aws"),
      Scope.opaque("aws"),
      Scope.repository("d", ["pull"]),
      Scope.repository("d", ["*"]),
      Scope.catalog
    ])
    assert.deepStrictEqual(fmt(merged), [
      "aws",
      "registry:catalog:*",
      "repository:a:pull",
      "repository:b:pull,push",
      "repository:d:*"
    ])
  })

  it("keeps resource classes apart", () => {
    const merged = Scope.merge([parse("repository(plugin):a:pull"), parse("repository:a:push")])
    assert.deepStrictEqual(fmt(merged), ["repository(plugin):a:pull", "repository:a:push"])
  })

  const scopeArb = fc.oneof(
    fc.tuple(fc.constantFrom("a", "b", "c/d", "h:5000/x"), fc.subarray(["pull", "push", "delete", "*", ""]))
      .pipe(Arbitrary.map(([name, actions]): Scope.Scope => Scope.repository(name, actions))),
    fc.constantFrom<ReadonlyArray<Scope.Scope>>(Scope.opaque("aws"), Scope.catalog)
  )

  it.prop("is idempotent and order-insensitive", [fc.array(scopeArb, { maxLength: 12 })], ([scopes]) => {
    const merged = Scope.merge(scopes)
    assert.deepStrictEqual(Scope.merge(merged), merged)
    assert.deepStrictEqual(Scope.merge([...scopes].reverse()), merged)
    assert.isTrue(Scope.covers(merged, scopes))
  })
})

describe("Scope.missing / covers", () => {
  it("reports only the actions that are not granted", () => {
    const missing = Scope.missing([Scope.repository("a", ["pull"])], [Scope.repository("a", ["pull", "push"])])
    assert.deepStrictEqual(fmt(missing), ["repository:a:push"])
  })

  it("* grants every action", () => {
    assert.isTrue(Scope.covers([Scope.repository("a", ["*"])], [Scope.repository("a", ["delete", "pull"])]))
  })

  it("an empty grant covers nothing but the empty need", () => {
    assert.deepStrictEqual(fmt(Scope.missing([], [Scope.repository("library/alpine", ["pull"])])), [
      "repository:library/alpine:pull"
    ])
    assert.isTrue(Scope.covers([], []))
  })

  it("opaque scopes must match exactly", () => {
    assert.isFalse(Scope.covers([], [Scope.opaque("aws")]))
    assert.isTrue(Scope.covers([Scope.opaque("aws")], [Scope.opaque("aws")]))
  })
})

describe("Scope.fromRequest", () => {
  const cases: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
    ["GET", "https://r/v2/", []],
    ["GET", "https://r/v2", []],
    ["GET", "https://r/", []],
    ["GET", "https://r/v2/_catalog?n=10", ["registry:catalog:*"]],
    ["HEAD", "https://r/v2/library/alpine/manifests/latest", ["repository:library/alpine:pull"]],
    ["GET", "https://r/v2/a/b/c/manifests/sha256:abc", ["repository:a/b/c:pull"]],
    ["PUT", "https://r/v2/team/app/manifests/1.0", ["repository:team/app:pull,push"]],
    ["DELETE", "https://r/v2/team/app/manifests/sha256:abc", ["repository:team/app:delete"]],
    ["GET", "https://r/v2/team/app/blobs/sha256:abc", ["repository:team/app:pull"]],
    ["POST", "https://r/v2/team/app/blobs/uploads/", ["repository:team/app:pull,push"]],
    ["PATCH", "https://r/v2/team/app/blobs/uploads/0b1c-uuid?_state=x", ["repository:team/app:pull,push"]],
    ["PUT", "https://r/v2/team/app/blobs/uploads/0b1c-uuid?digest=sha256:abc", ["repository:team/app:pull,push"]],
    [
      "POST",
      "https://r/v2/team/app/blobs/uploads/?mount=sha256:abc&from=team/base",
      ["repository:team/app:pull,push", "repository:team/base:pull"]
    ],
    ["POST", "https://r/v2/team/app/blobs/uploads/?mount=sha256:abc&from=team/app", ["repository:team/app:pull,push"]],
    ["GET", "https://r/v2/team/app/tags/list?n=2&last=b", ["repository:team/app:pull"]],
    ["GET", "https://r/v2/team/app/referrers/sha256:abc", ["repository:team/app:pull"]],
    ["GET", "https://r/artifactory/api/docker/repo/v2/team/app/manifests/1", ["repository:team/app:pull"]],
    ["OPTIONS", "https://r/v2/team/app/manifests/1", []],
    ["GET", "https://r/v2/team//manifests/1", []],
    ["GET", "/v2/relative/app/manifests/1", ["repository:relative/app:pull"]]
  ]
  for (const [method, url, expected] of cases) {
    it(`${method} ${url}`, () => {
      assert.deepStrictEqual(fmt(Scope.fromRequest(method, url)), expected)
    })
  }

  it("accepts a URL object", () => {
    assert.deepStrictEqual(fmt(Scope.fromRequest("get", new URL("https://r/v2/x/manifests/1"))), ["repository:x:pull"])
  })
})
