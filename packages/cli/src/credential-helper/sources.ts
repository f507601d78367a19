/**
 * Where the helper's answers come from: the SDK's own pieces, composed as the
 * engine composes them. The host resolves to an adapter (the user's host
 * configuration first, then the built-in adapters, as the SDK's `Registries`
 * does); the machine's credentials (`OCIAUTH_*`, docker's and podman's files and
 * their helpers — never this helper itself) for the adapter's credential host
 * come first; when they have none, the adapter's own source (ECR's
 * `GetAuthorizationToken`, ACR's Entra exchange, GAR's OAuth2 token) answers.
 */
import { Builtins, EcrPublic, EcrPublicClient, NodeCredentials, NodeRegistryClient } from "ociauth"
import type { RegistryAdapter as Adapter } from "@ociauth/core"
import { Credential, CredentialProvider, Realm, Registries, RegistryError, Retry } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import * as Unstable from "@ociauth/core/Unstable"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { FileSystem, Path } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import { executable } from "./executable.js"

export { executable, helperName } from "./executable.js"

/**
 * Set in the helper's environment (so in every helper it starts): a nested
 * `docker-credential-ociauth` answers "credentials not found" at once instead of
 * looking up again, however it was reached.
 */
export const activeVariable = "OCIAUTH_CREDENTIAL_HELPER_ACTIVE"

/**
 * The built-in adapters, with ECR Public's logins from the AWS API. A host
 * configuration may name these and the templates of the self-hosted kinds
 * (`harbor`, `artifactory`, `zot`: `NodeRegistryClient.readHostConfig` adds them).
 */
export const adapters: ReadonlyArray<Adapter.RegistryAdapter> = Builtins.adapters.map((adapter) =>
  adapter.name === EcrPublic.adapter.name ? EcrPublic.make({ client: EcrPublicClient.makeDefault() }) : adapter
)

/**
 * The SDK's hosts, read as the SDK reads them (`NodeRegistryClient.readHostConfig`):
 * the configured hosts' adapters, then the built-in ones, then generic; and the
 * hosts the configuration declares insecure.
 */
export const registries: Effect.Effect<
  { readonly registries: Registries.Service; readonly insecure: ReadonlyArray<string> },
  HostConfig.HostConfigError
> = Effect.map(NodeRegistryClient.readHostConfig(adapters), (configured) => ({
  registries: Registries.make([...configured.adapters, ...adapters]),
  insecure: configured.insecure
}))

/** Whether the adapter's credentials come from a cloud identity (its own source), not from a login. */
export const cloudIdentity = (adapter: Adapter.RegistryAdapter): boolean => Option.isSome(adapter.credentials)

/**
 * Why `store` refuses a login for a host its adapter serves, or `undefined`
 * when the login is kept. Only a registry whose credentials come from a cloud
 * identity refuses, and only a login that is not a registry credential worth
 * keeping:
 *
 * - ACR: every login is kept — the admin user, repository-scoped tokens, a
 *   service principal's id and secret, a refresh token under the zero GUID or
 *   as an identity token: ACR's token endpoint takes each of them, for as long
 *   as they live;
 * - GAR / GCR: a service-account key (`_json_key` + the key's JSON,
 *   `_json_key_base64` + its base64) is kept; any other login is an OAuth2
 *   access token (`oauth2accesstoken`: Google reads no other username), which
 *   expires within the hour and which the helper gets itself from Application
 *   Default Credentials;
 * - ECR, ECR Public: refused. The registry takes no login but `AWS` with a
 *   12-hour password from `GetAuthorizationToken`, which the helper gets itself
 *   from the AWS identity; a stored copy would outlive it.
 *
 * Other adapters with a cloud source (none built in) keep every login: the user's word.
 */
export const storeRefusal = (adapter: Adapter.RegistryAdapter, host: string, username: string): string | undefined => {
  if (!cloudIdentity(adapter)) return undefined
  switch (adapter.name) {
    case "ecr":
    case "ecr-public":
      return `${host} is an ${adapter.name} registry: its credentials come from the cloud identity (its only login, AWS and a 12-hour password, is what the helper gets from the AWS identity itself: nothing to store)`
    case "gar":
      return username === "_json_key" || username === "_json_key_base64"
        ? undefined
        : `${host} is a gar registry: its credentials come from the cloud identity (a login other than a service-account key, _json_key or _json_key_base64, is an access token that expires within the hour, which the helper gets from Application Default Credentials itself: nothing to store)`
    default:
      return undefined
  }
}

// ---------------------------------------------------------------------------
// The machine's credentials, without this helper
// ---------------------------------------------------------------------------

const enc = new TextEncoder()

/** What a helper that has nothing answers: docker's own words. */
export const notFoundMessage = "credentials not found in native keychain"

/** A process that says "credentials not found", in place of this helper: never started again from itself. */
const notFoundHandle = ChildProcessSpawner.makeHandle({
  pid: ChildProcessSpawner.ProcessId(0),
  exitCode: Effect.succeed(ChildProcessSpawner.ExitCode(1)),
  isRunning: Effect.succeed(false),
  kill: () => Effect.void,
  stdin: Sink.drain,
  stdout: Stream.make(enc.encode(`${notFoundMessage}\n`)),
  stderr: Stream.empty,
  all: Stream.make(enc.encode(`${notFoundMessage}\n`)),
  getInputFd: () => Sink.drain,
  getOutputFd: () => Stream.empty,
  unref: Effect.succeed(Effect.void)
})

/**
 * The platform's process spawner, except for `docker-credential-ociauth`: when
 * docker's or podman's file names this helper (`credHelpers`, `credsStore`) it
 * is not started again, it has nothing (the file's own entry, if any, is used).
 */
export const withoutSelf = Layer.effect(
  ChildProcessSpawner.ChildProcessSpawner,
  Effect.map(ChildProcessSpawner.ChildProcessSpawner, (inner) =>
    ChildProcessSpawner.make((command) =>
      command._tag === "StandardCommand" && (command.command === executable || command.command.endsWith(`/${executable}`))
        ? Effect.succeed(notFoundHandle)
        : inner.spawn(command)
    ))
)

/**
 * The machine's credentials as the SDK chains them — `OCIAUTH_*`, then (for the
 * logins handed to this helper's `store`) `stored`, then docker's config and
 * its helpers, then podman's `auth.json` — with this helper never started from itself.
 */
export const machineCredentials = (
  stored: CredentialProvider.Service
): Effect.Effect<CredentialProvider.Service, never, FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.map(
    Effect.all([CredentialProvider.makeDockerConfig(), CredentialProvider.makePodman()]),
    ([docker, podman]) => CredentialProvider.chain([CredentialProvider.environment, stored, docker, podman])
  ).pipe(Effect.provide(withoutSelf))

// ---------------------------------------------------------------------------
// The adapter's own source, bounded
// ---------------------------------------------------------------------------

/** A failure a later attempt may not meet: a cloud API throttling, down, or slow. */
export const isTransient = (error: RegistryError.CredentialError): boolean =>
  /throttl|too ?many ?requests|rate ?exceeded|HTTP 429|HTTP 5\d\d|answered 5\d\d|timed out|ServiceUnavailable|InternalServer|InternalFailure|RequestTimeout|Transport|ECONNRE|socket hang up|TimeoutError/i
    .test(error.reason)

/**
 * No cloud identity is configured on the machine (the AWS SDK found no
 * credentials): the registry is asked anonymously, as when ACR's and GAR's
 * default credentials cannot answer.
 */
export const noIdentity = (error: RegistryError.CredentialError): boolean => /CredentialsProviderError/.test(error.reason)

/** Retries of a throttling or failing cloud API: 4 at most, within 20 s, honouring the engine's policy shape. */
export const retryPolicy: Retry.Policy = {
  schedule: Schedule.exponential("250 millis", 2).pipe(Schedule.jittered, Schedule.upTo({ times: 4, duration: "20 seconds" })),
  maxRetryAfter: Duration.seconds(10)
}

/**
 * The longest a `get` may take, whatever it waits on — docker's and podman's
 * other helpers (10 s each at most), the cloud identity, the cloud API and the
 * retries — so that a calling tool is never left hanging.
 */
export const lookupTimeout = Duration.seconds(60)

/**
 * The engine's send step for sources that exchange one credential for another
 * (ACR's `/oauth2/exchange`): the same retries and timeouts, and the engine's
 * realm policy (`Realm.check`, as `Authenticator` applies it to every realm) on
 * where it may go, relative to the registry's origin: `https`, or plain HTTP
 * only for a registry reached over it on loopback or a host the configuration
 * declares insecure; no userinfo, no internal address or metadata name that is
 * not the registry's own.
 */
export const sender = (insecure: ReadonlyArray<string>, registryOrigin: string): Unstable.Send => {
  const send = (request: Parameters<Unstable.Send>[0], replayable: boolean) =>
    Effect.flatMap(HttpClient.HttpClient, (http) =>
      Unstable.makeSender(http, { policy: Retry.defaultPolicy, emit: () => Effect.void, timeout: Duration.seconds(20) })(request, replayable)
    ).pipe(Effect.provide(FetchHttpClient.layer))
  return (request, replayable) =>
    Realm.check(request.url, registryOrigin, { insecure }).pipe(
      Effect.mapError((rejected) =>
        new HttpClientError.HttpClientError({
          reason: new HttpClientError.InvalidUrlError({ request, description: `the realm policy refuses it: ${rejected.reason}` })
        })
      ),
      Effect.flatMap(() => send(request, replayable))
    )
}

/** What the adapter's source is given for `host`: its origin, and `sender`'s send step. */
export const contextFor = (adapter: Adapter.RegistryAdapter, host: string, insecure: ReadonlyArray<string>): Adapter.CredentialContext => ({
  origin: adapter.origin(host),
  send: sender(insecure, adapter.origin(host))
})

/**
 * The adapter's source (`Unstable.obtainCredential`'s `around`), retried while
 * the cloud API throttles or fails (`retryPolicy`); no cloud identity on the
 * machine is no answer. The whole lookup is bounded by `lookupTimeout`.
 */
export const retried = (source: Unstable.SourceAnswer): Effect.Effect<Option.Option<Credential.Credential>, RegistryError.CredentialError> =>
  source.pipe(
    Retry.make({ policy: retryPolicy, isRetryable: isTransient, retryAfter: () => Option.none() }),
    Effect.catchIf(noIdentity, () => Effect.succeedNone)
  )

/** The credentials of the machine, reading the environment as it is (see `NodeCredentials`). */
export const platform = NodeCredentials.layerPlatform

