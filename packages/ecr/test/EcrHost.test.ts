/**
 * The host parser against every form the AWS helper's pattern accepts
 * (ecr-login/api/client.go), and look-alikes it must refuse.
 */
import { assert, describe, it } from "@effect/vitest"
import { EcrHost } from "@ociauth/ecr"
import { Effect, Result } from "effect"

const parsed = (host: string) => Result.getOrThrow(EcrHost.parse(host))

describe("EcrHost.parse", () => {
  const cases: ReadonlyArray<readonly [string, EcrHost.EcrHost]> = [
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com", { account: "123456789012", region: "us-east-1", fips: false, dualStack: false, domain: "amazonaws.com" }],
    ["123456789012.dkr-ecr.eu-west-1.on.aws", { account: "123456789012", region: "eu-west-1", fips: false, dualStack: true, domain: "on.aws" }],
    ["123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", { account: "123456789012", region: "us-gov-west-1", fips: true, dualStack: false, domain: "amazonaws.com" }],
    ["123456789012.dkr-ecr-fips.us-east-2.on.aws", { account: "123456789012", region: "us-east-2", fips: true, dualStack: true, domain: "on.aws" }],
    ["123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", { account: "123456789012", region: "cn-north-1", fips: false, dualStack: false, domain: "amazonaws.com.cn" }],
    ["123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn", { account: "123456789012", region: "cn-northwest-1", fips: false, dualStack: true, domain: "on.amazonwebservices.com.cn" }],
    ["123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", { account: "123456789012", region: "eusc-de-east-1", fips: false, dualStack: false, domain: "amazonaws.eu" }],
    ["123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", { account: "123456789012", region: "us-iso-east-1", fips: false, dualStack: false, domain: "c2s.ic.gov" }],
    ["123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", { account: "123456789012", region: "us-isob-east-1", fips: false, dualStack: false, domain: "sc2s.sgov.gov" }],
    ["123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", { account: "123456789012", region: "eu-isoe-west-1", fips: false, dualStack: false, domain: "cloud.adc-e.uk" }],
    ["123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", { account: "123456789012", region: "us-isof-south-1", fips: false, dualStack: false, domain: "csp.hci.ic.gov" }]
  ]
  for (const [host, expected] of cases) {
    it(`reads ${host}`, () => {
      assert.deepStrictEqual(parsed(host), expected)
      assert.strictEqual(EcrHost.format(expected), host, "format is the inverse")
    })
  }

  it("ignores case, a port, a scheme and a path (a proxyEndpoint is a URL)", () => {
    const expected = { account: "123456789012", region: "us-east-1", fips: false, dualStack: false, domain: "amazonaws.com" }
    assert.deepStrictEqual(parsed("123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM"), { ...expected })
    assert.deepStrictEqual(parsed("123456789012.dkr.ecr.us-east-1.amazonaws.com:443"), expected)
    assert.deepStrictEqual(parsed("https://123456789012.dkr.ecr.us-east-1.amazonaws.com"), expected)
    assert.deepStrictEqual(parsed("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/"), expected)
  })

  const refused = [
    "public.ecr.aws",
    "12345678901.dkr.ecr.us-east-1.amazonaws.com",
    "1234567890123.dkr.ecr.us-east-1.amazonaws.com",
    "12345678901a.dkr.ecr.us-east-1.amazonaws.com",
    "x123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
    "123456789012.dkr.ecr.us-east-1.amazonaws.co",
    "123456789012.dkr.ecr.us-east-1.evil.example",
    "123456789012.dkrXecr.us-east-1.amazonaws.com",
    "123456789012.dkr.ecr..amazonaws.com",
    "123456789012.dkr.ecr.-us-east-1.amazonaws.com",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/../evil.example",
    "evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "123456789012.dkr.ecr.us east 1.amazonaws.com",
    "",
    "a".repeat(100_000)
  ]
  for (const host of refused) {
    it(`refuses ${JSON.stringify(host.slice(0, 60))}`, () => {
      const result = EcrHost.parse(host)
      assert.isTrue(Result.isFailure(result))
      assert.isFalse(EcrHost.matches(host))
    })
  }

  it.effect("parseEffect fails with a typed error that names the host", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(EcrHost.parseEffect("registry.example"))
      assert.strictEqual(error._tag, "EcrHostError")
      assert.include(error.message, "registry.example")
      const ok = yield* EcrHost.parseEffect("210987654321.dkr.ecr.ap-south-1.amazonaws.com")
      assert.strictEqual(ok.account, "210987654321")
    }))
})
