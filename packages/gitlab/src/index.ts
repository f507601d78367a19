/**
 * @since 0.2.0
 */

/**
 * The the GitLab container registry (registry.gitlab.com and self-managed) adapter.
 *
 * @since 0.2.0
 */
export * as GitLab from "./GitLab.js"
