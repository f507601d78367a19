/**
 * A weak encryption key is a typed configuration error when the store's layer is
 * built: anyone who can read Redis could otherwise decrypt and forge tokens.
 */
import { assert, describe, it } from "@effect/vitest"
import { TokenStore } from "@ociauth/core"
import { Encryption, RedisConnection, RedisTokenStore } from "@ociauth/redis"
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { Base64, Base64Url, Hex } from "effect/encoding"

// Never connects: the key is checked before the store touches Redis.
const Offline = RedisConnection.layer({ host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })

const build = <E>(layer: Layer.Layer<TokenStore.TokenStore, E, RedisConnection.RedisConnection>) =>
  Effect.scoped(Effect.exit(Layer.build(layer.pipe(Layer.provide(Offline)))))

const keyError = <E>(exit: Exit.Exit<unknown, E>): Encryption.KeyError => {
  assert.isTrue(Exit.isFailure(exit), "the layer was built")
  const failure = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
  assert.isTrue(Option.isSome(failure), "not a typed failure")
  const error = Option.getOrThrow(failure)
  assert.instanceOf(error, Encryption.KeyError)
  return error as Encryption.KeyError
}

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n))

describe("weak store keys", () => {
  const cases: ReadonlyArray<readonly [string, Redacted.Redacted<string | Uint8Array>, Encryption.KeyEncoding | undefined, "TooShort" | "Encoding"]> = [
    ["empty", Redacted.make(""), undefined, "TooShort"],
    ["31 bytes of text", Redacted.make("a".repeat(31)), undefined, "TooShort"],
    ["31 raw bytes", Redacted.make(bytes(31)), undefined, "TooShort"],
    ["base64 of 31 bytes", Redacted.make(Base64.encode(bytes(31))), "base64", "TooShort"],
    ["not base64", Redacted.make("this is not base64 !!! but long enough to pass"), "base64", "Encoding"],
    ["mixed base64 alphabets", Redacted.make(Base64.encode(bytes(33)).slice(0, -4) + "-_+/"), "base64", "Encoding"],
    ["hex of 31 bytes", Redacted.make(Hex.encode(bytes(31))), "hex", "TooShort"],
    ["not hex", Redacted.make("zz".repeat(40)), "hex", "Encoding"],
    ["odd hex", Redacted.make("a".repeat(65)), "hex", "Encoding"],
    ["not text or bytes", Redacted.make(12345 as unknown as string), undefined, "Encoding"]
  ]
  for (const [name, key, keyEncoding, reason] of cases) {
    it.effect(`${name}: KeyError (${reason}) when the layer is built, without the secret in it`, () =>
      Effect.gen(function* () {
        const error = keyError(yield* build(RedisTokenStore.layer({ key, ...(keyEncoding ? { keyEncoding } : {}) })))
        assert.strictEqual(error.reason, reason)
        assert.include(error.message, "openssl rand -base64 32")
        const secret = String(Redacted.value(key))
        if (secret.length > 0) assert.notInclude(`${error.message} ${JSON.stringify(error)}`, secret)
      }))
  }

  it.effect("32 bytes and more are accepted: text, raw bytes, base64 (both alphabets, padded or not) and hex", () =>
    Effect.gen(function* () {
      const raw = bytes(32)
      const accepted = [
        RedisTokenStore.layer({ key: Redacted.make("b".repeat(32)) }),
        RedisTokenStore.layer({ key: Redacted.make(raw) }),
        RedisTokenStore.layer({ key: Redacted.make(Base64.encode(raw)), keyEncoding: "base64" }),
        RedisTokenStore.layer({ key: Redacted.make(Base64Url.encode(raw)), keyEncoding: "base64" }),
        RedisTokenStore.layer({ key: Redacted.make(` ${Hex.encode(raw)}\n`), keyEncoding: "hex" })
      ]
      for (const layer of accepted) assert.isTrue(Exit.isSuccess(yield* build(layer)))
    }))

  it.effect("layerConfig: a missing variable is a ConfigError, a short one a KeyError, a good one a store", () =>
    Effect.gen(function* () {
      const layer = RedisTokenStore.layerConfig({ key: Config.Redacted("OCIAUTH_STORE_KEY") })
      const withEnv = (env: Record<string, string>) =>
        // empty values are values here (as in an environment where the variable is set but empty)
        build(layer).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env, preserveEmptyStrings: true })))
      const missing = yield* withEnv({})
      assert.isTrue(Exit.isFailure(missing))
      const failure = Exit.isFailure(missing) ? Cause.findErrorOption(missing.cause) : Option.none()
      assert.isTrue(Option.isSome(failure) && !(failure.value instanceof Encryption.KeyError), "a ConfigError")
      assert.strictEqual(keyError(yield* withEnv({ OCIAUTH_STORE_KEY: "short" })).reason, "TooShort")
      assert.strictEqual(keyError(yield* withEnv({ OCIAUTH_STORE_KEY: "" })).reason, "TooShort")
      assert.isTrue(Exit.isSuccess(yield* withEnv({ OCIAUTH_STORE_KEY: Base64.encode(bytes(32)) })))
    }))

  it.effect("Encryption.make checks the key too", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Encryption.make(Redacted.make("x".repeat(16))))
      assert.strictEqual(keyError(exit).bytes, 16)
    }))
})
