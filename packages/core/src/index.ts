/**
 * @since 0.1.0
 */

/**
 * `WWW-Authenticate` challenges: parser, Bearer/Basic views, formatter.
 *
 * @since 0.1.0
 */
export * as Challenge from "./Challenge.js"

/**
 * What the client authenticates with.
 *
 * @since 0.1.0
 */
export * as Credential from "./Credential.js"

/**
 * Docker image references and their normalisation.
 *
 * @since 0.1.0
 */
export * as Reference from "./Reference.js"

/**
 * The typed errors.
 *
 * @since 0.1.0
 */
export * as RegistryError from "./RegistryError.js"

/**
 * Access scopes: grammar, merge, inference from requests.
 *
 * @since 0.1.0
 */
export * as Scope from "./Scope.js"

/**
 * Registry tokens: response schema, lifetime, granted scopes.
 *
 * @since 0.1.0
 */
export * as Token from "./Token.js"
