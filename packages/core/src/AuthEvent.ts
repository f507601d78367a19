/**
 * What the auth engine and the runtime do, as typed events: challenges learned,
 * token requests, grants, cache hits, refreshes, retries, redirects. Provide an
 * `AuthEvents` handler to watch the flow (the demo prints it); without one,
 * emitting costs nothing. Events carry no secret.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { DateTime } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export type AuthEvent = Data.TaggedEnum<{
  /** A 401 taught the runtime the challenge of an origin. */
  ChallengeDiscovered: { readonly origin: string; readonly challenge: string }
  /** A token is being requested from a realm. */
  TokenRequested: {
    readonly realm: string
    readonly service: string | undefined
    readonly scopes: ReadonlyArray<string>
    readonly method: "GET" | "POST"
    readonly credential: string
  }
  /** The POST grant was refused or not understood; falling back to GET. */
  TokenPostFallback: { readonly realm: string; readonly status: number | undefined }
  /** A token was issued. `granted` is the JWT `access` claim, when the token is a JWT. */
  TokenIssued: {
    readonly realm: string
    readonly scopes: ReadonlyArray<string>
    readonly granted: Option.Option<ReadonlyArray<string>>
    readonly expiresAt: DateTime.Utc
  }
  /** A cached token served the request. */
  TokenCacheHit: { readonly realm: string; readonly scopes: ReadonlyArray<string> }
  /** A token near its expiry is being renewed in the background. */
  TokenRefreshAhead: { readonly realm: string; readonly scopes: ReadonlyArray<string> }
  /** A token was dropped after the registry refused it. */
  TokenInvalidated: { readonly realm: string; readonly scopes: ReadonlyArray<string> }
  /** A renewal in the background failed; the current token or credential is kept while it is valid. */
  RefreshFailed: { readonly what: "token" | "credential"; readonly target: string; readonly reason: string }
  /** A transient failure; the request will be retried. */
  Retrying: { readonly target: string; readonly reason: string }
  /** A redirect was followed; `authorization` says whether credentials went along. */
  Redirected: { readonly from: string; readonly to: string; readonly authorization: boolean }
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const AuthEvent = Data.taggedEnum<AuthEvent>()

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class AuthEvents extends Context.Service<AuthEvents, Service>()("@ociauth/core/AuthEvents") {}

/**
 * A handler from a function.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (handler: (event: AuthEvent) => Effect.Effect<void>): Layer.Layer<AuthEvents> =>
  Layer.succeed(AuthEvents, { emit: handler })

/**
 * An emit function (see `emitter`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Emitter {
  (event: AuthEvent): Effect.Effect<void>
  /**
   * Whether an event emitted from a fiber whose context is `context` reaches a
   * handler: a hot path builds no event that nobody reads.
   */
  readonly observedIn: (context: Context.Context<never>) => boolean
}

/** Emits to the `AuthEvents` handler in context, if any. */
const emit = (event: AuthEvent): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(AuthEvents), (handler) =>
    Option.isSome(handler) ? handler.value.emit(event) : Effect.void
  )

/**
 * An emit function bound to the handler in context now (when a service is
 * built), falling back to the handler in context at each emission.
 *
 * @since 0.1.0
 * @category constructors
 */
export const emitter: Effect.Effect<Emitter> = Effect.map(Effect.serviceOption(AuthEvents), (captured) =>
  Object.assign((event: AuthEvent) => (Option.isSome(captured) ? captured.value.emit(event) : emit(event)), {
    observedIn: (context: Context.Context<never>) => Option.isSome(captured) || Option.isSome(Context.getOption(context, AuthEvents))
  })
)
