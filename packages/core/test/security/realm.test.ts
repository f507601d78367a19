/**
 * Issue 12 §2–4: where a realm may send credentials. Addresses are classified
 * after WHATWG URL normalisation, in every IPv4 and IPv6 spelling; plain HTTP
 * goes only to loopback or to hosts the user declared insecure.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Result } from "effect"
import { Authenticator, CredentialProvider, Registries, Scope } from "@ociauth/core"
import { isInternalAddress, isLoopback, mayUsePlainHttp, validateRealm } from "../../src/internal/realm.js"
import { fakeHttp, json } from "../utils/fakeHttp.js"

/** [how the realm's host is written, internal?, loopback?] — each is tried raw and inside a URL. */
const table: ReadonlyArray<readonly [string, boolean, boolean]> = [
  // IPv4, every spelling WHATWG URL accepts
  ["127.0.0.1", true, true],
  ["127.255.255.254", true, true],
  ["2130706433", true, true],
  ["0x7f000001", true, true],
  ["0x7f.1", true, true],
  ["0177.0.0.1", true, true],
  ["127.1", true, true],
  ["127.0.0.1.", true, true],
  ["0.0.0.0", true, false],
  ["0", true, false],
  ["10.1.2.3", true, false],
  ["172.16.0.1", true, false],
  ["172.31.255.255", true, false],
  ["192.168.1.1", true, false],
  ["169.254.169.254", true, false],
  ["0xa9.0xfe.0xa9.0xfe", true, false],
  ["2852039166", true, false],
  ["100.64.0.1", true, false],
  ["100.100.100.200", true, false],
  ["192.0.0.192", true, false],
  ["198.18.0.1", true, false],
  ["224.0.0.1", true, false],
  ["255.255.255.255", true, false],
  ["8.8.8.8", false, false],
  ["172.32.0.1", false, false],
  ["100.128.0.1", false, false],
  ["192.0.2.1", false, false],
  // IPv6
  ["[::1]", true, true],
  ["[0:0:0:0:0:0:0:1]", true, true],
  ["[::]", true, false],
  ["[fe80::1]", true, false],
  ["[febf::1]", true, false],
  ["[fec0::1]", true, false],
  ["[fc00::1]", true, false],
  ["[fd00:ec2::254]", true, false],
  ["[ff02::1]", true, false],
  ["[2001:4860:4860::8888]", false, false],
  // IPv4-mapped, as written and as URL serialises it
  ["[::ffff:169.254.169.254]", true, false],
  ["[::ffff:a9fe:a9fe]", true, false],
  ["[::ffff:127.0.0.1]", true, true],
  ["[::ffff:7f00:1]", true, true],
  ["[::FFFF:10.0.0.1]", true, false],
  ["[::ffff:8.8.8.8]", false, false],
  // IPv4-translated (SIIT)
  ["[::ffff:0:7f00:1]", true, false],
  ["[::ffff:0:808:808]", false, false],
  // IPv4-compatible (deprecated)
  ["[::127.0.0.1]", true, false],
  ["[::7f00:1]", true, false],
  ["[::a9fe:a9fe]", true, false],
  ["[::808:808]", false, false],
  // NAT64
  ["[64:ff9b::169.254.169.254]", true, false],
  ["[64:ff9b::a9fe:a9fe]", true, false],
  ["[64:ff9b::7f00:1]", true, false],
  ["[64:ff9b::808:808]", false, false],
  ["[64:ff9b:1::808:808]", true, false],
  // 6to4
  ["[2002:7f00:1::]", true, false],
  ["[2002:a9fe:a9fe::1]", true, false],
  ["[2002:c0a8:101::1]", true, false],
  ["[2002:808:808::1]", false, false],
  // Teredo: client 127.0.0.1 (inverted), public server
  ["[2001:0:4136:e378:8000:63bf:80ff:fffe]", true, false],
  ["[2001:0:4136:e378:8000:63bf:f7f7:f7f7]", false, false],
  // names
  ["localhost", true, true],
  ["LOCALHOST", true, true],
  ["localhost.", true, true],
  ["api.localhost", true, false],
  ["a.b.localhost.", true, false],
  ["notlocalhost", false, false],
  ["localhost.example", false, false],
  ["registry.example", false, false],
  ["auth.docker.io", false, false]
]

describe("security: address classification", () => {
  for (const [host, internal, loopback] of table) {
    it(`${host}: ${internal ? "internal" : "not internal"}${loopback ? ", loopback" : ""}`, () => {
      const url = new URL(`https://${host}:8443/token`)
      assert.strictEqual(isInternalAddress(url.hostname), internal, `URL hostname ${url.hostname}`)
      assert.strictEqual(isInternalAddress(host), internal, "raw")
      assert.strictEqual(isLoopback(url.hostname), loopback, `URL hostname ${url.hostname}`)
      assert.strictEqual(isLoopback(host), loopback, "raw")
    })
  }

  it("raw IPv6 without brackets and with a zone", () => {
    assert.isTrue(isInternalAddress("::ffff:169.254.169.254"))
    assert.isTrue(isInternalAddress("fe80::1%eth0"))
    assert.isFalse(isInternalAddress("not a host"))
  })
})

describe("security: validateRealm", () => {
  const https = "https://registry.example"
  const rejected: ReadonlyArray<readonly [string, string, string]> = [
    // [realm, registry origin, reason]
    ["https://[::ffff:169.254.169.254]/latest/meta-data", https, "internal address"],
    ["https://[::ffff:127.0.0.1]:8443/token", https, "internal address"],
    ["https://[64:ff9b::a9fe:a9fe]/token", https, "internal address"],
    ["https://[2002:a9fe:a9fe::]/token", https, "internal address"],
    ["https://[::127.0.0.1]/token", https, "internal address"],
    ["https://2130706433/token", https, "internal address"],
    ["https://0x7f.1/token", https, "internal address"],
    ["https://0177.0.0.1/token", https, "internal address"],
    ["https://127.0.0.1./token", https, "internal address"],
    ["https://localhost/token", https, "internal address"],
    ["https://localhost./token", https, "internal address"],
    ["https://auth.localhost/token", https, "internal address"],
    ["http://127.0.0.1/token", https, "plain-HTTP"],
    // a plain-HTTP loopback registry does not make a remote plain-HTTP realm acceptable
    ["http://evil.example/token", "http://127.0.0.1:5000", "plain-HTTP"],
    ["//evil.example/token", "http://127.0.0.1:5000", "plain-HTTP"],
    ["http://evil.example/token", "http://localhost:5000", "plain-HTTP"],
    ["http://auth.localhost/token", "http://localhost:5000", "plain-HTTP"],
    ["http://registry.lan:5001/token", "http://registry.lan:5000", "plain-HTTP"],
    ["https://169.254.169.254/", "http://127.0.0.1:5000", "internal address"],
    ["https://10.0.0.1/token", "https://10.0.0.2", "internal address"],
    ["https://metadata.google.internal/computeMetadata/v1/token", https, "private-network name"],
    ["https://metadata.google.internal./computeMetadata/v1/token", https, "private-network name"],
    ["https://ip-10-0-0-1.ec2.internal/token", https, "private-network name"],
    ["https://printer.local/token", https, "private-network name"],
    ["https://router.home.arpa/token", https, "private-network name"],
    // single-label names resolve through search domains (GCE's `metadata`, a cluster's `kubernetes`)
    ["https://auth/token", https, "private-network name"],
    ["https://router.lan/", https, "private-network name"],
    ["https://registry.ns.svc/token", https, "private-network name"],
    // a loopback registry is on no private network: its token server is on loopback too
    ["https://printer.local./token", "http://127.0.0.1:5000", "private-network name"],
    ["https://a.home.arpa./token", "http://localhost:5000", "private-network name"],
    ["https://auth.corp.internal/token", "http://127.0.0.1:5000", "private-network name"],
    // metadata services, cluster API servers and container gateways: never, wherever the registry is
    ["https://metadata/computeMetadata/v1/token", https, "private-network name"],
    ["https://metadata/computeMetadata/v1/token", "http://127.0.0.1:5000", "private-network name"],
    ["https://metadata.google.internal/computeMetadata/v1/token", "http://127.0.0.1:5000", "private-network name"],
    ["https://metadata.google.internal/computeMetadata/v1/token", "https://registry.corp.internal", "cloud metadata"],
    ["https://instance-data/latest/meta-data/", "https://10.0.0.2", "cloud metadata"],
    ["https://INSTANCE-DATA./latest/meta-data/", "https://registry.lan", "cloud metadata"],
    ["https://kubernetes.default.svc/api", "https://registry.ns.svc", "cloud metadata"],
    ["https://kubernetes/api", "https://registry", "cloud metadata"],
    ["https://host.docker.internal/token", "http://localhost:5000", "private-network name"],
    ["https://host.docker.internal/token", "https://registry.corp.internal", "cloud metadata"],
    ["https://user:pw@auth.example/token", https, "userinfo"],
    ["file:///etc/passwd", https, "scheme"],
    ["javascript:alert(1)", https, "scheme"],
    ["http://[", https, "not a URL"]
  ]
  for (const [realm, origin, reason] of rejected) {
    it(`rejects ${realm} for ${origin}`, () => {
      const result = validateRealm(realm, origin)
      assert.isTrue(Result.isFailure(result), "rejected")
      const error = Option.getOrThrow(Result.getFailure(result))
      assert.strictEqual(error._tag, "RealmRejected")
      assert.include(error.reason, reason)
      assert.notInclude(error.message, "pw")
    })
  }

  const accepted: ReadonlyArray<readonly [string, string, ReadonlyArray<string>?]> = [
    ["https://auth.example/token", https],
    ["/token", https],
    ["//auth.example/token", https],
    ["https://auth.example/token", "http://127.0.0.1:5000"],
    // loopback registries may use loopback realms on the same machine
    ["http://127.0.0.1:5001/token", "http://127.0.0.1:5000"],
    ["http://localhost:5001/token", "http://127.0.0.1:5000"],
    ["http://[::1]:5001/token", "http://localhost:5000"],
    ["http://localhost.:5001/token", "http://localhost:5000"],
    // internal registries may use their own host
    ["https://10.0.0.2:5001/token", "https://10.0.0.2"],
    ["https://auth.localhost/token", "https://auth.localhost:5000"],
    // registries on a private network may use token servers there
    ["https://auth.corp.internal/token", "https://registry.corp.internal"],
    ["https://auth.corp.internal/token", "https://10.0.0.2"],
    ["https://nas.local/token", "https://registry.home.arpa"],
    // a compose network or a cluster namespace: single-label and *.svc names beside the registry
    ["https://auth/token", "https://registry:5000"],
    ["https://auth.ns.svc/token", "https://registry.ns.svc"],
    ["https://auth.lan/token", "https://10.0.0.2"],
    ["https://internal.example/token", https],
    // the plain-HTTP registry's own origin, and hosts declared insecure
    ["http://registry.lan:5000/token", "http://registry.lan:5000"],
    ["http://registry.lan:5001/token", "http://registry.lan:5000", ["registry.lan:5001"]],
    ["http://auth.lan/token", "http://registry.lan:5000", ["AUTH.LAN"]],
    ["http://auth.lan:80/token", "http://registry.lan:5000", ["auth.lan:80"]]
  ]
  for (const [realm, origin, insecure] of accepted) {
    it(`accepts ${realm} for ${origin}${insecure ? ` with insecure ${insecure.join(",")}` : ""}`, () => {
      const result = insecure === undefined ? validateRealm(realm, origin) : validateRealm(realm, origin, { insecure })
      assert.isTrue(Result.isSuccess(result), Result.isFailure(result) ? result.failure.reason : "")
    })
  }

  it("insecure hosts may be a Set, and never let an https registry use a plain-HTTP realm", () => {
    const insecure = new Set(["auth.lan"])
    assert.isTrue(Result.isSuccess(validateRealm("http://auth.lan/t", "http://registry.lan", { insecure })))
    assert.isTrue(Result.isFailure(validateRealm("http://auth.lan/t", "https://registry.lan", { insecure })))
    assert.isTrue(Result.isFailure(validateRealm("http://auth.lan:8080/t", "http://registry.lan", { insecure })))
  })
})

describe("security: mayUsePlainHttp, the one plain-HTTP rule", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, boolean]> = [
    ["http://127.0.0.1:5000/v2/", [], true],
    ["http://2130706433:5000/v2/", [], true],
    ["http://[::1]/v2/", [], true],
    ["http://[::ffff:127.0.0.1]/v2/", [], true],
    ["http://localhost:5000/v2/", [], true],
    ["http://LocalHost.:5000/v2/", [], true],
    ["http://registry.localhost/v2/", [], false],
    ["http://10.0.0.5:5000/v2/", [], false],
    ["http://evil.example/token", [], false],
    ["http://registry.lan:5000/v2/", ["registry.lan:5000"], true],
    ["http://registry.lan.:5000/v2/", ["Registry.LAN:5000"], true],
    ["http://registry.lan:5001/v2/", ["registry.lan:5000"], false],
    ["http://registry.lan/v2/", ["registry.lan:80"], true],
    ["http://[fd00::5]:5000/v2/", ["[FD00::5]:5000"], true],
    ["http://registry.lan/v2/", ["http://registry.lan/"], false],
    ["not a url", ["not a url"], false]
  ]
  for (const [url, insecure, expected] of cases) {
    it(`${url} with [${insecure.join(", ")}] → ${expected}`, () => {
      assert.strictEqual(mayUsePlainHttp(url, insecure), expected)
      if (url !== "not a url") assert.strictEqual(mayUsePlainHttp(new URL(url), new Set(insecure)), expected)
    })
  }
})

describe("security: the engine sends no credential to a rejected realm", () => {
  const CANARY = "CANARY-realm-7d1f"
  const realms: ReadonlyArray<readonly [string, string]> = [
    ["https://registry.example", "https://[::ffff:169.254.169.254]/latest/meta-data"],
    ["https://registry.example", "https://[::ffff:127.0.0.1]:8443/token"],
    ["https://registry.example", "https://localhost/token"],
    ["https://registry.example", "https://localhost./token"],
    ["https://registry.example", "https://0x7f.1/token"],
    ["http://127.0.0.1:5000", "http://evil.example/token"],
    ["http://127.0.0.1:5000", "//evil.example/token"]
  ]
  for (const [origin, realm] of realms) {
    it.effect(`${realm} from ${origin}`, () => {
      const http = fakeHttp(() => json(200, { token: "t", expires_in: 300 }))
      const host = new URL(origin).host
      const layer = Authenticator.layer().pipe(
        Layer.provide(
          Layer.mergeAll(
            http.layer,
            Registries.layer([]),
            CredentialProvider.layerStatic({ [host]: { username: "u", password: CANARY } })
          )
        )
      )
      return Effect.gen(function* () {
        const auth = yield* Authenticator.Authenticator
        const error = yield* Effect.flip(
          auth.authorize({
            origin,
            challenge: { scheme: "bearer", realm, service: "s", scopes: [] },
            scopes: [Scope.repository("team/app", ["pull"])]
          })
        )
        assert.strictEqual(error._tag, "RealmRejected")
        assert.strictEqual(http.log.length, 0, "nothing was sent")
      }).pipe(Effect.provide(layer))
    })
  }
})
