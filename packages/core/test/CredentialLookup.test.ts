/**
 * The one rule the engine's credential cache and `docker-credential-ociauth`
 * share: the configured credentials for the adapter's credential host first,
 * else the adapter's own source (through the caller's `around`), else anonymous.
 */
import * as Unstable from "@ociauth/core/Unstable"
import { assert, describe, it } from "@effect/vitest"
import { Credential, RegistryAdapter, RegistryError } from "@ociauth/core"
import type { CredentialProvider } from "@ociauth/core"
import { Effect, Option, Redacted } from "effect"
import { identity } from "effect/Function"

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
const minted = Credential.Basic({ username: "AWS", password: Redacted.make("minted-password") })

/** An adapter whose credentials are stored under `REGISTRY` and whose source records the hosts it was asked for. */
const cloud = (answer: Option.Option<Credential.Credential> = Option.some(minted)) => {
  const asked: Array<string> = []
  const adapter = RegistryAdapter.make({
    name: "cloud",
    hosts: ["mirror.corp.example"],
    credentialHost: REGISTRY,
    credentials: (host) => Effect.sync(() => (asked.push(host), answer))
  })
  return { adapter, asked }
}

/** Configured credentials: `credential` for `host`, anonymous for any other. */
const configured = (host: string, credential: Credential.Credential): CredentialProvider.Service => ({
  get: (asked) => Effect.succeed(asked === host ? credential : Credential.anonymous)
})
const nothing: CredentialProvider.Service = { get: () => Effect.succeed(Credential.anonymous) }

const context: RegistryAdapter.CredentialContext = {
  origin: "https://mirror.corp.example",
  send: () => Effect.die("no request in this test")
}

describe("Unstable.obtainCredential", () => {
  it.effect("the configured credential for the adapter's credential host comes first: the source is not asked", () =>
    Effect.gen(function* () {
      const { adapter, asked } = cloud()
      const provider = configured(REGISTRY, Credential.Basic({ username: "me", password: Redacted.make("configured") }))
      const credential = yield* Unstable.obtainCredential(provider, adapter, "mirror.corp.example", context, identity)
      assert.strictEqual(credential._tag, "Basic")
      assert.strictEqual(credential._tag === "Basic" ? credential.username : "", "me")
      assert.deepStrictEqual(asked, [])
    }))

  it.effect("none configured: the adapter's source answers for the host, through around", () =>
    Effect.gen(function* () {
      const { adapter, asked } = cloud()
      const seen: Array<string> = []
      const credential = yield* Unstable.obtainCredential(
        nothing,
        adapter,
        "mirror.corp.example",
        context,
        (source) => Effect.tap(source, () => Effect.sync(() => seen.push("around")))
      )
      assert.strictEqual(credential, minted)
      assert.deepStrictEqual(asked, ["mirror.corp.example"])
      assert.deepStrictEqual(seen, ["around"])
    }))

  it.effect("around may answer in place of the source (a cache): the source is not asked", () =>
    Effect.gen(function* () {
      const { adapter, asked } = cloud()
      const cached = Credential.Basic({ username: "AWS", password: Redacted.make("cached") })
      const credential = yield* Unstable.obtainCredential(nothing, adapter, "mirror.corp.example", context, () =>
        Effect.succeed(Option.some<Credential.Credential>(cached)))
      assert.strictEqual(credential, cached)
      assert.deepStrictEqual(asked, [])
    }))

  it.effect("a source with nothing, or an adapter without one: anonymous", () =>
    Effect.gen(function* () {
      const { adapter } = cloud(Option.none())
      const none = yield* Unstable.obtainCredential(nothing, adapter, "mirror.corp.example", context, identity)
      assert.strictEqual(none._tag, "Anonymous")
      const plain = RegistryAdapter.make({ name: "plain", hosts: ["plain.example"] })
      const anonymous = yield* Unstable.obtainCredential(nothing, plain, "plain.example", context, () =>
        Effect.die("around is not called without a source"))
      assert.strictEqual(anonymous._tag, "Anonymous")
    }))

  it.effect("the source's and around's failures come through typed", () =>
    Effect.gen(function* () {
      const failing = RegistryAdapter.make({
        name: "cloud",
        hosts: ["mirror.corp.example"],
        credentials: (host) => Effect.fail(new RegistryError.CredentialError({ source: "cloud", registry: host, reason: "throttled" }))
      })
      const error = yield* Effect.flip(Unstable.obtainCredential(nothing, failing, "mirror.corp.example", context, identity))
      assert.strictEqual(error._tag, "CredentialError")
      assert.strictEqual(error.reason, "throttled")
    }))
})
