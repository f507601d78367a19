/**
 * @since 0.1.0
 */

/**
 * The Docker Hub adapter.
 *
 * @since 0.1.0
 */
export * as DockerHub from "./DockerHub.js"
