/**
 * A pull budget shared by a fleet, for registries that count pulls (Docker Hub's
 * `ratelimit-limit` / `ratelimit-remaining: 100;w=21600`). An `HttpClient`
 * middleware for the transport under the runtime: every process that sees the
 * headers feeds one budget per registry host in Redis (the lowest remaining seen
 * in the window, less the pulls in flight across the fleet), so that the fleet
 * stops before the registry answers 429. Until a first answer tells the budget,
 * one pull at a time goes out. A 429 (or 503) with `Retry-After` pauses every
 * request of every process to that host until it has passed.
 *
 * A request that would have to wait longer than `maxWait` for the budget or a
 * pause is answered locally, without being sent: a 429 with `Retry-After` and
 * an `ociauth-ratelimit: local` header, which callers handle as any 429. If
 * Redis fails, the limiter steps aside.
 *
 * Why not `@effect/experimental`'s `RateLimiter` (Redis store): it enforces a
 * limit and a refill rate set in advance, while this budget is what the registry
 * reports and a pause the registry asks for.
 *
 * @example
 * ```ts
 * import { Authenticator } from "@ociauth/core"
 * import { RegistryClient } from "@ociauth/fetch"
 * import { RedisConnection, RedisRateLimit } from "@ociauth/redis"
 * import { Layer } from "effect"
 *
 * // the registry transport goes through the fleet's budget; token requests do not count
 * const Transport = RedisRateLimit.layer().pipe(
 *   Layer.provide(RegistryClient.layerFetchTransport),
 *   Layer.provide(RedisConnection.layer("redis://127.0.0.1:6379"))
 * )
 * const Client = RegistryClient.layer.pipe(Layer.provide(Authenticator.layer()), Layer.provide(Transport))
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Duration } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as internal from "./internal/rateLimit.js"
import { RedisConnection } from "./RedisConnection.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Prefix of every Redis key; default `ociauth:`. */
  readonly prefix?: string
  /** Pulls kept back from what the registry reports (for other clients on the same account or IP); default 0. */
  readonly reserve?: number
  /** Longest a request waits for the budget or a pause before it is answered 429 locally; default 60 s. */
  readonly maxWait?: Duration.Input
  /** How long a pull counts as in flight without an answer (a process that died); default 30 s. */
  readonly lease?: Duration.Input
  /** How often a waiting request looks again; default 50 ms. */
  readonly pollInterval?: Duration.Input
  /** How long one Redis command may take before the limiter steps aside; default 2 s. */
  readonly commandTimeout?: Duration.Input
  /** Which requests spend the budget; default `isPull` (GET of a manifest). */
  readonly isPull?: (request: HttpClientRequest.HttpClientRequest) => boolean
}

/**
 * A GET of a manifest: what Docker Hub counts as a pull.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isPull: (request: HttpClientRequest.HttpClientRequest) => boolean = internal.isPull

/**
 * The middleware, on the Redis connection in context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<(client: HttpClient.HttpClient) => HttpClient.HttpClient, never, RedisConnection> =>
  Effect.map(RedisConnection, (redis) => internal.make(redis, options))

/**
 * Wraps the `HttpClient` in context (the registry transport) with the fleet's budget.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient | RedisConnection> =>
  Layer.effect(HttpClient.HttpClient, Effect.zipWith(make(options), HttpClient.HttpClient, (limit, client) => limit(client)))
