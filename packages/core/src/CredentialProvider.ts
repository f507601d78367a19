/**
 * Where credentials come from. The auth engine asks the provider for the
 * credential of a registry host (`docker.io`, `ghcr.io`, `localhost:5000`);
 * `Anonymous` means "none configured".
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import * as Credential from "./Credential.js"
import type { CredentialError } from "./RegistryError.js"

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
export class CredentialProvider extends Context.Tag("@ociauth/core/CredentialProvider")<CredentialProvider, Service>() {}

/**
 * A provider from a fixed map of hosts to credentials. Keys are normalised with
 * `Credential.normalizeHost` (`https://index.docker.io/v1/` is `docker.io`) and
 * matched exactly.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRecord = (
  credentials: Readonly<Record<string, Credential.Input | Credential.Credential>>
): Service => {
  const map = new Map<string, Credential.Credential>()
  for (const [key, value] of Object.entries(credentials)) map.set(Credential.normalizeHost(key), Credential.fromInput(value))
  return {
    get: (host) => Effect.succeed(map.get(Credential.normalizeHost(host)) ?? Credential.anonymous)
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
