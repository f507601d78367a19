/**
 * @since 0.1.0
 */

/**
 * The Amazon ECR adapter.
 *
 * @since 0.1.0
 */
export * as Ecr from "./Ecr.js"

/**
 * ECR passwords from `ecr:GetAuthorizationToken` (the AWS SDK, an optional peer).
 *
 * @since 0.1.0
 */
export * as EcrClient from "./EcrClient.js"

/**
 * ECR registry hosts: account, region and endpoint flavour.
 *
 * @since 0.1.0
 */
export * as EcrHost from "./EcrHost.js"

/**
 * The answers of `GetAuthorizationToken`, decoded into credentials.
 *
 * @since 0.1.0
 */
export * as AuthorizationToken from "./AuthorizationToken.js"
