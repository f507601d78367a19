/**
 * The plugin contract: a plain, declarative record of one registry's quirks.
 * Adapters describe; the engine acts. Build one with `make`; anything left out
 * follows the specs (`generic`).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AuthChallenge } from "./Challenge.js"
import type { Credential } from "./Credential.js"
import type { CredentialError } from "./RegistryError.js"
import { canonicalHosts, hostMatcher } from "./internal/adapterHost.js"
import { defaultTokenRequest } from "./internal/adapterRules.js"
import type { Send } from "./internal/http.js"
import * as Route from "./Route.js"
import * as Scope from "./Scope.js"

/**
 * How to ask the token endpoint.
 *
 * - `method`: `"auto"` sends an OAuth2 POST when there is an identity (refresh)
 *   token and a GET otherwise; `"post"` also uses POST (`grant_type=password`) for
 *   username and password; `"get"` never POSTs. A POST answered with one of
 *   `postFallbackStatuses`, or with a body that is not JSON, is retried as a GET.
 * - `clientId`: sent as `client_id`.
 * - `offlineToken`: ask for a refresh token (`offline_token=true` / `access_type=offline`).
 * - `postScopes`: how an OAuth2 POST carries several scopes: one space-separated
 *   `scope` (OAuth2, docker; the default) or one `scope` per scope (ACR).
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenRequestPreferences {
  readonly method: "auto" | "get" | "post"
  readonly clientId: string
  readonly offlineToken: boolean
  readonly postFallbackStatuses: ReadonlyArray<number>
  /**
   * Refusals of a configured credential after which the token is asked for
   * anonymously instead (ECR Public: a stored login that has expired must not
   * turn public pulls into failures). Default: none.
   *
   * @since 0.2.0
   */
  readonly anonymousFallback: ReadonlyArray<ReauthTrigger>
  /** @since 0.2.0 */
  readonly postScopes?: "joined" | "repeated" | undefined
}

/**
 * What the registry supports beyond pull and push. An unsupported operation
 * fails with `Unsupported` before any request is sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /** `GET /v2/_catalog` */
  readonly catalog: boolean
  /** `DELETE` of manifests, tags and blobs */
  readonly delete: boolean
  /**
   * `DELETE` of blobs, where a registry deletes manifests but not blobs (Quay);
   * `delete` by default.
   *
   * @since 0.2.0
   */
  readonly deleteBlobs: boolean
}

/**
 * An answer that means "this token is no longer good" beyond the spec's
 * `401 error="invalid_token"`: ECR answers an expired token with 403, ECR Public
 * with 400 `DENIED`. `code` is an OCI error code of the body, if required.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReauthTrigger {
  readonly status: number
  readonly code?: string
  /**
   * A text an error message of the body must contain (case-insensitive): ECR
   * answers 403 `DENIED` both for an expired token and for a missing permission.
   *
   * @since 0.2.0
   */
  readonly message?: string
}

/**
 * What the engine tells a registry-specific credential source besides the host:
 * the API origin the request goes to (the adapter's, or where it was retargeted),
 * and the engine's send step (its transport, retries and timeouts), for sources
 * that exchange one credential for another over HTTP (ACR's `/oauth2/exchange`).
 *
 * @since 0.2.0
 * @category models
 */
export interface CredentialContext {
  readonly origin: string
  readonly send: Send
}

/**
 * A registry-specific credential source: `None` when it has nothing for the host.
 *
 * @since 0.2.0
 * @category models
 */
export type CredentialSource = (
  host: string,
  context: CredentialContext
) => Effect.Effect<Option.Option<Credential>, CredentialError>

/**
 * @since 0.1.0
 * @category models
 */
export interface RegistryAdapter {
  readonly name: string
  /** Whether this adapter serves `host` (`host[:port]`, lower-case). */
  readonly matches: (host: string) => boolean
  /** The API origin for a host: `docker.io` → `https://registry-1.docker.io`. */
  readonly origin: (host: string) => string
  /** The host that credentials are stored under: every Docker Hub host → `docker.io`. */
  readonly credentialHost: (host: string) => string
  /** The repository name as the registry knows it: `alpine` → `library/alpine` on Docker Hub. */
  readonly normalizeRepository: (name: string) => string
  /** The challenge, when known in advance: saves the discovery round trip. */
  readonly challenge: Option.Option<AuthChallenge>
  /** Lifetime of tokens whose response has no `expires_in` (at least 60 s). */
  readonly defaultTokenLifetime: Duration.Duration
  /** Whether the `scope` of a challenge may be requested (GHCR's `/v2/` scope is a placeholder). */
  readonly trustChallengeScope: boolean
  readonly tokenRequest: TokenRequestPreferences
  readonly capabilities: Capabilities
  readonly reauthOn: ReadonlyArray<ReauthTrigger>
  /**
   * The scope `/v2/_catalog` needs: `registry:catalog:*` by the spec; `None`
   * where the registry grants no such scope and lists the catalog for any
   * authenticated token (GHCR), so only the caller's scope hints are requested.
   */
  readonly catalogScope: Option.Option<Scope.Scope>
  /**
   * A registry-specific credential source (ECR's GetAuthorizationToken), asked
   * when no credential is configured. Its answers are cached by the engine until
   * shortly before their `expiresAt` (or for the engine's default credential
   * lifetime), one call in flight per registry. A source that needs services (an
   * AWS client, say) is built in a layer that reads them and closes over them.
   */
  readonly credentials: Option.Option<CredentialSource>
  /**
   * Whether a path prefix before `/v2/` is this registry's API (Artifactory's
   * `/artifactory/api/docker/<repo>`); by default only paths rooted at `/v2/` are.
   * Anything else passes through the runtime untouched, without credentials.
   */
  readonly apiPrefix: (prefix: string) => boolean
  /**
   * The largest page (`n`) the registry serves for `tags/list` and `_catalog`:
   * a larger `n` is lowered to it before the request is sent (ECR answers
   * `n > 1000` with 405). `None`: no limit.
   *
   * @since 0.2.0
   */
  readonly maxPageSize: Option.Option<number>
  /**
   * The actions a request on a repository route needs where the registry's
   * rules differ from the spec's (`undefined`: the spec's). ACR lists tags for
   * `metadata_read`, not `pull`.
   *
   * @since 0.2.0
   */
  readonly routeActions?: ((method: string, route: Route.Route) => ReadonlyArray<string> | undefined) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly name: string
  /**
   * The hosts served, each a bare `host[:port]` matched exactly (case-insensitive;
   * `:443` is https' own port). Give this or `matches`. A URL, a path, a trailing
   * dot or a wildcard could never match: `make` throws, naming the host to write.
   */
  readonly hosts?: ReadonlyArray<string>
  readonly matches?: (host: string) => boolean
  /** The API host for every matched host, e.g. `registry-1.docker.io`. */
  readonly apiHost?: string
  readonly origin?: (host: string) => string
  readonly credentialHost?: string | ((host: string) => string)
  readonly normalizeRepository?: (name: string) => string
  readonly challenge?: AuthChallenge
  readonly defaultTokenLifetime?: Duration.Input
  readonly trustChallengeScope?: boolean
  readonly tokenRequest?: Partial<TokenRequestPreferences>
  readonly capabilities?: Partial<Capabilities>
  readonly reauthOn?: ReadonlyArray<ReauthTrigger>
  /** `null`: the registry has no catalog scope (see `RegistryAdapter.catalogScope`). */
  readonly catalogScope?: Scope.Scope | null
  readonly credentials?: CredentialSource
  /** The actions a repository route needs where they differ from the spec's (see `RegistryAdapter.routeActions`). */
  readonly routeActions?: (method: string, route: Route.Route) => ReadonlyArray<string> | undefined
  /** The API's path prefix before `/v2/`: a fixed string, a pattern, or a predicate. Default: none. */
  readonly apiPrefix?: string | RegExp | ((prefix: string) => boolean)
  /** The largest page size (`n`) the registry serves; see `RegistryAdapter.maxPageSize`. */
  readonly maxPageSize?: number
}

const https = (host: string) => `https://${host.toLowerCase()}`

/**
 * Builds an adapter; every field left out follows the specs. A `hosts` entry
 * that is no bare `host[:port]` (`https://registry.corp.example`,
 * `registry.corp.example/`, `*.corp.example`) throws an `Error` that names it and
 * the host to write: matching is exact, so it could never match.
 *
 * @example
 * ```ts
 * import { RegistryAdapter } from "@ociauth/core"
 *
 * export const InHouse = RegistryAdapter.make({
 *   name: "in-house",
 *   hosts: ["registry.corp.example"],
 *   challenge: { scheme: "bearer", realm: "https://sso.corp.example/v2/token", service: "registry", scopes: [] },
 *   defaultTokenLifetime: "15 minutes",
 *   capabilities: { delete: false }
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter => {
  const hosts = canonicalHosts(`RegistryAdapter.make("${options.name}")`, "hosts", options.hosts ?? [])
  const matches = options.matches ?? hostMatcher(hosts)
  const credentialHost = options.credentialHost
  return {
    name: options.name,
    matches,
    origin: options.origin ?? (options.apiHost === undefined ? https : () => https(options.apiHost!)),
    credentialHost:
      credentialHost === undefined
        ? (host) => host.toLowerCase()
        : typeof credentialHost === "string"
          ? () => credentialHost
          : credentialHost,
    normalizeRepository: options.normalizeRepository ?? ((name) => name),
    challenge: Option.fromNullishOr(options.challenge),
    defaultTokenLifetime: Duration.max(
      Duration.fromInputUnsafe(options.defaultTokenLifetime ?? Duration.seconds(60)),
      Duration.seconds(60)
    ),
    trustChallengeScope: options.trustChallengeScope ?? true,
    tokenRequest: { ...defaultTokenRequest, ...options.tokenRequest },
    capabilities: {
      catalog: options.capabilities?.catalog ?? true,
      delete: options.capabilities?.delete ?? true,
      deleteBlobs: options.capabilities?.deleteBlobs ?? options.capabilities?.delete ?? true
    },
    reauthOn: options.reauthOn ?? [],
    catalogScope: options.catalogScope === undefined ? Option.some(Scope.catalog) : Option.fromNullishOr(options.catalogScope),
    credentials: Option.fromNullishOr(options.credentials),
    apiPrefix: prefixMatcher(options.apiPrefix),
    maxPageSize: Option.fromNullishOr(options.maxPageSize),
    ...(options.routeActions === undefined ? {} : { routeActions: options.routeActions })
  }
}

const prefixMatcher = (prefix: Options["apiPrefix"]): ((prefix: string) => boolean) => {
  if (prefix === undefined) return (p) => p === ""
  if (typeof prefix === "function") return prefix
  if (typeof prefix === "string") {
    const fixed = prefix.replace(/\/+$/, "")
    return (p) => p === fixed
  }
  return (p) => prefix.test(p)
}

/**
 * The adapter for registries nobody described: it follows the distribution and
 * OCI specs and matches every host.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generic: RegistryAdapter = make({ name: "generic", matches: () => true })

/**
 * A new adapter from an existing one with some fields replaced, e.g. a registry
 * that behaves like Docker Hub under other hosts.
 *
 * @since 0.1.0
 * @category combinators
 */
export const extend = (adapter: RegistryAdapter, overrides: Partial<RegistryAdapter>): RegistryAdapter => ({
  ...adapter,
  ...overrides
})

/**
 * Where to aim an adapter other than its registry's own address: a mirror, a
 * staging copy, an emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  /** The API origin every host of the adapter maps to. */
  readonly origin: string
  /** The token realm known in advance; `null` to discover it from the first 401; left out, the adapter's own. */
  readonly realm?: string | null
  /** The token service, when `realm` is given; the adapter's own by default. */
  readonly service?: string
  /** Hosts to serve besides the adapter's, e.g. an emulator's `127.0.0.1:<port>` (bare hosts, as `make`'s `hosts`). */
  readonly extraHosts?: ReadonlyArray<string>
}

/**
 * The same quirks, aimed at another address.
 *
 * @example
 * ```ts
 * import { RegistryAdapter } from "@ociauth/core"
 *
 * const hub = RegistryAdapter.make({ name: "hub", hosts: ["docker.io"], apiHost: "registry-1.docker.io" })
 * const mirror = RegistryAdapter.retarget(hub, { origin: "https://mirror.corp.example", realm: null })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const retarget = (adapter: RegistryAdapter, target: Target): RegistryAdapter => {
  const extra = hostMatcher(canonicalHosts(`RegistryAdapter.retarget("${adapter.name}")`, "extraHosts", target.extraHosts ?? []))
  const service = Option.match(adapter.challenge, {
    onNone: () => undefined,
    onSome: (challenge) => (challenge.scheme === "bearer" ? challenge.service : undefined)
  })
  const realmService = target.service ?? service
  return extend(adapter, {
    matches: (host) => adapter.matches(host) || extra(host),
    origin: () => target.origin,
    challenge:
      target.realm === undefined
        ? adapter.challenge
        : target.realm === null
          ? Option.none()
          : Option.some({ scheme: "bearer", realm: target.realm, ...(realmService === undefined ? {} : { service: realmService }), scopes: [] })
  })
}
