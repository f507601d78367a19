/**
 * The engine's one rule for where a registry's credential comes from: the
 * configured credentials (the `CredentialProvider`: environment, docker's and
 * podman's files, logins) for the adapter's credential host first; when they
 * have none, the adapter's own source (ECR's `GetAuthorizationToken`, ACR's
 * Entra exchange, GAR's OAuth2 token); else anonymous. The engine's credential
 * cache and `docker-credential-ociauth` both ask it (`Unstable.obtainCredential`).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Credential from "../Credential.js"
import type * as CredentialProvider from "../CredentialProvider.js"
import type * as RegistryAdapter from "../RegistryAdapter.js"
import type { CredentialError } from "../RegistryError.js"

/**
 * What the adapter's own source answers, as `obtain` hands it to `around`.
 *
 * @since 1.0.0
 * @category models
 */
export type SourceAnswer = Effect.Effect<Option.Option<Credential.Credential>, CredentialError>

/**
 * The credential for `host` through `adapter`: the provider's for
 * `adapter.credentialHost(host)` unless it is anonymous; else, when the adapter
 * has a source of its own, its answer for `host` with `context`, through
 * `around` (which may answer from a cache, retry or bound it; `Effect.identity`
 * asks the source as it is); else the provider's anonymous answer.
 *
 * @since 1.0.0
 * @category getters
 */
export const obtain = <E, R>(
  provider: CredentialProvider.Service,
  adapter: RegistryAdapter.RegistryAdapter,
  host: string,
  context: RegistryAdapter.CredentialContext,
  around: (source: SourceAnswer) => Effect.Effect<Option.Option<Credential.Credential>, E, R>
): Effect.Effect<Credential.Credential, CredentialError | E, R> =>
  Effect.flatMap(provider.get(adapter.credentialHost(host)), (configured) =>
    configured._tag !== "Anonymous" || Option.isNone(adapter.credentials)
      ? Effect.succeed(configured)
      : Effect.map(around(adapter.credentials.value(host, context)), Option.getOrElse((): Credential.Credential => configured)))

