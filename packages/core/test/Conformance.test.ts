import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"

const good = RegistryAdapter.make({
  name: "hub-like",
  hosts: ["hub.example", "index.hub.example"],
  apiHost: "api.hub.example",
  credentialHost: "hub.example",
  normalizeRepository: (name) => (name.includes("/") ? name : `library/${name}`),
  challenge: { scheme: "bearer", realm: "https://auth.hub.example/token", service: "hub.example", scopes: [] },
  defaultTokenLifetime: "300 seconds"
})
const samples: Conformance.Samples = {
  hosts: ["hub.example", "INDEX.hub.example"],
  repositories: [["alpine", "library/alpine"], ["user/app", "user/app"]]
}

describe("Conformance", () => {
  for (const check of Conformance.checks(good, samples)) it.effect(check.name, () => check.run)

  const failing = (name: string, adapter: RegistryAdapter.RegistryAdapter, expected: string, s = samples) =>
    it.effect(`catches: ${name}`, () =>
      Effect.gen(function* () {
        const failures = yield* Effect.forEach(Conformance.checks(adapter, s), (c) => Effect.flip(c.run).pipe(Effect.option))
        const reasons = failures.flatMap((f) => (f._tag === "Some" ? [f.value.message] : []))
        assert.isTrue(reasons.some((r) => r.includes(expected)), reasons.join(" | "))
      }))

  failing("suffix matching", RegistryAdapter.extend(good, { name: "loose", matches: (h) => h.endsWith("hub.example") }), "claims")
  failing("plain-http origin", RegistryAdapter.extend(good, { name: "http", origin: (h) => `http://${h}` }), "not https")
  failing("non-idempotent normalisation", RegistryAdapter.extend(good, { name: "n", normalizeRepository: (n) => `library/${n}` }), "normalizeRepository")
  failing(
    "a realm the engine would reject",
    RegistryAdapter.make({ name: "bad-realm", hosts: ["hub.example", "index.hub.example"], challenge: { scheme: "bearer", realm: "http://auth.hub.example/token", scopes: [] } }),
    "realm rejected"
  )
  failing("missing hosts", good, "does not match", { hosts: ["other.example"] })
})
