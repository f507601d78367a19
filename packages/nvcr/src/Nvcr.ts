/**
 * NVIDIA NGC, nvcr.io (registry reference §15).
 * - the token endpoint is `https://nvcr.io/proxy_auth`, known in advance; its
 *   challenges name no stable `service`, so none is sent;
 * - the username is the literal `$oauthtoken` and the password an NGC API key,
 *   as `docker login nvcr.io` stores them;
 * - public images pull anonymously;
 * - `GET` only.
 *
 * @since 0.2.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import type { Layer } from "effect"

/**
 * @since 0.2.0
 * @category constants
 */
export const host = "nvcr.io"

/**
 * @since 0.2.0
 * @category constants
 */
export const realm = "https://nvcr.io/proxy_auth"

/**
 * The username NGC API keys go with.
 *
 * @since 0.2.0
 * @category constants
 */
export const apiKeyUsername = "$oauthtoken"

/**
 * The adapter for nvcr.io.
 *
 * @since 0.2.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = RegistryAdapter.make({
  name: "nvcr",
  hosts: [host],
  challenge: { scheme: "bearer", realm, scopes: [] },
  tokenRequest: { method: "get" }
})

/**
 * Provides the adapter to `Registries`, behind the user's own.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer([adapter], { priority: -1 })
