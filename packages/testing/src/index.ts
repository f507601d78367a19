/**
 * @since 0.1.0
 */

/**
 * Starts the real CNCF distribution registry against a TokenServer.
 *
 * @since 0.1.0
 */
export * as DistributionRegistry from "./DistributionRegistry.js"

/**
 * Fault injection for the test servers.
 *
 * @since 0.1.0
 */
export * as Faults from "./Faults.js"

/**
 * Small OCI images (layers, config, manifest) with their digests.
 *
 * @since 0.1.0
 */
export * as Image from "./Image.js"

/**
 * An in-process registry with distribution, Docker Hub and GHCR profiles.
 *
 * @since 0.1.0
 */
export * as RegistryEmulator from "./RegistryEmulator.js"

/**
 * The log of every request the test servers answered.
 *
 * @since 0.1.0
 */
export * as RequestLog from "./RequestLog.js"

/**
 * A spec-following token server issuing ES256 JWTs with an x5c chain.
 *
 * @since 0.1.0
 */
export * as TokenServer from "./TokenServer.js"
