/**
 * @since 0.1.0
 */

/**
 * The GitHub Container Registry adapter.
 *
 * @since 0.1.0
 */
export * as Ghcr from "./Ghcr.js"
