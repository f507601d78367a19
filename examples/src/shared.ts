/**
 * What every example shares: the layers (adapters, credentials, the runtime),
 * a printer for the auth flow, and a small argument reader.
 *
 * Each example targets the real registries by default. To aim them elsewhere
 * (a mirror, the emulator), pass `--docker-hub <url>` / `--ghcr <url>` or set
 * `OCIAUTH_DOCKER_HUB_URL` / `OCIAUTH_GHCR_URL`; the adapters keep their quirks
 * and discover the target's token realm. `OCIAUTH_TRACE=1` (or `--trace`)
 * prints every step of the auth flow. Credentials are the ones the machine
 * already has: `OCIAUTH_<HOST>_USERNAME` / `_PASSWORD` (or `OCIAUTH_REGISTRY`
 * with `OCIAUTH_USERNAME` / `OCIAUTH_PASSWORD`), docker's `config.json` and
 * its credential helpers, podman's `auth.json`.
 */
import type { HttpClient } from "effect/http"
import { Authenticator, AuthEvent, CredentialProvider, Registries } from "@ociauth/core"
import type { Credential, RegistryAdapter } from "@ociauth/core"
import { DockerHub } from "@ociauth/docker-hub"
import { RegistryClient } from "@ociauth/fetch"
import { NodeCredentials } from "ociauth"
import { Ghcr } from "@ociauth/ghcr"
import { Cause, Console, DateTime, Effect, Exit, Layer, Option } from "effect"

/** Where the well-known registries are, when not at their real addresses. */
export interface Targets {
  readonly dockerHub?: { readonly origin: string; readonly realm?: string }
  readonly ghcr?: { readonly origin: string; readonly realm?: string }
}

export interface Setup {
  readonly targets?: Targets
  /** Adapters of your own; they take precedence over the built-in ones. */
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  readonly credentials?: Readonly<Record<string, Credential.Input>>
  /** Also use the machine's credentials (environment, docker config, podman) after `credentials`. */
  readonly machineCredentials?: boolean
  /** Print the auth flow step by step. */
  readonly trace?: boolean
  /** Registries reached over plain HTTP that may receive credentials. */
  readonly insecure?: ReadonlyArray<string>
}

/** The built-in adapters, aimed at their targets. */
export const adapters = (targets: Targets = {}): ReadonlyArray<RegistryAdapter.RegistryAdapter> => [
  targets.dockerHub === undefined
    ? DockerHub.adapter
    : DockerHub.make({ origin: targets.dockerHub.origin, realm: targets.dockerHub.realm ?? null }),
  targets.ghcr === undefined ? Ghcr.adapter : Ghcr.make({ origin: targets.ghcr.origin, realm: targets.ghcr.realm ?? null })
]

/** One line for an auth event. */
export const describe = (event: AuthEvent.AuthEvent): string => {
  switch (event._tag) {
    case "ChallengeDiscovered":
      return `challenge   ${event.origin} answered 401: ${event.challenge}`
    case "TokenRequested":
      return `token?      ${event.method} ${event.realm} service=${event.service ?? "-"} scopes=[${event.scopes.join(" ")}] as ${event.credential}`
    case "TokenPostFallback":
      return `fallback    POST refused (${event.status ?? "not JSON"}), asking with GET`
    case "TokenIssued":
      return `token!      granted ${Option.match(event.granted, {
        onNone: () => "(opaque token: grant not readable)",
        onSome: (g) => (g.length === 0 ? "nothing" : g.join(" "))
      })}, expires ${DateTime.formatIso(event.expiresAt)}`
    case "TokenCacheHit":
      return `cache hit   [${event.scopes.join(" ")}]`
    case "TokenRefreshAhead":
      return `refresh     renewing [${event.scopes.join(" ")}] ahead of expiry`
    case "TokenInvalidated":
      return `invalidated [${event.scopes.join(" ")}] refused by the registry`
    case "RefreshFailed":
      return `refresh !   renewing the ${event.what} for ${event.target} failed (${event.reason}); the current one is kept`
    case "Retrying":
      return `retry       ${event.target}: ${event.reason}`
    case "Redirected":
      return `redirect    ${event.from} → ${event.to} (${event.authorization ? "with" : "without"} Authorization)`
  }
}

/** Prints every auth event, indented, as the demo shows them. */
export const tracePrinter: Layer.Layer<AuthEvent.AuthEvents> = AuthEvent.layer((event) => Console.log(`    · ${describe(event)}`))

/** The runtime for the examples: an `HttpClient` that authenticates. */
export const layer = (setup: Setup = {}): Layer.Layer<HttpClient.HttpClient> =>
  RegistryClient.layerWith({ insecure: setup.insecure ?? [] }).pipe(
    Layer.provide(Authenticator.layer({ insecure: setup.insecure ?? [] })),
    Layer.provide(
      Layer.mergeAll(
        RegistryClient.layerFetchTransport,
        Registries.layer([...(setup.adapters ?? []), ...adapters(setup.targets)]),
        setup.machineCredentials === true
          ? NodeCredentials.layerWith({ static: setup.credentials ?? {} })
          : CredentialProvider.layerStatic(setup.credentials ?? {})
      )
    ),
    Layer.provide(setup.trace === true ? tracePrinter : Layer.empty)
  )

/** `--name value` flags and positional arguments. */
export const parseArgs = (argv: ReadonlyArray<string>) => {
  const flags = new Map<string, string>()
  const positional: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.startsWith("--")) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith("--")) flags.set(arg.slice(2), "true")
      else {
        flags.set(arg.slice(2), next)
        i++
      }
    } else positional.push(arg)
  }
  return { flags, positional }
}

/** The setup from flags and environment variables (see the module comment). */
export const setupFromCli = (argv: ReadonlyArray<string>): Setup => {
  const { flags } = parseArgs(argv)
  const env = process.env
  const hub = flags.get("docker-hub") ?? env.OCIAUTH_DOCKER_HUB_URL
  const ghcr = flags.get("ghcr") ?? env.OCIAUTH_GHCR_URL
  return {
    targets: {
      ...(hub === undefined ? {} : { dockerHub: { origin: hub } }),
      ...(ghcr === undefined ? {} : { ghcr: { origin: ghcr } })
    },
    machineCredentials: true,
    trace: flags.has("trace") || env.OCIAUTH_TRACE === "1"
  }
}

/** The message of a failure: the registry error's own when the HttpClient carried one. */
export const messageOf = (error: unknown): string =>
  Option.match(RegistryClient.registryError(error), {
    onSome: (e) => e.message,
    onNone: () => (error instanceof Error ? error.message : String(error))
  })

/** Runs an example from the command line: prints failures and sets the exit code. */
export const runMain = <E>(program: Effect.Effect<void, E>): void => {
  Effect.runPromiseExit(program).then((exit) => {
    if (Exit.isFailure(exit)) {
      const failure = Cause.findErrorOption(exit.cause)
      console.error(Option.isSome(failure) ? messageOf(failure.value) : Cause.pretty(exit.cause))
      process.exitCode = 1
    }
  })
}

/** Whether this module is the script being run. */
export const isMain = (url: string): boolean => process.argv[1] !== undefined && url === new URL(`file://${process.argv[1]}`).href

/** The media types a manifest request accepts: OCI and Docker, images and indexes. */
export const manifestAccept = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ")
