/**
 * The engine asks the `Registries` for a host's adapter once per host while the
 * registry's adapter list is the same, and again when it changes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Registries, RegistryAdapter } from "@ociauth/core"
import { makeResolver } from "../src/internal/authenticator.js"

describe("the engine's adapter resolution", () => {
  it("asks each adapter once per host while the list is the same, and again for a new list", () => {
    let asked = 0
    const counting = (name: string, host: string) => {
      const adapter = RegistryAdapter.make({ name, hosts: [host] })
      return { ...adapter, matches: (h: string) => (asked++, adapter.matches(h)) }
    }
    let adapters: ReadonlyArray<RegistryAdapter.RegistryAdapter> = [counting("one", "one.example")]
    const registries: Registries.Service = {
      get adapters() {
        return adapters
      },
      resolve: (host) => Registries.make(adapters).resolve(host)
    }
    const resolve = makeResolver(registries)
    assert.strictEqual(resolve("one.example").name, "one")
    assert.strictEqual(resolve("one.example").name, "one")
    assert.strictEqual(resolve("other.example").name, "generic")
    assert.strictEqual(resolve("other.example").name, "generic")
    assert.strictEqual(asked, 2)
    adapters = [counting("other", "other.example"), ...adapters]
    assert.strictEqual(resolve("other.example").name, "other")
    assert.strictEqual(resolve("one.example").name, "one")
    assert.strictEqual(resolve("one.example").name, "one")
    assert.strictEqual(asked, 5)
  })
})
