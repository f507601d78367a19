import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { Clock, Effect, Option, Schema } from "effect"
import { digest } from "../StoreKey.js"

/** What a file holds: the digest it was written for (a file copied under another name is refused), the expiry and the value. */
const Envelope = <A, I>(value: Schema.Schema<A, I>) =>
  Schema.parseJson(Schema.Struct({ v: Schema.Literal(1), key: Schema.String, expiresAt: Schema.Number, value }))

export interface Entries<A> {
  readonly get: (key: string) => Effect.Effect<Option.Option<A>>
  readonly set: (key: string, value: A, expiresAt: number) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
}

/**
 * Values with an expiry on a `KeyValueStore`, under `<prefix>-<sha256(key)>`.
 * An entry that cannot be read or decoded, or was written for another key, is a
 * miss; an expired one is a miss and is removed. Failures of the store are
 * logged and never reach the caller: a cache that cannot be used is empty.
 */
export const make = <A, I>(prefix: string, schema: Schema.Schema<A, I>): Effect.Effect<Entries<A>, never, KeyValueStore.KeyValueStore> =>
  Effect.map(KeyValueStore.KeyValueStore, (store): Entries<A> => {
    const envelope = Envelope(schema)
    const decode = Schema.decodeUnknownOption(envelope)
    const encode = Schema.encode(envelope)
    const name = (key: string) => Effect.map(digest(key), (hex) => `${prefix}-${hex}`)
    const quietly = (operation: string) => <X>(self: Effect.Effect<X, unknown>, fallback: X): Effect.Effect<X> =>
      Effect.catchAllCause(self, (cause) => Effect.as(Effect.logDebug(`ociauth store: ${operation} failed`, cause), fallback))
    return {
      get: (key) =>
        quietly("read")(
          Effect.gen(function* () {
            const id = yield* name(key)
            const text = yield* store.get(id)
            if (Option.isNone(text)) return Option.none()
            const entry = decode(text.value)
            if (Option.isNone(entry) || entry.value.key !== id) return Option.none()
            if ((yield* Clock.currentTimeMillis) >= entry.value.expiresAt) {
              yield* store.remove(id)
              return Option.none()
            }
            return Option.some(entry.value.value)
          }),
          Option.none()
        ),
      set: (key, value, expiresAt) =>
        quietly("write")(
          Effect.flatMap(name(key), (id) =>
            Effect.flatMap(encode({ v: 1, key: id, expiresAt, value }), (text) => store.set(id, text))
          ),
          undefined
        ),
      remove: (key) => quietly("remove")(Effect.flatMap(name(key), store.remove), undefined)
    }
  })
