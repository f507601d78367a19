/**
 * `RegistryAdapter.make`'s `hosts` (and `retarget`'s `extraHosts`) are matched
 * exactly against the host a request's URL names. An entry spelled another way
 * with the same meaning (case, https' port 443) is normalised; one that could
 * never match (a URL, a path, a trailing dot, a wildcard) throws an `Error` that
 * names the adapter, the entry and the host to write — never an adapter that is
 * silently unused.
 */
import { assert, describe, it } from "@effect/vitest"
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as Conformance from "@ociauth/core/Conformance"
import { Effect } from "effect"

const make = (hosts: ReadonlyArray<string>) => RegistryAdapter.make({ name: "corp", hosts })
const requestHost = (url: string) => new URL(url).host
const thrown = (f: () => unknown): string => {
  try {
    f()
  } catch (error) {
    assert.instanceOf(error, Error)
    return (error as Error).message
  }
  return assert.fail("did not throw")
}

describe("RegistryAdapter.make: hosts", () => {
  it("case and https' own port are normalised: the adapter serves the host requests name", () => {
    for (const entry of ["Registry.Corp.Example", "registry.corp.example:443", "REGISTRY.corp.example:443"]) {
      const adapter = make([entry])
      for (const url of ["https://registry.corp.example/v2/", "https://Registry.Corp.Example:443/v2/team/app/tags/list"]) {
        assert.isTrue(adapter.matches(requestHost(url)), `${entry} serves ${url}`)
        assert.strictEqual(Registries.make([adapter]).resolve(requestHost(url)), adapter, `${entry} resolves ${url}`)
      }
      assert.isTrue(adapter.matches("registry.corp.example:443"), `${entry}: a host[:port] that spells out :443`)
      assert.isFalse(adapter.matches("registry.corp.example:5000"), `${entry}: another port`)
      assert.isFalse(adapter.matches("evil.registry.corp.example"), `${entry}: a subdomain`)
    }
  })

  it("other ports stay part of the host", () => {
    const adapter = make(["registry.corp.example:5000", "[::1]:5443"])
    assert.isTrue(adapter.matches(requestHost("https://registry.corp.example:5000/v2/")))
    assert.isTrue(adapter.matches(requestHost("https://[::1]:5443/v2/")))
    assert.isFalse(adapter.matches(requestHost("https://registry.corp.example/v2/")))
  })

  const refused: ReadonlyArray<readonly [entry: string, says: string, write: string | undefined]> = [
    ["https://registry.corp.example", "is a URL, not a host", "registry.corp.example"],
    ["https://registry.corp.example:8443/", "is a URL, not a host", "registry.corp.example:8443"],
    ["https://registry.corp.example/v2/", "is a URL, not a host", "registry.corp.example"],
    ["registry.corp.example/", "is not a host[:port]", "registry.corp.example"],
    ["registry.corp.example.", "is not a host[:port]", "registry.corp.example"],
    ["registry.corp.example.:5000", "is not a host[:port]", "registry.corp.example:5000"],
    ["registry.corp.example/team", "is not a host[:port]", "registry.corp.example"],
    ["ci@registry.corp.example", "is not a host[:port]", "registry.corp.example"],
    ["registry corp", "is not a host[:port]", undefined],
    ["", "is not a host[:port]", undefined],
    ["registry.corp.example:https", "is not a host[:port]", undefined]
  ]
  for (const [entry, says, write] of refused) {
    it(`${JSON.stringify(entry)} throws, naming the adapter, the entry and what to write`, () => {
      const message = thrown(() => make(["other.corp.example", entry]))
      assert.include(message, `RegistryAdapter.make("corp"): hosts: ${JSON.stringify(entry)} ${says}`)
      assert.include(message, write === undefined ? "write a host[:port] such as" : `write ${JSON.stringify(write)}`)
    })
  }

  it("http:// says the scheme is not the host's: a plain-HTTP API is an `origin`", () => {
    const message = thrown(() => make(["http://registry.corp.example:5000"]))
    assert.include(message, `write "registry.corp.example:5000"`)
    assert.include(message, "`origin`")
  })

  it("a wildcard says that hosts match exactly, and what to give instead", () => {
    const message = thrown(() => make(["*.corp.example"]))
    assert.include(message, `"*.corp.example" is a pattern`)
    assert.include(message, "`matches`")
  })

  it("`matches` given, `hosts` left out: no host to check", () => {
    const adapter = RegistryAdapter.make({ name: "pattern", matches: (host) => host.endsWith(".corp.example") })
    assert.isTrue(adapter.matches("registry.corp.example"))
  })
})

describe("RegistryAdapter.retarget: extraHosts", () => {
  const base = make(["registry.corp.example"])

  it("are normalised as hosts are", () => {
    const aimed = RegistryAdapter.retarget(base, { origin: "http://127.0.0.1:5000", extraHosts: ["LOCALHOST:5000", "mirror.corp.example:443"] })
    assert.isTrue(aimed.matches(requestHost("http://localhost:5000/v2/")))
    assert.isTrue(aimed.matches(requestHost("https://mirror.corp.example:443/v2/")))
    assert.isTrue(aimed.matches("registry.corp.example"))
  })

  it("throw for an entry that could never match", () => {
    const message = thrown(() => RegistryAdapter.retarget(base, { origin: "http://127.0.0.1:5000", extraHosts: ["http://127.0.0.1:5000"] }))
    assert.include(message, `RegistryAdapter.retarget("corp"): extraHosts: "http://127.0.0.1:5000" is a URL, not a host; write "127.0.0.1:5000"`)
  })
})

describe("Conformance: hosts as request URLs name them", () => {
  const reasons = (adapter: RegistryAdapter.RegistryAdapter, hosts: ReadonlyArray<string>) =>
    Effect.runSync(
      Effect.forEach(Conformance.checks(adapter, { hosts }), (check) => Effect.flip(check.run).pipe(Effect.option))
    ).flatMap((failure) => (failure._tag === "Some" ? [failure.value.message] : []))

  it("an adapter of hosts passes", () => {
    assert.deepStrictEqual(reasons(make(["registry.corp.example:443", "registry.corp.example:5000"]), ["registry.corp.example:443", "registry.corp.example:5000"]), [])
  })

  it("catches a predicate that expects :443, which no request URL names", () => {
    const adapter = RegistryAdapter.make({ name: "port-443", matches: (host) => host === "registry.corp.example:443" })
    assert.include(reasons(adapter, ["registry.corp.example:443"]).join(" | "), "does not match registry.corp.example:443 as https://registry.corp.example:443/ names it (registry.corp.example)")
  })

  it("catches a predicate that expects a URL, and names the samples that are no hosts", () => {
    const adapter = RegistryAdapter.make({ name: "url", matches: (host) => host === "https://registry.corp.example" })
    assert.include(reasons(adapter, ["https://registry.corp.example"]).join(" | "), `sample hosts "https://registry.corp.example" are not host[:port]`)
  })
})
