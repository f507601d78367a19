/**
 * @since 0.1.0
 */

/**
 * The Azure Container Registry adapter.
 *
 * @since 0.1.0
 */
export * as Acr from "./Acr.js"

/**
 * ACR host names: login servers, sovereign clouds, geo-replicas, data endpoints.
 *
 * @since 0.1.0
 */
export * as AcrHost from "./AcrHost.js"

/**
 * The Microsoft Entra ID side: `TokenCredential`, its service, ACR's scope.
 *
 * @since 0.1.0
 */
export * as Entra from "./Entra.js"
