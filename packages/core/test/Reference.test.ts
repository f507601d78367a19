import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Reference } from "@ociauth/core"

const parse = (input: string) => Effect.runSync(Reference.parse(input))
const digest = `sha256:${"a".repeat(64)}`

describe("Reference.parse", () => {
  const cases: ReadonlyArray<readonly [string, Reference.Reference]> = [
    ["alpine", { registry: "docker.io", repository: "library/alpine", tag: "latest" }],
    ["alpine:3.20", { registry: "docker.io", repository: "library/alpine", tag: "3.20" }],
    ["user/app:1", { registry: "docker.io", repository: "user/app", tag: "1" }],
    ["docker.io/alpine", { registry: "docker.io", repository: "library/alpine", tag: "latest" }],
    ["index.docker.io/library/alpine", { registry: "docker.io", repository: "library/alpine", tag: "latest" }],
    ["index.docker.io/alpine", { registry: "docker.io", repository: "library/alpine", tag: "latest" }],
    [`ghcr.io/o/r@${digest}`, { registry: "ghcr.io", repository: "o/r", digest }],
    [`ghcr.io/o/r:v1@${digest}`, { registry: "ghcr.io", repository: "o/r", tag: "v1", digest }],
    ["localhost:5000/x", { registry: "localhost:5000", repository: "x", tag: "latest" }],
    ["localhost/x:y", { registry: "localhost", repository: "x", tag: "y" }],
    ["Registry/app", { registry: "Registry", repository: "app", tag: "latest" }],
    ["[::1]:5000/a/b", { registry: "[::1]:5000", repository: "a/b", tag: "latest" }],
    ["127.0.0.1:5000/a__b/c-d.e", { registry: "127.0.0.1:5000", repository: "a__b/c-d.e", tag: "latest" }],
    ["registry.example/a/b/c/d", { registry: "registry.example", repository: "a/b/c/d", tag: "latest" }],
    // distribution and containers/image: repository `sha256`, tag the hex (issue 28, item 10)
    [`sha256:${"a".repeat(64)}`, { registry: "docker.io", repository: "library/sha256", tag: "a".repeat(64) }]
  ]
  for (const [input, expected] of cases) {
    it(input, () => assert.deepStrictEqual(parse(input), expected))
  }

  const errors: ReadonlyArray<readonly [string, string]> = [
    ["", "empty"],
    ["Alpine", "lower-case"],
    ["docker.io/User/app", "lower-case"],
    ["alpine:", "invalid tag"],
    ["alpine:-x", "invalid tag"],
    [`alpine:${"t".repeat(129)}`, "invalid tag"],
    ["alpine@sha256:abc", "64 lower-case hex"],
    ["alpine@md5", "invalid digest"],
    ["a//b", "invalid repository path component"],
    ["a/b_-c", "invalid repository path component"],
    ["host:99999/a", "invalid port"],
    ["-bad.host/a", "invalid registry host"],
    [":tag", "missing repository name"],
    [`r.io/${"a".repeat(256)}`, "longer than 255"],
    ["a".repeat(64), "cannot specify 64-byte hexadecimal strings"],
    ["https://ghcr.io/demo/app", 'a URL is not an image reference: drop the scheme ("ghcr.io/demo/app")'],
    ["http://localhost:5000/x/", '("localhost:5000/x")'],
    ["oci://registry.example/a/b:1", '("registry.example/a/b:1")']
  ]
  for (const [input, reason] of errors) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const error = Effect.runSync(Effect.flip(Reference.parse(input)))
      assert.strictEqual(error._tag, "ReferenceParseError")
      assert.include(error.reason, reason)
    })
  }
})

describe("Reference.parse: inputs that are not references", () => {
  it("a 64-hex image ID fails as docker does, and says what to type", () => {
    const error = Effect.runSync(Effect.flip(Reference.parse("f".repeat(64))))
    assert.include(error.message, "invalid repository name")
    assert.include(error.message, "image ID")
    assert.include(error.message, "name@sha256:")
  })

  it("a URL fails without echoing its userinfo, query or fragment", () => {
    const error = Effect.runSync(Effect.flip(Reference.parse("https://user:s3cret@ghcr.io/demo/app?token=t0k#frag")))
    assert.strictEqual(error._tag, "ReferenceParseError")
    for (const secret of ["s3cret", "user", "t0k", "frag"]) assert.notInclude(error.message, secret)
    assert.include(error.message, '"ghcr.io/demo/app"')
  })

  it("a 64-hex tag or a longer hex name is still a reference, as for docker", () => {
    assert.strictEqual(parse(`app:${"a".repeat(64)}`).tag, "a".repeat(64))
    assert.strictEqual(parse("a".repeat(65)).repository, `library/${"a".repeat(65)}`)
  })
})

describe("Reference.format / familiar / identifier", () => {
  it("formats fully qualified and familiar forms", () => {
    const ref = parse("alpine")
    assert.strictEqual(Reference.format(ref), "docker.io/library/alpine:latest")
    assert.strictEqual(Reference.familiar(ref), "alpine:latest")
    assert.strictEqual(Reference.familiar(parse("user/app:1")), "user/app:1")
    assert.strictEqual(Reference.familiar(parse(`ghcr.io/o/r@${digest}`)), `ghcr.io/o/r@${digest}`)
  })

  it("familiar keeps docker.io/ when the rest would read as a registry (found by fuzzing)", () => {
    const ref = parse("index.docker.io/a.b/app")
    assert.strictEqual(Reference.familiar(ref), "docker.io/a.b/app:latest")
    assert.deepStrictEqual(parse(Reference.familiar(ref)), ref)
    assert.strictEqual(Reference.familiar(parse("docker.io/localhost/app")), "docker.io/localhost/app:latest")
  })

  it("identifier prefers the digest", () => {
    assert.strictEqual(Reference.identifier(parse(`ghcr.io/o/r:v1@${digest}`)), digest)
    assert.strictEqual(Reference.identifier(parse("ghcr.io/o/r:v1")), "v1")
  })
})
