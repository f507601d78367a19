/**
 * ociauth, batteries included: one install (`npm i ociauth effect`) for the
 * model, the engine, the runtime, every built-in adapter and the machine's
 * credentials on Node.
 *
 * @since 0.1.0
 */

export {
  /** @since 0.1.0 */
  AuthEvent,
  /** @since 0.1.0 */
  Authenticator,
  /** @since 0.1.0 */
  Challenge,
  /** @since 0.1.0 */
  Credential,
  /** @since 0.1.0 */
  CredentialProvider,
  /** @since 0.2.0 */
  CredentialStore,
  /** @since 0.1.0 */
  Reference,
  /** @since 0.1.0 */
  Registries,
  /** @since 0.1.0 */
  RegistryAdapter,
  /** @since 0.1.0 */
  RegistryError,
  /** @since 1.0.0 */
  RegistryHttp,
  /** @since 0.1.0 */
  Retry,
  /** @since 0.1.0 */
  Scope,
  /** @since 0.1.0 */
  Token
} from "@ociauth/core"

/** @since 0.1.0 */
export * as Conformance from "@ociauth/core/Conformance"
/** @since 0.1.0 */
export * as CredentialHelper from "@ociauth/core/CredentialHelper"
/** @since 0.1.0 */
export * as DockerConfig from "@ociauth/core/DockerConfig"
/** @since 0.1.0 */
export * as Route from "@ociauth/core/Route"

export {
  /** @since 0.1.0 */
  RateLimit,
  /** @since 0.1.0 */
  RegistryClient
} from "@ociauth/fetch"

export {
  /** @since 0.1.0 */
  DockerHub
} from "@ociauth/docker-hub"

export {
  /** @since 0.1.0 */
  Ghcr
} from "@ociauth/ghcr"

export {
  /** @since 0.2.0 */
  Quay
} from "@ociauth/quay"

export {
  /** @since 0.2.0 */
  GitLab
} from "@ociauth/gitlab"

export {
  /** @since 0.2.0 */
  Harbor
} from "@ociauth/harbor"

export {
  /** @since 0.2.0 */
  Nvcr
} from "@ociauth/nvcr"

export {
  /** @since 0.2.0 */
  Artifactory
} from "@ociauth/artifactory"

export {
  /** @since 0.2.0 */
  Zot
} from "@ociauth/zot"

export {
  /** @since 0.2.0 */
  Ecr,
  /** @since 0.2.0 */
  EcrClient,
  /** @since 0.2.0 */
  EcrHost
} from "@ociauth/ecr"

export {
  /** @since 0.2.0 */
  EcrPublic,
  /** @since 0.2.0 */
  EcrPublicClient
} from "@ociauth/ecr-public"

export {
  /** @since 0.1.0 */
  Acr,
  /** @since 0.1.0 */
  AcrHost,
  /** @since 0.1.0 */
  Entra
} from "@ociauth/acr"

export {
  /** @since 0.1.0 */
  Gar,
  /** @since 0.1.0 */
  GarHost,
  /** @since 0.1.0 */
  Google
} from "@ociauth/gar"

/**
 * The built-in adapters and their `Registries` layer.
 *
 * @since 0.1.0
 */
export * as Builtins from "./Builtins.js"

/**
 * The machine's credentials on Node (environment, docker config and helpers, podman).
 *
 * @since 0.1.0
 */
export * as NodeCredentials from "./NodeCredentials.js"

/**
 * The runtime for Effect programs, batteries included.
 *
 * @since 0.1.0
 */
export * as NodeRegistryClient from "./NodeRegistryClient.js"

/**
 * The Promise `fetch` façade, batteries included.
 *
 * @since 0.1.0
 */
export * as RegistryFetch from "./RegistryFetch.js"

export {
  /**
   * A WHATWG `fetch` that authenticates against OCI registries, with every
   * built-in adapter and the machine's credentials.
   *
   * @since 0.1.0
   * @category constructors
   */
  makeRegistryFetch
} from "./RegistryFetch.js"
