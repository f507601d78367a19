/**
 * The conformance suite every adapter runs against itself. It is a list of named
 * checks (plain Effects), so it needs no particular test runner:
 *
 * ```ts
 * import { it } from "@effect/vitest"
 * import * as Conformance from "@ociauth/core/Conformance"
 * import { DockerHub } from "@ociauth/docker-hub"
 *
 * const samples = { hosts: ["docker.io", "registry-1.docker.io"], repositories: [["alpine", "library/alpine"]] } as const
 * for (const check of Conformance.checks(DockerHub.adapter, samples)) it.effect(check.name, () => check.run)
 * ```
 *
 * The checks hold an adapter to the contract the engine relies on: host matching
 * that is exact and case-insensitive, of hosts as request URLs name them
 * (`registry.example:443` is `registry.example`), https API origins, idempotent repository
 * normalisation that yields valid names, sane lifetimes, a known-in-advance realm
 * that the engine's realm validation accepts, and a token exchange against the
 * adapter's own challenge that takes one request and is then served from cache.
 *
 * @since 0.1.0
 */
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Authenticator from "./Authenticator.js"
import * as CredentialProvider from "./CredentialProvider.js"
import { canonicalHost } from "./internal/adapterHost.js"
import { validateRealm } from "./internal/realm.js"
import * as reference from "./internal/reference.js"
import * as Registries from "./Registries.js"
import type { RegistryAdapter } from "./RegistryAdapter.js"
import * as Scope from "./Scope.js"

/**
 * @since 0.1.0
 * @category errors
 */
export class ConformanceFailure extends Data.TaggedError("ConformanceFailure")<{
  readonly adapter: string
  readonly check: string
  readonly reason: string
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.adapter}: ${this.check}: ${this.reason}`
  }
}

/**
 * What the adapter is checked against.
 *
 * @since 0.1.0
 * @category models
 */
export interface Samples {
  /** Hosts the adapter serves: bare `host[:port]`, as in `hosts`. */
  readonly hosts: ReadonlyArray<string>
  /** Hosts it must not claim; a few look-alikes are always added. */
  readonly foreignHosts?: ReadonlyArray<string>
  /** Repository names as users write them, and as the registry knows them. */
  readonly repositories?: ReadonlyArray<readonly [input: string, normalized: string]>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Check {
  readonly name: string
  readonly run: Effect.Effect<void, ConformanceFailure>
}

const lookAlikes = (host: string): ReadonlyArray<string> => [
  `${host}.evil.example`,
  `evil-${host}`,
  `x${host}`,
  "example.invalid"
]

/**
 * The checks for one adapter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const checks = (adapter: RegistryAdapter, samples: Samples): ReadonlyArray<Check> => {
  const check = (name: string, body: () => string | undefined | Effect.Effect<string | undefined>): Check => ({
    name: `conformance: ${name}`,
    run: Effect.suspend(() => {
      const result = body()
      return Effect.flatMap(Effect.isEffect(result) ? result : Effect.succeed(result), (reason) =>
        reason === undefined ? Effect.void : Effect.fail(new ConformanceFailure({ adapter: adapter.name, check: name, reason }))
      )
    })
  })
  const list: Array<Check> = [
    check("has a name", () => (adapter.name.trim() === "" ? "the name is empty" : undefined)),
    check("matches its hosts, case-insensitively", () => {
      if (samples.hosts.length === 0) return "no sample hosts were given"
      const missed = samples.hosts.filter((h) => !adapter.matches(h.toLowerCase()))
      return missed.length > 0 ? `does not match ${missed.join(", ")}` : undefined
    }),
    check("matches its hosts as request URLs name them", () => {
      const notHosts = samples.hosts.filter((h) => canonicalHost(h) === undefined)
      if (notHosts.length > 0) return `sample hosts ${notHosts.map((h) => JSON.stringify(h)).join(", ")} are not host[:port] (no scheme, path or trailing dot)`
      const missed = samples.hosts.filter((h) => !adapter.matches(canonicalHost(h)!))
      return missed.length > 0 ? `does not match ${missed.map((h) => `${h} as https://${h}/ names it (${canonicalHost(h)})`).join(", ")}` : undefined
    }),
    check("does not claim foreign or look-alike hosts", () => {
      const foreign = [...(samples.foreignHosts ?? []), ...samples.hosts.flatMap(lookAlikes)]
      const claimed = foreign.filter((h) => adapter.matches(h))
      return claimed.length > 0 ? `claims ${claimed.join(", ")}` : undefined
    }),
    check("API origins are bare https origins", () => {
      // asked for each host as a request's URL names it (the engine's question)
      for (const host of samples.hosts.map((h) => canonicalHost(h) ?? h)) {
        const origin = adapter.origin(host)
        let url: URL
        try {
          url = new URL(origin)
        } catch {
          return `origin(${host}) = ${JSON.stringify(origin)} is not a URL`
        }
        if (url.protocol !== "https:") return `origin(${host}) is not https`
        if (url.origin !== origin) return `origin(${host}) = ${origin} has a path, query or userinfo`
      }
      return undefined
    }),
    check("credential hosts are stable across the registry's hosts", () => {
      const keys = new Set(samples.hosts.map((h) => adapter.credentialHost(h)))
      if ([...keys].some((k) => k === "" || k.includes("/"))) return `credential hosts ${[...keys].join(", ")} are not hosts`
      return undefined
    }),
    check("repository normalisation is idempotent and yields valid names", () => {
      for (const [input, expected] of samples.repositories ?? []) {
        const once = adapter.normalizeRepository(input)
        if (once !== expected) return `normalizeRepository(${input}) = ${once}, expected ${expected}`
        if (adapter.normalizeRepository(once) !== once) return `normalizeRepository is not idempotent on ${input}`
        const parsed = reference.parse(`registry.example/${once}`)
        if (Result.isFailure(parsed)) return `normalizeRepository(${input}) = ${once} is not a valid repository name`
      }
      return undefined
    }),
    check("token lifetime and request preferences are sane", () => {
      if (Duration.isLessThan(adapter.defaultTokenLifetime, Duration.seconds(60))) return "defaultTokenLifetime is below 60 s"
      if (adapter.tokenRequest.clientId.trim() === "") return "tokenRequest.clientId is empty"
      const bad = adapter.reauthOn.filter((t) => t.status < 400 || t.status > 499)
      return bad.length > 0 ? `reauthOn holds non-4xx statuses ${bad.map((t) => t.status).join(", ")}` : undefined
    }),
    check("a known-in-advance realm passes the engine's realm validation", () => {
      if (Option.isNone(adapter.challenge) || adapter.challenge.value.scheme !== "bearer") return undefined
      const realm = adapter.challenge.value.realm
      for (const host of samples.hosts) {
        const result = validateRealm(realm, adapter.origin(host))
        if (Result.isFailure(result)) return `realm rejected for ${host}: ${result.failure.reason}`
      }
      return undefined
    })
  ]
  if (Option.isSome(adapter.challenge) && adapter.challenge.value.scheme === "bearer") {
    const challenge = adapter.challenge.value
    list.push(
      check("its challenge yields a token in one request, then from cache", () => {
        const host = samples.hosts[0]!
        const seen: Array<URL> = []
        const client = HttpClient.make((request, url) =>
          Effect.sync(() => {
            seen.push(url)
            return HttpClientResponse.fromWeb(request, Response.json({ token: "conformance-token", expires_in: 300 }))
          })
        )
        const name = adapter.normalizeRepository(samples.repositories?.[0]?.[0] ?? "conformance/app")
        const authorize = Effect.flatMap(Authenticator.Authenticator, (auth) =>
          auth.authorize({ origin: adapter.origin(host), host, challenge, scopes: [Scope.repository(name, ["pull"])] })
        )
        return Effect.andThen(authorize, authorize).pipe(
          Effect.provide(
            Authenticator.layer().pipe(
              Layer.provide(
                Layer.mergeAll(
                  Layer.succeed(HttpClient.HttpClient, client),
                  Registries.layer([adapter]),
                  CredentialProvider.layerAnonymous
                )
              )
            )
          ),
          Effect.map(() => {
            if (seen.length !== 1) return `${seen.length} token requests, expected 1`
            const url = seen[0]!
            if (challenge.service !== undefined && url.searchParams.get("service") !== challenge.service) {
              return `the token request named service ${url.searchParams.get("service")}`
            }
            if (!url.searchParams.getAll("scope").includes(`repository:${name}:pull`)) return "the needed scope was not requested"
            return undefined
          }),
          Effect.catch((error) => Effect.succeed(`authorize failed: ${error.message}`))
        )
      })
    )
  }
  return list
}
