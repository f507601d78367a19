import { assert, describe, it } from "@effect/vitest"
import { AcrHost } from "@ociauth/acr"
import { Option } from "effect"

describe("AcrHost.parse", () => {
  const parsed = (host: string) => Option.getOrUndefined(AcrHost.parse(host))

  it("login servers of every cloud, any case, with a domain-name-label hash", () => {
    assert.deepStrictEqual(parsed("contoso.azurecr.io"), { name: "contoso", suffix: "azurecr.io", kind: "login", region: Option.none(), loginServer: "contoso.azurecr.io" })
    for (const suffix of ["azurecr.cn", "azurecr.us", "azurecr.de"]) {
      assert.strictEqual(parsed(`contoso.${suffix}`)?.loginServer, `contoso.${suffix}`)
    }
    assert.strictEqual(parsed("Contoso.AzureCR.io")?.loginServer, "contoso.azurecr.io")
    assert.strictEqual(parsed("contoso-e8fpdxcgcgdzdpf2.azurecr.io")?.loginServer, "contoso-e8fpdxcgcgdzdpf2.azurecr.io")
  })

  it("geo-replicas and data endpoints belong to their login server", () => {
    assert.deepStrictEqual(parsed("contoso.westeurope.geo.azurecr.io"), {
      name: "contoso", suffix: "azurecr.io", kind: "geo", region: Option.some("westeurope"), loginServer: "contoso.azurecr.io"
    })
    assert.deepStrictEqual(parsed("contoso.chinanorth3.data.azurecr.cn"), {
      name: "contoso", suffix: "azurecr.cn", kind: "data", region: Option.some("chinanorth3"), loginServer: "contoso.azurecr.cn"
    })
    assert.strictEqual(AcrHost.loginServer("contoso.eastus.geo.azurecr.us"), "contoso.azurecr.us")
  })

  it("anything else is not ACR", () => {
    for (const host of [
      "azurecr.io", ".azurecr.io", "abcd.azurecr.io", `${"a".repeat(51)}.azurecr.io`, "con_toso.azurecr.io",
      "contoso.azurecr.io:443", "contoso.azurecr.io.evil.example", "contoso.azurecr.com", "contosoazurecr.io",
      "contoso.eastus.blob.azurecr.io", "contoso.eastus.geo.azurecr", "contoso.a.b.geo.azurecr.io", "evil-contoso.azurecr.io",
      "contoso.blob.core.windows.net", "mcr.microsoft.com", ""
    ]) assert.isTrue(Option.isNone(AcrHost.parse(host)), host)
    assert.strictEqual(AcrHost.loginServer("Registry.Example:5000"), "registry.example:5000")
  })
})
