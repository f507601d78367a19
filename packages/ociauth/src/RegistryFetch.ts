/**
 * `makeRegistryFetch` with the batteries: every built-in adapter (Docker Hub,
 * GHCR, …) and, unless you pass `credentials` or `credentialProvider`, the
 * machine's credentials (`NodeCredentials.layer`).
 *
 * ```ts
 * import { makeRegistryFetch } from "ociauth"
 *
 * const registryFetch = makeRegistryFetch()
 * const response = await registryFetch("https://docker.io/v2/alpine/manifests/latest", {
 *   method: "HEAD",
 *   headers: { accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json" }
 * })
 * response.headers.get("docker-content-digest")
 * await registryFetch.close()
 * ```
 *
 * @since 0.1.0
 */
import * as Thin from "@ociauth/fetch/RegistryFetch"
import * as Builtins from "./Builtins.js"
import * as NodeCredentials from "./NodeCredentials.js"

/**
 * The options of `@ociauth/fetch`'s façade, with these defaults:
 * - `adapters`: yours first, then every built-in one (`Builtins.adapters`);
 * - `credentials`: when given, exactly these (the machine's are not read);
 * - `credentialProvider`: when neither is given, `NodeCredentials.layer`
 *   (environment, docker config and helpers, podman). To use both your own and
 *   the machine's, pass `credentialProvider: NodeCredentials.layerWith({ static: … })`.
 *
 * @since 0.1.0
 * @category models
 */
export type RegistryFetchOptions = Thin.RegistryFetchOptions

/**
 * A `fetch` with registry auth; `close()` releases its token cache.
 *
 * @since 0.1.0
 * @category models
 */
export type RegistryFetch = Thin.RegistryFetch

/**
 * Builds the façade with the batteries (see `RegistryFetchOptions`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRegistryFetch = (options: RegistryFetchOptions = {}): RegistryFetch =>
  Thin.makeRegistryFetch({
    ...options,
    adapters: Builtins.withBuiltins(options.adapters),
    ...(options.credentialProvider === undefined && options.credentials === undefined
      ? { credentialProvider: NodeCredentials.layer }
      : {})
  })
