/**
 * @since 0.2.0
 */

/**
 * The Zot adapter.
 *
 * @since 0.2.0
 */
export * as Zot from "./Zot.js"
