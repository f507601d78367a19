/**
 * @since 0.1.0
 */

/**
 * The Amazon ECR Public (public.ecr.aws) adapter.
 *
 * @since 0.1.0
 */
export * as EcrPublic from "./EcrPublic.js"

/**
 * ECR Public logins from `ecr-public:GetAuthorizationToken` (the AWS SDK, an optional peer).
 *
 * @since 0.1.0
 */
export * as EcrPublicClient from "./EcrPublicClient.js"
