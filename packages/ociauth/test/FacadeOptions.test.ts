/**
 * The façade's options as a JavaScript caller may get them wrong: each is
 * refused as `makeRegistryFetch` is called, by a `RegistryFetchOptionsError`
 * that names the option and what it takes (never a value that may be a
 * secret), in the thin façade and in the batteries alike.
 */
import { assert, describe, it } from "@effect/vitest"
import { Credential } from "@ociauth/core"
import * as Thin from "@ociauth/fetch/RegistryFetch"
import { Duration, Redacted } from "effect"
import { makeRegistryFetch } from "ociauth"

const refusal = (make: (options: never) => unknown, options: unknown): { readonly _tag: string; readonly option: string; readonly message: string } => {
  try {
    make(options as never)
  } catch (error) {
    return error as never
  }
  return assert.fail(`accepted ${JSON.stringify(options)}`)
}

const SECRET = "s3cret-value"

describe("makeRegistryFetch refuses options that are not what they take", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["credentials with other field names", { credentials: { "ghcr.io": { user: "me", pass: SECRET } } }, 'credentials["ghcr.io"]', '"user", "pass"'],
    ["a username without a password", { credentials: { "ghcr.io": { username: "me" } } }, 'credentials["ghcr.io"]', "password is missing"],
    ["an empty username", { credentials: { "ghcr.io": { username: "", password: SECRET } } }, 'credentials["ghcr.io"]', "username is missing or empty"],
    ["credentials that are not an object", { credentials: "me:pw" }, "credentials", "host → credential"],
    ["adapters that are not an array", { adapters: {} }, "adapters", "array of adapters"],
    ["a retry policy that is not one", { retry: "3" }, "retry", "Retry.Policy"],
    ["a deadline Effect cannot read (its value not repeated: it may be a secret)", { deadline: SECRET }, "deadline", "not a string of 12 characters"],
    ["a deadline that is no duration at all (cyclic)", { deadline: (() => { const o: Record<string, unknown> = {}; o.self = o; return o })() }, "deadline", "not an object"],
    ["an option named like Object.prototype's members", JSON.parse('{"__proto__": {"x": 1}}'), "__proto__", "is not an option"],
    ["valueOf as an option", { valueOf: 1 }, "valueOf", "is not an option"],
    ["a made credential whose secret is not Redacted", { credentials: { "ghcr.io": { _tag: "Basic", username: "me", password: SECRET } } }, 'credentials["ghcr.io"]', "Credential.Basic"],
    ["a tag no credential has", { credentials: { "ghcr.io": { _tag: "Evil" } } }, 'credentials["ghcr.io"]', "Credential.Basic"],
    ["credentials that mix forms", { credentials: { "ghcr.io": { username: "me", password: SECRET, registryToken: SECRET } } }, 'credentials["ghcr.io"]', "not a mix"],
    ["a retry policy without a Schedule", { retry: { schedule: 1 } }, "retry", "Retry.Policy"],
    ["an adapter that RegistryAdapter.make did not make", { adapters: [{ name: "x", matches: () => true }] }, "adapters", "RegistryAdapter.make"],
    ["a response timeout of zero", { responseTimeout: 0 }, "responseTimeout", "above zero"],
    ["maxRedirects that is not a whole number", { maxRedirects: 2.5 }, "maxRedirects", "whole number"],
    ["insecure that is not a list of hosts", { insecure: "localhost:5000" }, "insecure", "array of hosts"],
    ["an access plan without a repository", { access: [{ registry: "ghcr.io" }] }, "access", "{ registry, repository, actions? }"],
    ["a misspelt option (credential for credentials)", { credential: { "ghcr.io": { username: "me", password: SECRET } } }, "credential", "is not an option"]
  ]
  for (const [label, options, option, words] of cases) {
    it(label, () => {
      for (const make of [Thin.makeRegistryFetch, makeRegistryFetch]) {
        const error = refusal(make, options)
        assert.strictEqual(error._tag, "RegistryFetchOptionsError", String(error))
        assert.strictEqual(error.option, option)
        assert.include(error.message, `makeRegistryFetch: options.${option} `)
        assert.include(error.message, words)
        assert.notInclude(error.message, SECRET)
      }
    })
  }

  it("what the types allow is accepted, and nothing is sent by making the façade", async () => {
    let sent = 0
    const fetch = (() => {
      sent++
      return Promise.reject(new TypeError("unused"))
    }) as unknown as typeof globalThis.fetch
    const accepted: ReadonlyArray<unknown> = [
      {},
      { credentials: { "ghcr.io": { username: "me", password: SECRET }, "quay.io": { identityToken: SECRET }, "x.example": { registryToken: SECRET } } },
      { credentials: { "ghcr.io": Credential.Basic({ username: "me", password: Redacted.make(SECRET) }) } },
      { deadline: "30 seconds", responseTimeout: 10_000, maxRedirects: 0, insecure: ["localhost:5000"], tracePropagation: ["ghcr.io"] },
      { deadline: Duration.seconds(5), access: [{ registry: "ghcr.io", repository: "me/app", actions: ["pull"] }], onEvent: () => {}, fetch },
      { credentials: undefined, adapters: undefined }
    ]
    for (const options of accepted) {
      for (const make of [Thin.makeRegistryFetch, makeRegistryFetch]) await make(options as Thin.RegistryFetchOptions).close()
    }
    assert.strictEqual(sent, 0)
  })
})
