/**
 * @since 0.1.0
 */

/**
 * Typed events of the auth flow, for observers.
 *
 * @since 0.1.0
 */
export * as AuthEvent from "./AuthEvent.js"

/**
 * The auth engine: token acquisition, cache, refresh, retry.
 *
 * @since 0.1.0
 */
export * as Authenticator from "./Authenticator.js"

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
 * Where credentials come from.
 *
 * @since 0.1.0
 */
export * as CredentialProvider from "./CredentialProvider.js"

/**
 * Where credentials are written (login, logout): docker's config and its helpers.
 *
 * @since 0.2.0
 */
export * as CredentialStore from "./CredentialStore.js"

/**
 * Where issued tokens are kept.
 *
 * @since 0.2.0
 */
export * as TokenStore from "./TokenStore.js"

/**
 * Docker image references and their normalisation.
 *
 * @since 0.1.0
 */
export * as Reference from "./Reference.js"

/**
 * The plugin registry: host → adapter.
 *
 * @since 0.1.0
 */
export * as Registries from "./Registries.js"

/**
 * The declarative plugin contract for a registry's quirks.
 *
 * @since 0.1.0
 */
export * as RegistryAdapter from "./RegistryAdapter.js"

/**
 * The typed errors.
 *
 * @since 0.1.0
 */
export * as RegistryError from "./RegistryError.js"

/**
 * The SDK's HTTP rules as `HttpClient` combinators: retry, safe redirects.
 *
 * @since 1.0.0
 */
export * as RegistryHttp from "./RegistryHttp.js"

/**
 * The bounded retry policy that honours Retry-After.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"

/**
 * Where credentials may go: the realm rule.
 *
 * @since 0.2.0
 */
export * as Realm from "./Realm.js"

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

