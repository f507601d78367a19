/**
 * @since 0.1.0
 */

/**
 * The Google Artifact Registry and gcr.io adapter.
 *
 * @since 0.1.0
 */
export * as Gar from "./Gar.js"

/**
 * Google's registry hosts: Artifact Registry locations, regional endpoints, the gcr.io family.
 *
 * @since 0.1.0
 */
export * as GarHost from "./GarHost.js"

/**
 * The Google side: the `AuthClient` shape, its service, the token scope.
 *
 * @since 0.1.0
 */
export * as Google from "./Google.js"
