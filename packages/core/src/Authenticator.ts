/**
 * The auth engine: answers a challenge with an `Authorization` for the scopes a
 * request needs.
 *
 * Bearer challenges go to the token endpoint (GET with `service` and one `scope`
 * per scope; OAuth2 POST for identity tokens or when the adapter asks, falling
 * back to GET), after the realm has been validated and before any credential is
 * sent. Tokens are cached by (realm, service, merged scopes, credential
 * identity) with exactly one request in flight per key, renewed in the
 * background before they expire, and reused for any request whose scopes they
 * cover. A JWT whose `access` claim grants less than needed fails with
 * `InsufficientScope` instead of sending a request that must fail. Transient
 * failures are retried on a bounded `Schedule` that honours `Retry-After`.
 * Basic challenges (ECR, htpasswd) are answered with the Basic credential.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Context, Duration, Layer, Option, Redacted } from "effect"
import type { Effect } from "effect"
import type { CredentialProvider } from "./CredentialProvider.js"
import type { AuthChallenge } from "./Challenge.js"
import * as internal from "./internal/authenticator.js"
import type { Registries } from "./Registries.js"
import type { RegistryError } from "./RegistryError.js"
import type * as Retry from "./Retry.js"
import type { Scope } from "./Scope.js"
import type { Token } from "./Token.js"

/**
 * What to put in the `Authorization` header.
 *
 * @since 0.1.0
 * @category models
 */
export interface Authorization {
  readonly scheme: "Bearer" | "Basic"
  /** The credentials part of the header: the token, or base64 of `user:password`. */
  readonly credentials: Redacted.Redacted<string>
  /** The token, when one was issued by a token server. */
  readonly token: Option.Option<Token>
}

/**
 * The header value. This is the one place a secret leaves its `Redacted`: call it
 * only to set the header of the request that needs it.
 *
 * @since 0.1.0
 * @category getters
 */
export const headerValue = (authorization: Authorization): string =>
  `${authorization.scheme} ${Redacted.value(authorization.credentials)}`

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthorizeRequest {
  /** The registry API origin the request goes to, e.g. `https://registry-1.docker.io`. */
  readonly origin: string
  readonly challenge: AuthChallenge
  /** The scopes the request needs; merged with the challenge's when the adapter trusts it. */
  readonly scopes: ReadonlyArray<Scope>
  /** The registry host credentials are looked up for; defaults to the origin's host. */
  readonly host?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly authorize: (request: AuthorizeRequest) => Effect.Effect<Authorization, RegistryError>
  /** Forgets a token the registry refused (`invalid_token`), so the next `authorize` fetches anew. */
  readonly invalidate: (authorization: Authorization) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Authenticator extends Context.Tag("@ociauth/core/Authenticator")<Authenticator, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries of the token request; default `Retry.defaultPolicy`. */
  readonly retry?: Retry.Policy
  /** Time allowed for one token request; default 30 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Largest token response accepted; default 256 KiB. */
  readonly maxResponseBytes?: number
  /** Renew when this share of the lifetime is left (default 0.1)… */
  readonly refreshRatio?: number
  /** …or this long before expiry, whichever is earlier (default 5 s). */
  readonly refreshMinimum?: Duration.DurationInput
  /** Never hand out a token that expires within this leeway (default 1 s). */
  readonly expiryLeeway?: Duration.DurationInput
  /** Most tokens kept (least recently used go first); default 1,000. */
  readonly maxCacheEntries?: number
}

/**
 * Builds the service; in-flight and background token requests are tied to the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Service, never, HttpClient.HttpClient | Registries | CredentialProvider | import("effect").Scope.Scope> =
  internal.make

/**
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
 *
 * const AuthLive = Authenticator.layer({ refreshMinimum: "10 seconds" }).pipe(
 *   Layer.provide([FetchHttpClient.layer, Registries.layerGeneric, CredentialProvider.layerAnonymous])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<Authenticator, never, HttpClient.HttpClient | Registries | CredentialProvider> =>
  Layer.scoped(Authenticator, internal.make(options))
