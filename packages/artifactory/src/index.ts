/**
 * @since 0.2.0
 */

/**
 * The JFrog Artifactory adapter.
 *
 * @since 0.2.0
 */
export * as Artifactory from "./Artifactory.js"
