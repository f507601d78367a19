/**
 * Values encrypted at rest with a key the user provides: AES-256-GCM through
 * WebCrypto, a random 96-bit IV per value, and the entry's name as additional
 * data (a value copied under another name does not decrypt). The AES key is
 * derived from the secret with HKDF-SHA-256, so any high-entropy secret works:
 * give at least 32 random bytes (e.g. `openssl rand -base64 32`); a password is
 * not stretched.
 *
 * @since 0.2.0
 */
import { Effect, Either, Encoding, Option, Redacted } from "effect"

/**
 * @since 0.2.0
 * @category models
 */
export interface Cipher {
  /** `v1.<base64url(iv ‖ ciphertext ‖ tag)>` */
  readonly encrypt: (plaintext: string, name: string) => Effect.Effect<string>
  /** `None` for anything that does not decrypt and authenticate under this key and name. */
  readonly decrypt: (sealed: string, name: string) => Effect.Effect<Option.Option<string>>
}

const VERSION = "v1."
const INFO = new TextEncoder().encode("ociauth token store v1")

/**
 * A cipher for a secret (text, or raw bytes).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (secret: Redacted.Redacted<string | Uint8Array>): Effect.Effect<Cipher> =>
  Effect.gen(function* () {
    const raw = Redacted.value(secret)
    const material = typeof raw === "string" ? new TextEncoder().encode(raw) : new Uint8Array(raw)
    const base = yield* Effect.promise(() => crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveKey"]))
    const key = yield* Effect.promise(() =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: INFO },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"]
      )
    )
    const aad = (name: string) => new TextEncoder().encode(name)
    return {
      encrypt: (plaintext, name) =>
        Effect.promise(async () => {
          const iv = crypto.getRandomValues(new Uint8Array(12))
          const sealed = new Uint8Array(
            await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(name) }, key, new TextEncoder().encode(plaintext))
          )
          const out = new Uint8Array(iv.length + sealed.length)
          out.set(iv)
          out.set(sealed, iv.length)
          return VERSION + Encoding.encodeBase64Url(out)
        }),
      decrypt: (sealed, name) => {
        if (!sealed.startsWith(VERSION)) return Effect.succeedNone
        const bytes = Encoding.decodeBase64Url(sealed.slice(VERSION.length))
        if (Either.isLeft(bytes) || bytes.right.length < 12 + 16) return Effect.succeedNone
        const iv = bytes.right.slice(0, 12)
        const data = bytes.right.slice(12)
        return Effect.tryPromise(() => crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad(name) }, key, data)).pipe(
          Effect.map((plain) => Option.some(new TextDecoder().decode(plain))),
          Effect.orElseSucceed(() => Option.none<string>())
        )
      }
    }
  })
