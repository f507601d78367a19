import { assert, describe, it } from "@effect/vitest"
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import { Effect, Option, Result } from "effect"

const ecrLike = RegistryAdapter.make({
  name: "ecr",
  matches: (host) => host.endsWith(".amazonaws.com"),
  challenge: { scheme: "basic" },
  credentials: (host) => Effect.succeed(Option.some({ _tag: "RegistryToken", token: { host } } as never))
})
const harborLike = RegistryAdapter.make({
  name: "harbor",
  hosts: ["harbor.invalid"],
  challenge: { scheme: "bearer", realm: "https://harbor.invalid/service/token", service: "harbor-registry", scopes: [] }
})

const parse = (value: unknown) => HostConfig.parse(JSON.stringify(value), "hosts.json")

describe("HostConfig", () => {
  it("parses the documented shape and rejects what is not a host", () => {
    const ok = parse({ hosts: { "127.0.0.1:5000": { adapter: "ecr", registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", insecure: true } } })
    assert.isTrue(Result.isSuccess(ok))
    assert.isTrue(Result.isFailure(parse({ hosts: { "https://x.example/v2": { adapter: "generic" } } })))
    assert.isTrue(Result.isFailure(parse({ hosts: { "x.example": { adapter: "" } } })))
    assert.isTrue(Result.isFailure(parse({ hosts: { "x.example": { adapter: "generic", origin: "https://user:pw@x.example" } } })))
    assert.isTrue(Result.isFailure(HostConfig.parse("{", "hosts.json")))
  })

  it("an entry serves its host only, aimed at its origin, with the named adapter's source asked for the registry it stands for", () =>
    Effect.gen(function* () {
      const config = Result.getOrThrow(parse({
        hosts: {
          "127.0.0.1:5000": { adapter: "ecr", registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", insecure: true },
          "harbor.corp.example": { adapter: "harbor" }
        }
      }))
      const adapters = Result.getOrThrow(HostConfig.adapters(config, [ecrLike, harborLike]))
      const registries = Registries.make([...adapters, ecrLike, harborLike])
      const ecr = registries.resolve("127.0.0.1:5000")
      assert.strictEqual(ecr.name, "ecr")
      assert.strictEqual(ecr.origin("127.0.0.1:5000"), "http://127.0.0.1:5000")
      assert.strictEqual(ecr.credentialHost("127.0.0.1:5000"), "123456789012.dkr.ecr.eu-west-1.amazonaws.com")
      assert.deepStrictEqual(Option.getOrThrow(ecr.challenge), { scheme: "basic" })
      const asked = yield* Option.getOrThrow(ecr.credentials)("127.0.0.1:5000", { origin: "", send: () => Effect.die("unused") })
      assert.deepStrictEqual(Option.getOrThrow(asked), { _tag: "RegistryToken", token: { host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" } } as never)
      assert.strictEqual(registries.resolve("127.0.0.1:5001").name, "generic")
      // A self-hosted host discovers its realm: the template's realm (another host) never receives its credentials.
      const harbor = registries.resolve("harbor.corp.example")
      assert.strictEqual(harbor.name, "harbor")
      assert.isTrue(Option.isNone(harbor.challenge))
      assert.strictEqual(harbor.origin("harbor.corp.example"), "https://harbor.corp.example")
      assert.deepStrictEqual(HostConfig.insecureHosts(config), ["127.0.0.1:5000"])
      assert.isTrue(Option.isSome(HostConfig.lookup(config, "http://127.0.0.1:5000/v2/")))
    }).pipe(Effect.runSync))

  it("a host mapped to an adapter keys its credentials on the registry it stands for, never on another registry's", () => {
    const hubLike = RegistryAdapter.make({ name: "docker-hub", hosts: ["docker.io", "hub-own.example"], credentialHost: "docker.io" })
    const config = Result.getOrThrow(parse({
      hosts: {
        "mirror.corp.example": { adapter: "docker-hub" },
        "mirror2.corp.example": { adapter: "docker-hub", registry: "mirror2.corp.example" },
        "hub-proxy.corp.example": { adapter: "docker-hub", registry: "docker.io" },
        "hub-own.example": { adapter: "docker-hub", insecure: true }
      }
    }))
    const registries = Registries.make(Result.getOrThrow(HostConfig.adapters(config, [hubLike])))
    const key = (host: string) => registries.resolve(host).credentialHost(host)
    assert.strictEqual(key("mirror.corp.example"), "mirror.corp.example")
    assert.strictEqual(key("mirror2.corp.example"), "mirror2.corp.example")
    assert.strictEqual(key("hub-proxy.corp.example"), "docker.io", "the entry says it stands for docker.io")
    assert.strictEqual(key("hub-own.example"), "docker.io", "the adapter's own host keeps the adapter's key")
  })

  it("a host mapped to a cloud adapter asks its cloud source only for a registry of that adapter's own", () =>
    Effect.gen(function* () {
      const config = Result.getOrThrow(parse({
        hosts: {
          "mirror.corp.example": { adapter: "ecr" },
          "ecr-proxy.corp.example": { adapter: "ecr", registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" }
        }
      }))
      const registries = Registries.make(Result.getOrThrow(HostConfig.adapters(config, [ecrLike])))
      // No cloud identity's token for a host that is no registry of the adapter: stored logins only.
      assert.isTrue(Option.isNone(registries.resolve("mirror.corp.example").credentials))
      assert.strictEqual(registries.resolve("mirror.corp.example").credentialHost("mirror.corp.example"), "mirror.corp.example")
      const asked = yield* Option.getOrThrow(registries.resolve("ecr-proxy.corp.example").credentials)("ecr-proxy.corp.example", { origin: "", send: () => Effect.die("unused") })
      assert.deepStrictEqual(Option.getOrThrow(asked), { _tag: "RegistryToken", token: { host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" } } as never)
    }).pipe(Effect.runSync))

  it("a field the file does not know is an error that names it, with the field meant", () => {
    const typo = parse({ hosts: { "x.example": { adapter: "generic", insecur: true } } })
    assert.isTrue(Result.isFailure(typo))
    if (Result.isFailure(typo)) {
      assert.include(typo.failure.message, '"x.example": unknown field "insecur" (did you mean "insecure"?)')
      assert.include(typo.failure.message, "hosts.json")
    }
    const top = parse({ host: {} })
    assert.isTrue(Result.isFailure(top))
    if (Result.isFailure(top)) assert.include(top.failure.message, 'unknown field "host"')
    const broken = HostConfig.parse('{"hosts": {"x.example": {"adapter": "generic",}}}', "hosts.json")
    assert.isTrue(Result.isFailure(broken))
    if (Result.isFailure(broken)) assert.match(broken.failure.message, /not JSON \(.*position \d+/)
    const wrongType = parse({ hosts: { "x.example": { adapter: "generic", insecure: "yes" } } })
    assert.isTrue(Result.isFailure(wrongType))
    if (Result.isFailure(wrongType)) assert.include(wrongType.failure.message, '["x.example"]["insecure"]')
    assert.isTrue(Result.isSuccess(parse({ $schema: "https://example.invalid/hosts.schema.json", hosts: {} })))
    // Keys no request names: refused with the host to write.
    for (const [key, words] of [["registry.corp.example:443", 'write "registry.corp.example"'], ["registry.corp.example.", 'write "registry.corp.example"'], ["*.corp.example", "is a pattern"]] as const) {
      const refused = parse({ hosts: { [key]: { adapter: "generic" } } })
      assert.isTrue(Result.isFailure(refused), key)
      if (Result.isFailure(refused)) assert.include(refused.failure.message, words, key)
    }
    assert.isTrue(Result.isSuccess(parse({ hosts: { "registry.corp.example:5000": { adapter: "generic" }, "[::1]:5000": { adapter: "generic" } } })))
    const refusedWith = (value: unknown, words: string) => {
      const result = parse(value)
      assert.isTrue(Result.isFailure(result), words)
      if (Result.isFailure(result)) assert.include(result.failure.message, words)
      return Result.isFailure(result) ? result.failure.message : ""
    }
    refusedWith({ hosts: { "a.example": { adapter: "generic" }, "A.EXAMPLE": { adapter: "harbor" } } }, "named twice")
    refusedWith({ hosts: { "a.example:0": { adapter: "generic" } } }, "port 0")
    refusedWith({ hosts: { "a.example": { adapter: "gar", registry: "europe-docker.pkg.dev." } } }, 'registry "europe-docker.pkg.dev." is not a host')
    refusedWith({ hosts: { "a.example": { adapter: "gar", registry: "https://europe-docker.pkg.dev/x" } } }, 'write "europe-docker.pkg.dev"')
    // A URL that is not one is not repeated: it may carry a password.
    const message = refusedWith({ hosts: { "a.example": { adapter: "generic", origin: "https://u:TopSecretPw@[bad" } } }, "origin is not a URL")
    assert.notInclude(message, "TopSecretPw")
    assert.isBelow(refusedWith({ hosts: { "a.example": { adapter: "generic", ["x".repeat(200_000)]: 1 } } }, "unknown field").length, 400)
  })

  it("an adapter the program does not have is an error naming the known ones", () => {
    const result = HostConfig.adapters(Result.getOrThrow(parse({ hosts: { "x.example": { adapter: "nope" } } })), [ecrLike])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include(result.failure.message, "known: ecr, generic")
  })
})
