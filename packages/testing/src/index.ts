/**
 * @since 0.1.0
 */

/**
 * A stand-in for the Amazon ECR and ECR Public APIs (`GetAuthorizationToken`,
 * AWS JSON 1.1, SigV4-checked) to point the real AWS SDK at.
 *
 * @since 0.2.0
 */
export * as AwsEcrApi from "./AwsEcrApi.js"
export * as Budget from "./Budget.js"

/**
 * A real docker credential helper executable (get, store, erase) for tests.
 *
 * @since 0.2.0
 */
export * as CredentialHelperScript from "./CredentialHelperScript.js"

/**
 * Starts the real CNCF distribution registry against a TokenServer.
 *
 * @since 0.1.0
 */
export * as DistributionRegistry from "./DistributionRegistry.js"

/**
 * A docker config file in a temporary directory, for credential tests.
 *
 * @since 0.2.0
 */
export * as DockerConfigFile from "./DockerConfigFile.js"

/**
 * Microsoft Entra ID played in-process: a counting `TokenCredential` and the verifier ACR's exchange takes.
 *
 * @since 0.2.0
 */
export * as EntraStandIn from "./EntraStandIn.js"

/**
 * Fault injection for the test servers.
 *
 * @since 0.1.0
 */
export * as Faults from "./Faults.js"

/**
 * Google's OAuth2 token endpoint on loopback, for the real google-auth-library and test-built clients.
 *
 * @since 0.2.0
 */
export * as GoogleOAuthServer from "./GoogleOAuthServer.js"

/**
 * Small OCI images (layers, config, manifest) with their digests.
 *
 * @since 0.1.0
 */
export * as Image from "./Image.js"

/**
 * A registry's behaviour as data, for the emulator.
 *
 * @since 0.2.0
 */
export * as Profile from "./Profile.js"

/**
 * The built-in emulator profiles by name.
 *
 * @since 0.2.0
 */
export * as Profiles from "./profiles/index.js"

/**
 * An in-process registry with profiles: distribution, Docker Hub, GHCR, Quay, GitLab, Harbor, NGC, Artifactory, Zot, ECR, ECR Public, ACR, GAR.
 *
 * @since 0.1.0
 */
export * as RegistryEmulator from "./RegistryEmulator.js"

/**
 * Starts a real redis-server on a free loopback port, without persistence.
 *
 * @since 0.2.0
 */
export * as RedisServer from "./RedisServer.js"

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
