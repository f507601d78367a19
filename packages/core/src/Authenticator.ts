/**
 * The auth engine: answers a challenge with an `Authorization` for the scopes a
 * request needs.
 *
 * The engine owns token acquisition: it never learns challenges (the runtime's
 * `ChallengeStore` does) and never widens scopes (the request's scopes are
 * final). Bearer challenges go to the token endpoint (GET with `service` and one `scope`
 * per scope; OAuth2 POST for identity tokens or when the adapter asks, falling
 * back to GET), after the realm has been validated and before any credential is
 * sent. Tokens are kept in the `TokenStore` by (realm, service, merged scopes,
 * credential identity digest) with exactly one request in flight per key, renewed in the
 * background before they expire, and reused for any request whose scopes they
 * cover. A JWT whose `access` claim grants less than needed fails with
 * `InsufficientScope` instead of sending a request that must fail. Transient
 * failures are retried on a bounded `Schedule` that honours `Retry-After`.
 * Basic challenges (ECR, htpasswd) are answered with the Basic credential.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "effect/http/HttpClient"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Duration } from "effect"
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
  /** Where it came from, so that `invalidate` drops the right token and credential. No secret. */
  readonly source: {
    /** The credential's key (adapter and credential host). */
    readonly credential: string
    /** The token store key, when a token server issued the token. */
    readonly token?: string
  }
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
  /** The origin's challenge: realm and service (its scope, if any, is not used). */
  readonly challenge: AuthChallenge
  /** Exactly the scopes the request needs (see `RegistryAdapter.scopesFor` and `challengeScopes`). */
  readonly scopes: ReadonlyArray<Scope>
  /**
   * Scopes worth asking for in the same token, none of them required (an access
   * plan: the repositories the program will touch next). Where the token server
   * grants less than `scopes` of such a token, a token for `scopes` alone is asked
   * for instead; on a refusal they are dropped.
   */
  readonly optional?: ReadonlyArray<Scope>
  /** The registry host credentials are looked up for; defaults to the origin's host. */
  readonly host?: string
  /** An authorization the registry just refused: it is dropped, and never handed out again. */
  readonly refused?: Authorization
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly authorize: (request: AuthorizeRequest) => Effect.Effect<Authorization, RegistryError>
  /**
   * Forgets what the registry refused: the token (`invalid_token`), or for a Basic
   * answer the credential itself, so that the next `authorize` asks its source again.
   */
  readonly invalidate: (authorization: Authorization) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Authenticator extends Context.Service<Authenticator, Service>()("@ociauth/core/Authenticator") {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries of the token request; default `Retry.defaultPolicy`. */
  readonly retry?: Retry.Policy
  /** Time allowed for the token endpoint's headers, and again for its body; default 30 s. */
  readonly requestTimeout?: Duration.Input
  /** Largest token response accepted; default 256 KiB. */
  readonly maxResponseBytes?: number
  /** Renew when this share of the lifetime is left (default 0.1)… */
  readonly refreshRatio?: number
  /** …or this long before expiry, whichever is earlier (default 5 s; never more than half the lifetime). */
  readonly refreshMinimum?: Duration.Input
  /** Never hand out a token that expires within this leeway (default 1 s; at most a quarter of its lifetime). */
  readonly expiryLeeway?: Duration.Input
  /** Capacity of the in-memory token store used when no `TokenStore` is provided; default 1,000. */
  readonly maxCacheEntries?: number
  /** How long a credential without an expiry is used before its source is asked again; default 5 minutes. */
  readonly credentialLifetime?: Duration.Input
  /** Hosts (`host[:port]`) that may receive credentials over plain HTTP, realms included. Loopback always may. */
  readonly insecure?: ReadonlyArray<string>
  /**
   * Token requests carry the tracer's propagation headers (`traceparent`, `b3`)
   * only to these realm hosts (`host[:port]`), or to all with `true`; default
   * none: a realm is a third party. Spans are recorded either way.
   *
   * @since 0.3.0
   */
  readonly tracePropagation?: boolean | ReadonlyArray<string>
}

/**
 * Builds the service: tokens in the `TokenStore` in context (in memory when none
 * is provided), credentials from the `CredentialProvider` and the adapters'
 * sources, each cached until shortly before it expires. In-flight and background
 * requests are tied to the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Service, never, HttpClient.HttpClient | Registries | CredentialProvider | import("effect").Scope.Scope> =
  internal.make

/**
 * The engine as a layer: one per program, shared by every client.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "effect/http"
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
  Layer.effect(Authenticator, internal.make(options))
