/**
 * Where credentials come from. The auth engine asks the provider for the
 * credential of a registry host (`docker.io`, `ghcr.io`, `localhost:5000`);
 * `Anonymous` means "none configured".
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import type { Duration } from "effect"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Credential from "./Credential.js"
import * as environmentName from "./internal/environmentName.js"
import { dockerConfigPath, env, firstExisting, fromConfig, readFile } from "./internal/credentialFiles.js"
import * as liveEnvironment from "./internal/liveEnvironment.js"
import * as DockerConfig from "./DockerConfig.js"
import { CredentialError } from "./RegistryError.js"
import { fromInput } from "./internal/credentialInput.js"
import { normalizeHost } from "./internal/host.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly get: (host: string) => Effect.Effect<Credential.Credential, CredentialError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CredentialProvider extends Context.Service<CredentialProvider, Service>()("@ociauth/core/CredentialProvider") {}

/**
 * A provider from a fixed map of hosts to credentials. Keys are normalised with
 * `normalizeHost` (`https://index.docker.io/v1/` is `docker.io`) and
 * matched exactly.
 *
 * @since 0.1.0
 * @category constructors
 */
const fromRecord = (
  credentials: Readonly<Record<string, Credential.Input | Credential.Credential>>
): Service => {
  const map = new Map<string, Credential.Credential>()
  for (const [key, value] of Object.entries(credentials)) map.set(normalizeHost(key), fromInput(value))
  return {
    get: (host) => Effect.succeed(map.get(normalizeHost(host)) ?? Credential.anonymous)
  }
}

/**
 * @example
 * ```ts
 * import { CredentialProvider } from "@ociauth/core"
 *
 * const layer = CredentialProvider.layerStatic({
 *   "ghcr.io": { username: "me", password: process.env.GITHUB_TOKEN ?? "" },
 *   "registry.corp.example": { registryToken: "…" }
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStatic = (
  credentials: Readonly<Record<string, Credential.Input | Credential.Credential>>
): Layer.Layer<CredentialProvider> => Layer.succeed(CredentialProvider, fromRecord(credentials))

/**
 * Every registry anonymously.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAnonymous: Layer.Layer<CredentialProvider> = Layer.succeed(CredentialProvider, {
  get: () => Effect.succeed(Credential.anonymous)
})

// ---------------------------------------------------------------------------
// Chains
// ---------------------------------------------------------------------------

/**
 * Asks each provider in turn; the first credential that is not anonymous wins.
 * A provider's failure (a malformed file, a broken helper) ends the search.
 *
 * @since 0.1.0
 * @category combinators
 */
export const chain = (providers: ReadonlyArray<Service>): Service => ({
  get: (host) =>
    Effect.gen(function* () {
      for (const provider of providers) {
        const credential = yield* provider.get(host)
        if (credential._tag !== "Anonymous") return credential
      }
      return Credential.anonymous
    })
})

/**
 * A provider chained from the providers that `sources` build, in order.
 *
 * @since 0.1.0
 * @category layers
 */
const layerChain = <E, R>(sources: ReadonlyArray<Effect.Effect<Service, E, R>>): Layer.Layer<CredentialProvider, E, R> =>
  Layer.effect(CredentialProvider, Effect.map(Effect.all(sources), chain))

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

/**
 * The variable prefix for a host, one host per prefix: letters upper-cased,
 * digits kept, `.` → `_`, `-` → `__`, `:` → `___`, so `ghcr.io` →
 * `OCIAUTH_GHCR_IO_`, `my-registry.com` → `OCIAUTH_MY__REGISTRY_COM_`,
 * `localhost:5000` → `OCIAUTH_LOCALHOST___5000_`. Between two letters or digits
 * one underscore is a dot, two a hyphen, three a colon, so no two hosts share a
 * prefix. A host that is not a host name with an optional port (an IPv6
 * literal, a Unicode name — requests use its `xn--` form —, a name with `_`) is
 * five underscores and the hex of its UTF-8 bytes: `[::1]:5000` →
 * `OCIAUTH______5B3A3A315D3A35303030_`.
 *
 * @since 0.1.0
 * @category utils
 */
export const environmentPrefix = (host: string): string => `OCIAUTH_${environmentName.encode(normalizeHost(host))}_`


const FIELDS = ["USERNAME", "PASSWORD", "IDENTITY_TOKEN", "REGISTRY_TOKEN"] as const

const optionalRedacted = (name: string) => Config.option(Config.Redacted(name))
const optionalString = (name: string) => Config.option(Config.String(name))
const anySet = (prefix: string) => Effect.map(Effect.forEach(FIELDS, (field) => optionalString(`${prefix}${field}`)), (values) => values.some(Option.isSome))

/**
 * Variables under the name earlier versions folded a host to (every
 * character but a letter or digit as `_`) are not this host's when that name
 * differs from its own: `OCIAUTH_MY_REGISTRY_COM_*` is `my.registry.com`'s, and
 * was also `my-registry.com`'s and `my_registry.com`'s. Refused, naming both.
 */
const refuseFolded = (host: string, own: string) =>
  Effect.gen(function* () {
    const legacy = `OCIAUTH_${environmentName.folded(host)}_`
    if (legacy === own || !(yield* anySet(legacy))) return
    const other = Option.getOrElse(environmentName.decode(environmentName.folded(host)), () => "another host")
    return yield* new CredentialError({
      source: "environment",
      registry: host,
      reason: `${legacy}* names ${other}, not ${host} (older versions folded both to it): not sent to ${host}; set ${own}* for ${host}`
    })
  })

/**
 * Credentials from the environment (through Effect's `Config`, so any
 * `ConfigProvider` works): per registry `OCIAUTH_<HOST>_USERNAME` and
 * `OCIAUTH_<HOST>_PASSWORD`, or `OCIAUTH_<HOST>_IDENTITY_TOKEN`, or
 * `OCIAUTH_<HOST>_REGISTRY_TOKEN` (see `environmentPrefix`: one host per name);
 * and for one registry, `OCIAUTH_REGISTRY` with `OCIAUTH_USERNAME` /
 * `OCIAUTH_PASSWORD`. A bare `OCIAUTH_USERNAME` without `OCIAUTH_REGISTRY`
 * applies to no registry. When none of the host's own variables is set and
 * variables are set under the name older versions folded it to (`-`, `:` and
 * `_` as `_`), that name belongs to another host (`my-registry.com` →
 * `OCIAUTH_MY_REGISTRY_COM_`, which is `my.registry.com`'s): the lookup fails
 * with a `CredentialError` naming both hosts, and nothing is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const environment: Service = {
  get: (host) =>
    liveEnvironment.provide(Effect.gen(function* () {
      const normalized = normalizeHost(host)
      const own = environmentPrefix(normalized)
      const registry = yield* optionalString("OCIAUTH_REGISTRY")
      const scoped = Option.isSome(registry) && normalizeHost(registry.value) === normalized
      if (!scoped && !(yield* anySet(own))) yield* refuseFolded(normalized, own)
      const username = yield* optionalString(`${own}USERNAME`).pipe(
        Effect.flatMap((u) => (Option.isNone(u) && scoped ? optionalString("OCIAUTH_USERNAME") : Effect.succeed(u)))
      )
      const password = yield* optionalRedacted(`${own}PASSWORD`).pipe(
        Effect.flatMap((p) => (Option.isNone(p) && scoped ? optionalRedacted("OCIAUTH_PASSWORD") : Effect.succeed(p)))
      )
      const identity = yield* optionalRedacted(`${own}IDENTITY_TOKEN`)
      const token = yield* optionalRedacted(`${own}REGISTRY_TOKEN`)
      if (Option.isSome(token)) return Credential.RegistryToken({ token: token.value })
      if (Option.isSome(identity)) {
        return Credential.IdentityToken({ token: identity.value, ...(Option.isSome(username) ? { username: username.value } : {}) })
      }
      if (Option.isSome(username) && Option.isSome(password)) return Credential.Basic({ username: username.value, password: password.value })
      return Credential.anonymous
    })).pipe(
      Effect.catchIf(
        (error): error is Config.ConfigError => !(error instanceof CredentialError),
        (error) =>
          Effect.fail(
            new CredentialError({
              source: "environment",
              registry: host,
              // Effect 3's names for the two ways a configuration is unreadable.
              reason: `unreadable configuration: ${error.cause._tag === "SourceError" ? "SourceUnavailable" : "InvalidData"}`
            })
          )
      )
    )
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerEnvironment: Layer.Layer<CredentialProvider> = Layer.succeed(CredentialProvider, environment)

// ---------------------------------------------------------------------------
// Config files and helpers
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface FileOptions {
  /** The file; by default found the way docker (or podman) finds it. */
  readonly path?: string
  /** How long a credential helper may take; default 10 s. */
  readonly helperTimeout?: Duration.Input
}

type FileServices = FileSystem.FileSystem | ChildProcessSpawner.ChildProcessSpawner

/**
 * Docker's credentials: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`) with its `auths`, `credHelpers` and `credsStore`;
 * `$DOCKER_AUTH_CONFIG` (the same JSON, in the environment) takes precedence.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDockerConfig = (options: FileOptions = {}): Effect.Effect<Service, never, FileServices | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = yield* dockerConfigPath(options)
    const fromFile = yield* fromConfig(readFile(fs, file), file, options)
    const inline = yield* env("DOCKER_AUTH_CONFIG")
    if (Option.isNone(inline)) return fromFile
    const fromEnv = yield* fromConfig(Effect.map(DockerConfig.parseEffect(inline.value, "$DOCKER_AUTH_CONFIG"), Option.some), "$DOCKER_AUTH_CONFIG", options)
    return chain([fromEnv, fromFile])
  })

/**
 * Podman's (containers') credentials: `$REGISTRY_AUTH_FILE`, else
 * `$XDG_RUNTIME_DIR/containers/auth.json`, else `~/.config/containers/auth.json`.
 * Keys are hosts; repository-scoped keys (`quay.io/org`) are not used.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePodman = (options: FileOptions = {}): Effect.Effect<Service, never, FileServices | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const explicit = options.path ?? Option.getOrUndefined(yield* env("REGISTRY_AUTH_FILE"))
    const runtime = yield* env("XDG_RUNTIME_DIR")
    const home = yield* env("HOME")
    const candidates = [
      ...Option.toArray(Option.map(runtime, (dir) => path.join(dir, "containers", "auth.json"))),
      ...Option.toArray(Option.map(home, (dir) => path.join(dir, ".config", "containers", "auth.json")))
    ]
    const file = explicit ?? (candidates.length === 0 ? "auth.json" : yield* firstExisting(fs, candidates))
    return yield* fromConfig(readFile(fs, file), file, options)
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerDockerConfig = (options?: FileOptions): Layer.Layer<CredentialProvider, never, FileServices | Path.Path> =>
  Layer.effect(CredentialProvider, makeDockerConfig(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerPodman = (options?: FileOptions): Layer.Layer<CredentialProvider, never, FileServices | Path.Path> =>
  Layer.effect(CredentialProvider, makePodman(options))

/**
 * The usual chain: static credentials (if given) → environment → docker
 * config → podman → anonymous.
 *
 * @example
 * ```ts
 * import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node-shared/NodePath"
 * import { CredentialProvider } from "@ociauth/core"
 * import { Layer } from "effect"
 *
 * const Credentials = CredentialProvider.layerDefault().pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer, NodeChildProcessSpawner.layer.pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer]))])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefault = (
  options: {
    readonly static?: Readonly<Record<string, Credential.Input | Credential.Credential>>
    readonly dockerConfig?: FileOptions
    readonly podman?: FileOptions
  } = {}
): Layer.Layer<CredentialProvider, never, FileServices | Path.Path> =>
  layerChain([
    Effect.succeed(fromRecord(options.static ?? {})),
    Effect.succeed(environment),
    makeDockerConfig(options.dockerConfig),
    makePodman(options.podman)
  ])
