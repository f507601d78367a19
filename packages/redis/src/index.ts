/**
 * @since 0.2.0
 */

/**
 * AES-256-GCM encryption at rest with a key the user provides.
 *
 * @since 0.2.0
 */
export * as Encryption from "./Encryption.js"

/**
 * A challenge store on Redis: discovery once per origin for the fleet.
 *
 * @since 0.2.0
 */
export * as RedisChallengeStore from "./RedisChallengeStore.js"

/**
 * The ioredis client the Redis stores share.
 *
 * @since 0.2.0
 */
export * as RedisConnection from "./RedisConnection.js"

/**
 * A token store on Redis: tokens shared by a fleet, one token request across it.
 *
 * @since 0.2.0
 */
export * as RedisTokenStore from "./RedisTokenStore.js"

/**
 * A pull budget shared by a fleet, fed by the registry's rate-limit headers.
 *
 * @since 0.2.0
 */
export * as RedisRateLimit from "./RedisRateLimit.js"
