/**
 * Values encrypted at rest with a key the user provides: AES-256-GCM through
 * WebCrypto, a random 96-bit IV per value, and the entry's name as additional
 * data (a value copied under another name does not decrypt). The AES key is
 * derived from the secret with HKDF-SHA-256, so any high-entropy secret works,
 * and a password is not stretched: the secret must hold at least 32 bytes
 * (`MIN_KEY_BYTES`), or `make` fails with a `KeyError`. Make one with
 * `openssl rand -base64 32` or
 * `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64'))"`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Base64 from "effect/encoding/Base64"
import * as Base64Url from "effect/encoding/Base64Url"
import * as Hex from "effect/encoding/Hex"

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

/**
 * The fewest bytes a secret may hold (after decoding, for an encoded one).
 *
 * @since 0.3.0
 * @category constants
 */
export const MIN_KEY_BYTES = 32

/**
 * How a text secret is read: its UTF-8 bytes (`text`, the default), or the bytes
 * it encodes (`base64`, standard or URL-safe, as `openssl rand -base64 32` prints;
 * `hex`, as `openssl rand -hex 32` prints).
 *
 * @since 0.3.0
 * @category models
 */
export type KeyEncoding = "text" | "base64" | "hex"

/**
 * A secret that cannot protect the store: shorter than `MIN_KEY_BYTES`
 * (`TooShort`; an empty one included), or not in the encoding it was declared
 * in (`Encoding`). Holds lengths only, never the secret.
 *
 * @since 0.3.0
 * @category errors
 */
export class KeyError extends Schema.TaggedError<KeyError>("@ociauth/redis/KeyError")("KeyError", {
  reason: Schema.Literals(["TooShort", "Encoding"]),
  encoding: Schema.Literals(["text", "base64", "hex", "bytes"]),
  bytes: Schema.Number
}) {
  /** @since 0.3.0 */
  override get message(): string {
    const how = "make one with `openssl rand -base64 32`"
    return this.reason === "Encoding"
      ? `The store's encryption key is not valid ${this.encoding}: ${how}`
      : `The store's encryption key holds ${this.bytes} bytes (${this.encoding}); at least ${MIN_KEY_BYTES} random bytes are needed: ${how}`
  }
}

/**
 * The bytes of a secret, checked: at least `MIN_KEY_BYTES`, and a text secret
 * declared `base64` or `hex` must be exactly that.
 *
 * @since 0.3.0
 * @category constructors
 */
export const keyBytes = (
  secret: Redacted.Redacted<string | Uint8Array>,
  encoding: KeyEncoding = "text"
): Result.Result<Uint8Array, KeyError> => {
  const raw = Redacted.value(secret)
  const decoded: Result.Result<Uint8Array, KeyError> = typeof raw !== "string"
    ? raw instanceof Uint8Array
      ? Result.succeed(new Uint8Array(raw))
      : Result.fail(new KeyError({ reason: "Encoding", encoding: "bytes", bytes: 0 }))
    : encoding === "text"
    ? Result.succeed(new TextEncoder().encode(raw))
    : decodeText(raw.trim(), encoding)
  return Result.flatMap(decoded, (bytes) =>
    bytes.length >= MIN_KEY_BYTES
      ? Result.succeed(bytes)
      : Result.fail(new KeyError({ reason: "TooShort", encoding: typeof raw === "string" ? encoding : "bytes", bytes: bytes.length }))
  )
}

const decodeText = (text: string, encoding: "base64" | "hex"): Result.Result<Uint8Array, KeyError> => {
  const invalid = () => new KeyError({ reason: "Encoding", encoding, bytes: 0 })
  if (encoding === "hex") return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Result.mapError(Hex.decode(text), invalid) : Result.fail(invalid())
  // Strict: one alphabet (standard or URL-safe) and its padding; the decoder alone would skip what it does not know.
  if (!/^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/.test(text)) return Result.fail(invalid())
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")
  if (standard.length % 4 === 1) return Result.fail(invalid())
  return Result.mapError(Base64.decode(standard.padEnd(Math.ceil(standard.length / 4) * 4, "=")), invalid)
}

const INFO = new TextEncoder().encode("ociauth token store v1")

/**
 * A cipher for a secret (text, or raw bytes) of at least `MIN_KEY_BYTES`;
 * `encoding` says how a text secret is read (default: its UTF-8 bytes).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (secret: Redacted.Redacted<string | Uint8Array>, encoding?: KeyEncoding): Effect.Effect<Cipher, KeyError> =>
  Effect.gen(function* () {
    const material = new Uint8Array(yield* Effect.fromResult(keyBytes(secret, encoding)))
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
          return VERSION + Base64Url.encode(out)
        }),
      decrypt: (sealed, name) => {
        // Whatever a store read back: anything but a sealed string is a miss.
        if (typeof sealed !== "string" || !sealed.startsWith(VERSION)) return Effect.succeedNone
        const bytes = Base64Url.decode(sealed.slice(VERSION.length))
        if (Result.isFailure(bytes) || bytes.success.length < 12 + 16) return Effect.succeedNone
        const iv = bytes.success.slice(0, 12)
        const data = bytes.success.slice(12)
        return Effect.tryPromise(() => crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad(name) }, key, data)).pipe(
          Effect.map((plain) => Option.some(new TextDecoder().decode(plain))),
          Effect.orElseSucceed(() => Option.none<string>())
        )
      }
    }
  })
