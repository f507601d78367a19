/**
 * @since 0.2.0
 */

/**
 * The Harbor adapter.
 *
 * @since 0.2.0
 */
export * as Harbor from "./Harbor.js"
