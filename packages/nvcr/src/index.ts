/**
 * @since 0.2.0
 */

/**
 * The NVIDIA NGC (nvcr.io) adapter.
 *
 * @since 0.2.0
 */
export * as Nvcr from "./Nvcr.js"
