/**
 * The name a shared store keeps an entry under: the SHA-256 of the engine's key
 * (realm, service, scopes and a digest of the credential identity), in hex. It
 * reveals nothing of the key, and the same key gets the same name in every
 * process.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Hex from "effect/encoding/Hex"

/**
 * @since 0.2.0
 * @category constructors
 */
export const digest = (key: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))).pipe(
    Effect.map((bytes) => Hex.encode(new Uint8Array(bytes)))
  )
