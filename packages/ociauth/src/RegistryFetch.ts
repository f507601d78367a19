/**
 * `makeRegistryFetch` with the batteries: every built-in adapter (Docker Hub,
 * GHCR, …), the hosts of the user's host configuration (`HostConfig`, read as
 * `NodeRegistryClient`, the `ociauth` CLI and `docker-credential-ociauth` read
 * it) and, unless you pass `credentials` or `credentialProvider`, the
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
import * as Effect from "effect/Effect"
import * as Builtins from "./Builtins.js"
import * as NodeCredentials from "./NodeCredentials.js"
import * as NodeRegistryClient from "./NodeRegistryClient.js"

/**
 * The options of `@ociauth/fetch`'s façade, with these defaults:
 * - `adapters`: the hosts of the user's host configuration first (`HostConfig`:
 *   `~/.config/ociauth/hosts.json`, or `$OCIAUTH_HOSTS_FILE`), then yours, then
 *   every built-in one (`Builtins.adapters`);
 * - `insecure`: yours and the hosts the host configuration declares insecure;
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
 * Builds the façade with the batteries (see `RegistryFetchOptions`). The host
 * configuration is read once, on the first request
 * (`NodeRegistryClient.readHostConfig`); one that cannot be read rejects every
 * request with its `HostConfigError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRegistryFetch = (options: RegistryFetchOptions = {}): RegistryFetch => {
  Thin.validateOptions(options)
  const adapters = Builtins.withBuiltins(options.adapters)
  const credentials = options.credentialProvider === undefined && options.credentials === undefined
    ? { credentialProvider: NodeCredentials.layer }
    : {}
  let built: Promise<Thin.RegistryFetch> | undefined
  let closed = false
  const inner = () =>
    built ??= Effect.runPromise(NodeRegistryClient.readHostConfig(adapters)).then((configured) =>
      Thin.makeRegistryFetch({
        ...options,
        ...credentials,
        adapters: [...configured.adapters, ...adapters],
        ...(options.insecure === undefined && configured.insecure.length === 0
          ? {}
          : { insecure: [...(options.insecure ?? []), ...configured.insecure] })
      })
    )
  const registryFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (closed) throw new Thin.RegistryFetchClosed()
    return (await inner())(input, init)
  }
  return Object.assign(registryFetch, {
    close: async () => {
      closed = true
      const made = await built?.catch(() => undefined)
      await made?.close()
    }
  })
}
