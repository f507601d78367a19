/**
 * Issue 26 §1: environment credentials never reach a look-alike host. Older
 * versions folded `.`, `-`, `_` and `:` of a host all to `_` in
 * `OCIAUTH_<HOST>_*`, so a password set for `my.registry.com` went to
 * `my-registry.com`. For every pair of hosts that folding confused (dots,
 * hyphens, underscores, colons, ports, case, IDN, IPv4 and IPv6 literals), a
 * canary set for one is never produced for the other — by the provider, nor in
 * any request the engine sends — and a variable under an old folded name is
 * refused with a `CredentialError` naming both hosts.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Result } from "effect"
import { Authenticator, Credential, CredentialProvider, Registries, Scope } from "@ociauth/core"
import type { Authorization } from "@ociauth/core/Authenticator"
import { budget } from "../../../../vitest.shared.js"
import * as Unstable from "@ociauth/core/Unstable"
import { fakeHttp, json } from "../utils/fakeHttp.js"
import type { Recorded } from "../utils/fakeHttp.js"

const CANARY = "CANARY-lookalike-5e2b"
const USER = "robot"

/** Hosts the old folding sent one another's credentials, group by group. */
const groups: ReadonlyArray<ReadonlyArray<string>> = [
  ["my.registry.com", "my-registry.com", "my_registry.com", "my.registry-com", "my-registry-com", "my--registry.com", "my..registry.com"],
  ["harbor.corp.example", "harbor-corp.example", "harbor.corp-example", "harbor_corp.example", "harbor-corp-example", "harbor.-corp.example"],
  ["localhost:5000", "localhost.5000", "localhost-5000", "localhost_5000", "localhost:5000.", "localhost"],
  ["registry.example:5000", "registry.example.5000", "registry-example:5000", "registry.example-5000", "registry.example:50", "registry.example"],
  ["10.0.0.1:5000", "10.0.0.1.5000", "10-0-0-1:5000", "10.0.0.1-5000", "10.0.0.1"],
  ["xn--mller-kva.de", "xn-.mller-kva.de", "xn-.-mller-kva.de", "xn.-mller.kva.de", "xn__mller_kva.de", "xn---mller-kva.de"],
  ["müller.de", "m.ller.de", "m-ller.de", "m_ller.de", "mßller.de"],
  ["[::1]:5000", "__1_:5000", "--1-:5000", "[::1]:500", "[::2]:5000"],
  ["a.b-c.d", "a-b.c-d", "a-b-c.d", "a.b.c.d", "a.b.c-d", "a-b.c.d", "a:b-c.d"]
]

type Kind = "basic" | "registry" | "identity"
const kinds: ReadonlyArray<Kind> = ["basic", "registry", "identity"]

const variables = (prefix: string, kind: Kind): Record<string, string> =>
  kind === "basic"
    ? { [`${prefix}USERNAME`]: USER, [`${prefix}PASSWORD`]: CANARY }
    : kind === "registry"
      ? { [`${prefix}REGISTRY_TOKEN`]: CANARY }
      : { [`${prefix}IDENTITY_TOKEN`]: CANARY }

const withEnv = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const carries = (credential: Credential.Credential): boolean => Credential.secrets(credential).some((s) => s.includes(CANARY))

/** Every form the canary could travel in: as is, percent-encoded, in a Basic pair, base64. */
const forms = [CANARY, encodeURIComponent(CANARY), btoa(`${USER}:${CANARY}`), btoa(`<token>:${CANARY}`), btoa(CANARY).replace(/=+$/, "")]
const leaked = (log: ReadonlyArray<Recorded>): ReadonlyArray<string> =>
  log.flatMap((r) => {
    const text = [r.url.href, r.body, ...Object.values(r.headers)].join("\n")
    return forms.some((form) => text.includes(form)) ? [`${r.method} ${r.url.href}`] : []
  })

const get = (host: string, env: Record<string, string>) => Effect.result(CredentialProvider.environment.get(host)).pipe(withEnv(env))

const same = (a: string, b: string) => Unstable.normalizeHost(a) === Unstable.normalizeHost(b)
const pairs = groups.flatMap((group) => group.flatMap((a) => group.filter((b) => !same(a, b)).map((b) => [a, b] as const)))

const originOf = (host: string): string => {
  try {
    return new URL(`https://${host}`).origin
  } catch {
    return "https://unparsable.invalid"
  }
}

/** What the engine does for `host`, given `env`: its answer (or error), and every request it sent. */
const throughEngine = (host: string, env: Record<string, string>, scheme: "bearer" | "basic") => {
  const http = fakeHttp(() => json(200, { token: "issued-token", expires_in: 300 }))
  const origin = originOf(host)
  const layer = Authenticator.layer().pipe(Layer.provide(Layer.mergeAll(http.layer, Registries.layer([]), CredentialProvider.layerEnvironment)))
  return Effect.gen(function* () {
    const auth = yield* Authenticator.Authenticator
    const answer = yield* Effect.result(
      auth.authorize({
        origin,
        host,
        challenge: scheme === "bearer" ? { scheme, realm: `${origin}/token`, service: "registry", scopes: [] } : { scheme },
        scopes: [Scope.repository("team/app", ["pull"])]
      })
    )
    return { answer, log: http.log }
  }).pipe(Effect.provide(layer), withEnv(env))
}

const safeAtob = (text: string) => {
  try {
    return atob(text)
  } catch {
    return ""
  }
}
const authorizationCarries = (answer: Result.Result<Authorization, unknown>) =>
  Result.isSuccess(answer) && [Redacted.value(answer.success.credentials), safeAtob(Redacted.value(answer.success.credentials))].some((v) => v.includes(CANARY))

describe("look-alike hosts in the environment (OCIAUTH_<HOST>_*)", () => {
  it("every host has its own prefix: no two hosts of any group share one, dotted names kept", () => {
    const all = groups.flat()
    for (const a of all) {
      for (const b of all) {
        if (!same(a, b)) assert.notStrictEqual(CredentialProvider.environmentPrefix(a), CredentialProvider.environmentPrefix(b), `${a} / ${b}`)
      }
    }
    assert.strictEqual(CredentialProvider.environmentPrefix("ghcr.io"), "OCIAUTH_GHCR_IO_")
    assert.strictEqual(CredentialProvider.environmentPrefix("harbor.corp.example"), "OCIAUTH_HARBOR_CORP_EXAMPLE_")
    assert.strictEqual(CredentialProvider.environmentPrefix("my-registry.com"), "OCIAUTH_MY__REGISTRY_COM_")
    assert.strictEqual(CredentialProvider.environmentPrefix("xn--mller-kva.de"), "OCIAUTH_XN____MLLER__KVA_DE_")
    assert.strictEqual(CredentialProvider.environmentPrefix("localhost:5000"), "OCIAUTH_LOCALHOST___5000_")
    assert.strictEqual(CredentialProvider.environmentPrefix("10.0.0.1:5000"), "OCIAUTH_10_0_0_1___5000_")
    assert.strictEqual(CredentialProvider.environmentPrefix("My.Registry.COM"), "OCIAUTH_MY_REGISTRY_COM_")
    assert.strictEqual(CredentialProvider.environmentPrefix("[::1]:5000"), "OCIAUTH______5B3A3A315D3A35303030_")
    for (const name of [...all.map(CredentialProvider.environmentPrefix), "OCIAUTH_REGISTRY", "OCIAUTH_USERNAME"]) assert.match(name, /^[A-Z0-9_]+$/)
  })

  it.effect("a canary set for one host (its own name) is produced for it, in any case, and never for a look-alike", () =>
    Effect.gen(function* () {
      for (const kind of kinds) {
        for (const group of groups) {
          for (const a of group) {
            const env = variables(CredentialProvider.environmentPrefix(a), kind)
            const own = yield* get(a, env)
            assert.isTrue(Result.isSuccess(own) && carries(own.success), `${kind} for ${a}`)
            if (same(a.toUpperCase(), a)) {
              const upper = yield* get(a.toUpperCase(), env)
              assert.isTrue(Result.isSuccess(upper) && carries(upper.success), `${kind} for ${a.toUpperCase()}`)
            }
            for (const b of group) {
              if (same(a, b)) continue
              const other = yield* get(b, env)
              // b has no variables of its own: anonymous, or refused when a's name is b's old folded one
              if (Result.isSuccess(other)) assert.strictEqual(other.success._tag, "Anonymous", `${kind} set for ${a} asked for ${b}`)
              else assert.strictEqual(other.failure._tag, "CredentialError")
            }
          }
        }
      }
    }))

  it.effect("a variable under an old folded name is refused for every host it no longer names, with a CredentialError naming both", () =>
    Effect.gen(function* () {
      for (const kind of kinds) {
        for (const group of groups) {
          for (const a of group) {
            const folded = `OCIAUTH_${Unstable.normalizeHost(a).toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`
            const env = variables(folded, kind)
            for (const b of group) {
              const answer = yield* get(b, env)
              if (CredentialProvider.environmentPrefix(b) === folded) {
                // the name is b's own (every dotted host's name is what it was)
                assert.isTrue(Result.isSuccess(answer) && carries(answer.success), `${folded} for ${b}`)
                continue
              }
              if (Result.isSuccess(answer)) {
                assert.strictEqual(answer.success._tag, "Anonymous", `${folded} asked for ${b}`)
                assert.notStrictEqual(`OCIAUTH_${Unstable.normalizeHost(b).toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`, folded, `${b} folds to ${folded}: refused`)
                continue
              }
              const error = answer.failure
              assert.strictEqual(error._tag, "CredentialError")
              assert.include(error.message, Unstable.normalizeHost(b))
              assert.include(error.message, folded)
              const owner = groups.flat().find((h) => CredentialProvider.environmentPrefix(h) === folded)
              if (owner !== undefined) assert.include(error.message, Unstable.normalizeHost(owner))
              assert.include(error.message, CredentialProvider.environmentPrefix(b), "says which name to set")
              assert.notInclude(error.message, CANARY)
            }
          }
        }
      }
    }))

  it.effect("the issue's cases: my.registry.com's password and harbor.corp.example's registry token stay home", () =>
    Effect.gen(function* () {
      const env = {
        OCIAUTH_MY_REGISTRY_COM_USERNAME: USER,
        OCIAUTH_MY_REGISTRY_COM_PASSWORD: CANARY,
        OCIAUTH_HARBOR_CORP_EXAMPLE_REGISTRY_TOKEN: CANARY
      }
      for (const host of ["my-registry.com", "harbor-corp.example"]) {
        const answer = yield* get(host, env)
        assert.isTrue(Result.isFailure(answer), host)
        if (Result.isFailure(answer)) {
          assert.strictEqual(answer.failure._tag, "CredentialError")
          assert.include(answer.failure.message, host)
          assert.include(answer.failure.message, host.replace("-", "."))
        }
      }
      const mine = yield* get("my.registry.com", env)
      assert.isTrue(Result.isSuccess(mine) && carries(mine.success))
      // The look-alike's own name wins over the folded one: each host gets its own.
      const both = { ...env, OCIAUTH_MY__REGISTRY_COM_USERNAME: "other", OCIAUTH_MY__REGISTRY_COM_PASSWORD: "other-secret" }
      const other = yield* get("my-registry.com", both)
      assert.isTrue(Result.isSuccess(other) && other.success._tag === "Basic" && Redacted.value(other.success.password) === "other-secret")
    }))

  it.effect("through the engine: no request to a look-alike carries the canary, Bearer or Basic, new or folded names", () =>
    Effect.gen(function* () {
      let positives = 0
      for (const [a, b] of pairs) {
        const folded = `OCIAUTH_${Unstable.normalizeHost(a).toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`
        const names = CredentialProvider.environmentPrefix(b) === folded ? [CredentialProvider.environmentPrefix(a)] : [CredentialProvider.environmentPrefix(a), folded]
        for (const prefix of names) {
          for (const kind of ["basic", "registry"] as const) {
            for (const scheme of ["bearer", "basic"] as const) {
              const { answer, log } = yield* throughEngine(b, variables(prefix, kind), scheme)
              assert.deepStrictEqual(leaked(log), [], `${kind} set as ${prefix}* (for ${a}), ${scheme} challenge of ${b}`)
              assert.isFalse(authorizationCarries(answer), `${kind} set as ${prefix}* (for ${a}) handed out for ${b}`)
              // refused (a folded name), or anonymous (a Basic registry then says none is configured)
              if (Result.isFailure(answer)) {
                assert.oneOf((answer.failure as { _tag: string })._tag, ["CredentialError", "TokenRequestError"], `${b}: ${String(answer.failure)}`)
                assert.notInclude(String(answer.failure), CANARY)
              }
            }
          }
        }
      }
      // The control: the host the canary is set for gets it, so the checks above can fail.
      for (const host of ["my.registry.com", "my-registry.com", "localhost:5000", "harbor.corp.example"]) {
        const { answer, log } = yield* throughEngine(host, variables(CredentialProvider.environmentPrefix(host), "basic"), "bearer")
        assert.isTrue(Result.isSuccess(answer), host)
        assert.isAbove(leaked(log).length, 0, `the token request for ${host} carries its own credential`)
        const basic = yield* throughEngine(host, variables(CredentialProvider.environmentPrefix(host), "basic"), "basic")
        assert.isTrue(authorizationCarries(basic.answer), host)
        positives++
      }
      assert.strictEqual(positives, 4)
      assert.isAbove(pairs.length, 150)
    }), budget(60_000))
})
