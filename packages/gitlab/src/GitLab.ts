/**
 * The GitLab container registry: registry.gitlab.com and self-managed
 * instances (registry reference §11).
 * - the realm is the GitLab instance's `/jwt/auth` — another host than the
 *   registry (gitlab.com for registry.gitlab.com) — and the service is the
 *   fixed literal `container_registry`; both known in advance;
 * - `GET` with Basic credentials: a personal, project or group access token,
 *   a deploy token, a password (not with 2FA), or in CI `gitlab-ci-token` with
 *   `$CI_JOB_TOKEN` (read-only) and `$CI_REGISTRY_USER` / `$CI_REGISTRY_PASSWORD`;
 *   in a CI job, with nothing configured, those are used for `$CI_REGISTRY`;
 * - responses carry no `expires_in`: the JWT says (15 min on GitLab.com, 5 min
 *   by default on self-managed instances);
 * - grants are narrowed silently for accounts (`InsufficientScope` before
 *   sending); anonymous requests beyond public projects are DENIED (403);
 * - names nest: `group/subgroup/project/image`;
 * - `registry:catalog:*` is granted to admins only; `delete` is supported;
 * - blobs are redirected to object storage, which never gets the token.
 *
 * @since 0.2.0
 */
import { Credential, Registries, RegistryAdapter } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConfigProvider, Redacted } from "effect"
import type { Duration, Layer } from "effect"

/**
 * @since 0.2.0
 * @category constants
 */
export const host = "registry.gitlab.com"

/**
 * @since 0.2.0
 * @category constants
 */
export const realm = "https://gitlab.com/jwt/auth"

/**
 * @since 0.2.0
 * @category constants
 */
export const service = "container_registry"

/**
 * The username a CI job token goes with.
 *
 * @since 0.2.0
 * @category constants
 */
export const jobTokenUsername = "gitlab-ci-token"

const env = (provider: ConfigProvider.ConfigProvider, name: string) =>
  Config.option(Config.String(name)).parse(provider).pipe(Effect.orElseSucceed(() => Option.none<string>()))
const secret = (provider: ConfigProvider.ConfigProvider, name: string) =>
  Config.option(Config.Redacted(name)).parse(provider).pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted>()))

/**
 * The credential of a GitLab CI job for `host`, from its environment: for the
 * job's `$CI_REGISTRY` only, `$CI_REGISTRY_USER` / `$CI_REGISTRY_PASSWORD`, else
 * `gitlab-ci-token` / `$CI_JOB_TOKEN`. `None` outside CI or for other hosts.
 *
 * @since 0.2.0
 * @category credentials
 */
export const ciCredentials = (host: string): Effect.Effect<Option.Option<Credential.Credential>> =>
  Effect.gen(function* () {
    const provider = yield* Unstable.currentConfigProvider
    const registry = yield* env(provider, "CI_REGISTRY")
    if (Option.isNone(registry) || Unstable.normalizeHost(registry.value) !== Unstable.normalizeHost(host)) return Option.none()
    const user = yield* env(provider, "CI_REGISTRY_USER")
    const password = yield* secret(provider, "CI_REGISTRY_PASSWORD")
    if (Option.isSome(user) && Option.isSome(password)) return Option.some(Credential.Basic({ username: user.value, password: password.value }))
    const job = yield* secret(provider, "CI_JOB_TOKEN")
    return Option.map(job, (token) => Credential.Basic({ username: jobTokenUsername, password: token }))
  })

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The registry's host names. */
  readonly hosts: ReadonlyArray<string>
  /** The GitLab instance (`gitlab.corp.example`) whose `/jwt/auth` issues tokens; left out, the realm is discovered. */
  readonly instance?: string
  /** `container_registry_token_expire_delay`; 5 min by default on self-managed instances. */
  readonly tokenLifetime?: Duration.Input
}

/**
 * GitLab's quirks for a self-managed instance.
 *
 * @example
 * ```ts
 * import { GitLab } from "@ociauth/gitlab"
 *
 * const corp = GitLab.make({ hosts: ["registry.corp.example"], instance: "gitlab.corp.example" })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): RegistryAdapter.RegistryAdapter =>
  RegistryAdapter.make({
    name: "gitlab",
    hosts: options.hosts,
    ...(options.instance === undefined
      ? {}
      : { challenge: { scheme: "bearer", realm: `https://${options.instance.toLowerCase()}/jwt/auth`, service, scopes: [] } }),
    defaultTokenLifetime: options.tokenLifetime ?? "5 minutes",
    tokenRequest: { method: "get" },
    credentials: ciCredentials
  })

/**
 * The adapter for registry.gitlab.com.
 *
 * @since 0.2.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = make({ hosts: [host], instance: "gitlab.com", tokenLifetime: "15 minutes" })

/**
 * Provides the registry.gitlab.com adapter to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter], { priority: -1 })
