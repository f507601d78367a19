/**
 * The user's host configuration: which adapter serves which host, for hosts
 * the adapters do not know by name — a mirror, an internal Harbor, a GAR host
 * behind a proxy, an emulator on loopback. One JSON file, read by the SDK, the
 * `ociauth` CLI and `docker-credential-ociauth` alike, so that they agree on
 * every host.
 *
 * Where: `$OCIAUTH_HOSTS_FILE`, else `$XDG_CONFIG_HOME/ociauth/hosts.json`,
 * else `~/.config/ociauth/hosts.json`. A missing file is an empty
 * configuration.
 *
 * ```json
 * {
 *   "hosts": {
 *     "harbor.corp.example": { "adapter": "harbor" },
 *     "gar-proxy.corp.example": { "adapter": "gar", "registry": "europe-docker.pkg.dev" },
 *     "ecr-mirror.corp.example:5000": {
 *       "adapter": "ecr",
 *       "registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
 *       "origin": "https://ecr-mirror.corp.example:5000"
 *     },
 *     "127.0.0.1:5000": { "adapter": "generic", "insecure": true }
 *   }
 * }
 * ```
 *
 * Per host (`host[:port]`, matched exactly after `normalizeHost`):
 *
 * - `adapter` (required): the name of the adapter whose quirks apply (`ecr`,
 *   `ecr-public`, `acr`, `gar`, `harbor`, `quay`, `gitlab`, `ghcr`, `nvcr`,
 *   `docker-hub`, `generic`, or one of your own adapters' names);
 * - `registry`: the registry this host stands for, in the adapter's terms: the
 *   host its cloud credentials are asked for (ECR's
 *   `<account>.dkr.ecr.<region>.amazonaws.com`, ACR's `<name>.azurecr.io`, GAR's
 *   `<location>-docker.pkg.dev`) and the host credentials are stored under.
 *   Default: the host itself;
 * - `origin`: the registry API origin; default `https://<host>` (`http://<host>`
 *   with `insecure`);
 * - `realm` / `service`: the token endpoint, when known in advance; left out
 *   (or `null`) it is discovered from the registry's challenge and checked by
 *   the realm rule (`Realm`), so that no credential follows a realm elsewhere;
 * - `insecure`: the host's plain-HTTP API may receive credentials (loopback
 *   always may).
 *
 * @since 1.0.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { PlatformError } from "effect"
import * as liveEnvironment from "./internal/liveEnvironment.js"
import * as Registries from "./Registries.js"
import * as RegistryAdapter from "./RegistryAdapter.js"
import { canonicalHost, problem, quote } from "./internal/adapterHost.js"
import { normalizeHost } from "./internal/host.js"
import { unknownField } from "./internal/unknownField.js"

/**
 * One host's entry.
 *
 * @since 1.0.0
 * @category schemas
 */
export const Entry = Schema.Struct({
  adapter: Schema.NonEmptyString,
  registry: Schema.optionalKey(Schema.NonEmptyString),
  origin: Schema.optionalKey(Schema.NonEmptyString),
  realm: Schema.optionalKey(Schema.NullOr(Schema.NonEmptyString)),
  service: Schema.optionalKey(Schema.String),
  insecure: Schema.optionalKey(Schema.Boolean)
})

/**
 * @since 1.0.0
 * @category models
 */
export type Entry = typeof Entry.Type

/**
 * The file: `{ "hosts": { "<host[:port]>": Entry } }`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const HostConfig = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  hosts: Schema.Record(Schema.String, Entry)
})

/**
 * @since 1.0.0
 * @category models
 */
export type HostConfig = typeof HostConfig.Type

/**
 * The configuration with no host.
 *
 * @since 1.0.0
 * @category constants
 */
export const empty: HostConfig = { hosts: {} }

/**
 * The file cannot be read, is not the configuration, or names an adapter
 * the program does not have. Holds no secret (the file has none).
 *
 * @since 1.0.0
 * @category errors
 */
export class HostConfigError extends Schema.TaggedError<HostConfigError>("@ociauth/core/HostConfigError")("HostConfigError", {
  file: Schema.String,
  reason: Schema.String
}) {
  /** @since 1.0.0 */
  override get message(): string {
    return `Host configuration ${this.file}: ${this.reason}`
  }
}

const decode = Schema.decodeUnknownResult(HostConfig)

const SHAPE = "{\"hosts\": {\"<host>\": {\"adapter\": \"<name>\", …}}}"
const FIELDS = ["adapter", "registry", "origin", "realm", "service", "insecure"] as const


/**
 * The configuration in `text` (the content of `file`, named in errors): JSON
 * of the documented shape, no field it does not know (a typo is an error that
 * names it), every host a `host[:port]`, every URL an http(s) URL without
 * credentials.
 *
 * @since 1.0.0
 * @category parsing
 */
export const parse = (text: string, file: string): Result.Result<HostConfig, HostConfigError> => {
  const fail = (reason: string) => Result.fail(new HostConfigError({ file, reason }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)}); expected ${SHAPE}`)
  }
  const unknown = unknownField(json, FIELDS)
  if (unknown !== undefined) return fail(unknown)
  const decoded = decode(json)
  if (Result.isFailure(decoded)) return fail(`not a host configuration (${decoded.failure.message.replace(/\s*\n\s*/g, " ")}); expected ${SHAPE}`)
  const seen = new Set<string>()
  for (const [host, entry] of Object.entries(decoded.success.hosts)) {
    const problem = checkEntry(host, entry)
    if (problem !== undefined) return fail(problem)
    // `A.EXAMPLE` and `a.example` are one host: two entries would leave one silently unused.
    if (seen.has(normalizeHost(host))) return fail(`hosts: ${quote(host)} is named twice (host names ignore case)`)
    seen.add(normalizeHost(host))
  }
  return Result.succeed(decoded.success)
}

/** Whether no request names `text` as it is written: a URL, a path, `host:443`, `host.`, `*.corp.example`, a Unicode name, port 0. */
const namesNoRequestHost = (text: string): boolean => canonicalHost(text.trim()) !== text.trim().toLowerCase()

const checkEntry = (host: string, entry: Entry): string | undefined => {
  if (namesNoRequestHost(host)) return `hosts: ${problem(host)}`
  // Docker Hub's other names are one credential key, `docker.io` (`normalizeHost`).
  if (normalizeHost(host) !== host.trim().toLowerCase()) return `hosts: ${quote(host)} is Docker Hub: name it "docker.io"`
  if (entry.registry !== undefined && namesNoRequestHost(entry.registry)) return `${quote(host)}: registry ${problem(entry.registry)}`
  for (const [field, value] of [["origin", entry.origin], ["realm", entry.realm]] as const) {
    if (value == null) continue
    let url: URL
    try {
      url = new URL(value)
    } catch {
      // Not repeated: a URL may carry a password.
      return `${quote(host)}: ${field} is not a URL`
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return `${quote(host)}: ${field} must be an http(s) URL`
    if (url.username !== "" || url.password !== "") return `${quote(host)}: ${field} must not carry credentials`
  }
  return undefined
}

/** A runtime's refusal to read the environment (Deno without `--allow-env`: `NotCapable`), thrown as a defect. */
const isPermissionRefusal = (defect: unknown): boolean =>
  defect instanceof Error && (defect.name === "NotCapable" || defect.name === "PermissionDenied")

/**
 * A variable of the environment as it is now (or of the program's own
 * `ConfigProvider`); unset, empty, or one the runtime refuses to read is `None`.
 */
const env = (name: string) =>
  liveEnvironment.provide(Config.option(Config.NonEmptyString(name))).pipe(
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.catchDefect((defect) => isPermissionRefusal(defect) ? Effect.succeed(Option.none<string>()) : Effect.die(defect))
  )

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /** The file; by default `$OCIAUTH_HOSTS_FILE`, `$XDG_CONFIG_HOME/ociauth/hosts.json` or `~/.config/ociauth/hosts.json`. */
  readonly path?: string
}

/**
 * Where the file is: `options.path`, else `$OCIAUTH_HOSTS_FILE`, else
 * `$XDG_CONFIG_HOME/ociauth/hosts.json` (an absolute `XDG_CONFIG_HOME`), else
 * `$HOME/.config/ociauth/hosts.json`.
 *
 * @since 1.0.0
 * @category utils
 */
export const path = (options: Options = {}): Effect.Effect<string, never, Path.Path> =>
  Effect.gen(function* () {
    if (options.path !== undefined) return options.path
    const explicit = yield* env("OCIAUTH_HOSTS_FILE")
    if (Option.isSome(explicit)) return explicit.value
    const p = yield* Path.Path
    const xdg = yield* env("XDG_CONFIG_HOME")
    if (Option.isSome(xdg) && p.isAbsolute(xdg.value)) return p.join(xdg.value, "ociauth", "hosts.json")
    const home = yield* env("HOME")
    return p.join(Option.getOrElse(home, () => "."), ".config", "ociauth", "hosts.json")
  })

/**
 * Reads the file (`path`); a missing file is `empty`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const load = (options: Options = {}): Effect.Effect<HostConfig, HostConfigError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = yield* path(options)
    const unreadable = (e: PlatformError.PlatformError) => new HostConfigError({ file, reason: `cannot read the file (${e.reason._tag})` })
    const exists = yield* fs.exists(file).pipe(Effect.mapError(unreadable))
    if (!exists) return empty
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(unreadable))
    return yield* Effect.fromResult(parse(text, file))
  })

/**
 * The entry of a host (`host[:port]`, or a server URL: `normalizeHost`).
 *
 * @since 1.0.0
 * @category getters
 */
export const lookup = (config: HostConfig, host: string): Option.Option<Entry> => {
  const wanted = normalizeHost(host)
  for (const [key, entry] of Object.entries(config.hosts)) if (normalizeHost(key) === wanted) return Option.some(entry)
  return Option.none()
}

/**
 * The hosts whose plain-HTTP API may receive credentials (`insecure: true`),
 * for the runtime's and the realm rule's `insecure` lists.
 *
 * @since 1.0.0
 * @category getters
 */
export const insecureHosts = (config: HostConfig): ReadonlyArray<string> =>
  Object.entries(config.hosts).filter(([, entry]) => entry.insecure === true).map(([host]) => normalizeHost(host))

/**
 * The adapter that serves one configured host: the named adapter's quirks,
 * matching that host only, aimed at its origin, storing credentials under
 * `registry` (default: the host; the adapter's own key when `registry` is one of
 * the adapter's hosts, so never another registry's login for a host mapped to
 * its adapter) and asking the adapter's own credential source
 * (ECR's `GetAuthorizationToken`, ACR's Entra exchange, GAR's OAuth2 token) for
 * `registry`. Its challenge is the entry's realm, else a Basic challenge the
 * adapter declares (ECR), else discovered from the registry: a realm an adapter
 * knows for its own hosts never receives another host's credentials.
 *
 * @since 1.0.0
 * @category constructors
 */
export const adapterFor = (
  host: string,
  entry: Entry,
  available: ReadonlyArray<RegistryAdapter.RegistryAdapter>,
  file = "the host configuration"
): Result.Result<RegistryAdapter.RegistryAdapter, HostConfigError> => {
  const base = entry.adapter === RegistryAdapter.generic.name
    ? RegistryAdapter.generic
    : available.find((adapter) => adapter.name === entry.adapter)
  if (base === undefined) {
    const known = [...new Set([...available.map((a) => a.name), RegistryAdapter.generic.name])].join(", ")
    return Result.fail(new HostConfigError({ file, reason: `${host}: no adapter named "${entry.adapter}" (known: ${known})` }))
  }
  const self = normalizeHost(host)
  const registry = entry.registry === undefined ? self : normalizeHost(entry.registry)
  // The registry's own credentials: the adapter's key and cloud source (ECR's GetAuthorizationToken, ACR's
  // Entra exchange, GAR's OAuth2 token) when the registry is one of its hosts, else the logins stored under the
  // registry as configured. A mirror mapped to `docker-hub` never gets docker.io's login, nor one mapped to
  // `gar` a Google token, unless its entry names such a registry (`"registry": "docker.io"`).
  const own = base.matches(registry)
  const credentialHost = own ? base.credentialHost(registry) : registry
  const origin = (entry.origin ?? `${entry.insecure === true ? "http" : "https"}://${self}`).replace(/\/+$/, "")
  const declared = Option.filter(base.challenge, (challenge) => challenge.scheme === "basic")
  const service = entry.service ?? Option.match(base.challenge, {
    onNone: () => undefined,
    onSome: (challenge) => (challenge.scheme === "bearer" ? challenge.service : undefined)
  })
  return Result.succeed(
    RegistryAdapter.extend(base, {
      matches: (candidate) => normalizeHost(candidate) === self,
      origin: () => origin,
      credentialHost: () => credentialHost,
      challenge: entry.realm == null
        ? declared
        : Option.some({ scheme: "bearer", realm: entry.realm, ...(service === undefined ? {} : { service }), scopes: [] }),
      credentials: own
        ? Option.map(base.credentials, (source) => (_: string, context: RegistryAdapter.CredentialContext) => source(registry, context))
        : Option.none()
    })
  )
}

/**
 * One adapter per configured host (`adapterFor`), from the adapters the
 * program has (by `name`; `generic` always).
 *
 * @since 1.0.0
 * @category constructors
 */
export const adapters = (
  config: HostConfig,
  available: ReadonlyArray<RegistryAdapter.RegistryAdapter>,
  file?: string
): Result.Result<ReadonlyArray<RegistryAdapter.RegistryAdapter>, HostConfigError> => {
  const built: Array<RegistryAdapter.RegistryAdapter> = []
  for (const [host, entry] of Object.entries(config.hosts)) {
    const adapter = adapterFor(host, entry, available, file)
    if (Result.isFailure(adapter)) return Result.fail(adapter.failure)
    built.push(adapter.success)
  }
  return Result.succeed(built)
}

/**
 * The precedence of the configured hosts in `Registries`: above the adapter
 * packages (-1) and the program's own adapters (0). An entry names one exact
 * host, the user's last word on it.
 *
 * @since 1.0.0
 * @category constants
 */
export const priority = 1

/**
 * Adds the configured hosts' adapters (`adapters`, from the file `load` reads)
 * to the program's `Registries`, alongside its other `Registries.layer`s.
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node-shared/NodePath"
 * import { Registries, RegistryAdapter } from "@ociauth/core"
 * import * as HostConfig from "@ociauth/core/HostConfig"
 * import { Layer } from "effect"
 *
 * const mine = [RegistryAdapter.make({ name: "mine", hosts: ["registry.corp.example"] })]
 * const registries = Layer.mergeAll(Registries.layer(mine), HostConfig.layer(mine)).pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  available: ReadonlyArray<RegistryAdapter.RegistryAdapter>,
  options: Options = {}
): Layer.Layer<Registries.Registries, HostConfigError, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const file = yield* path(options)
      const config = yield* load({ path: file })
      const configured = yield* Effect.fromResult(adapters(config, available, file))
      return Registries.layer(configured, { priority })
    })
  )
