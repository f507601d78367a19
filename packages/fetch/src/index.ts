/**
 * @since 0.1.0
 */

/**
 * Rate-limit headers as data.
 *
 * @since 0.1.0
 */
export * as RateLimit from "./RateLimit.js"

/**
 * The HttpClient middleware: the registry auth flow around any HttpClient.
 *
 * @since 0.1.0
 */
export * as RegistryClient from "./RegistryClient.js"

/**
 * The Promise `fetch` façade.
 *
 * @since 0.1.0
 */
export * as RegistryFetch from "./RegistryFetch.js"

export {
  /**
   * A WHATWG `fetch` that authenticates against OCI registries.
   *
   * @since 0.1.0
   * @category constructors
   */
  makeRegistryFetch
} from "./RegistryFetch.js"
