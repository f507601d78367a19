/**
 * @since 0.2.0
 */

/**
 * The Quay (quay.io and self-hosted Quay) adapter.
 *
 * @since 0.2.0
 */
export * as Quay from "./Quay.js"
