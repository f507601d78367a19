import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import { digest } from "../StoreKey.js"

/**
 * The registry host the entries written in this fiber are for (`None`: not
 * said). Kept in the entry, in clear (a host, no secret), so that the entries of
 * one registry can be found and removed (`logout`).
 */
export const currentRegistry: Context.Reference<Option.Option<string>> = Context.Reference<Option.Option<string>>(
  "@ociauth/store/currentRegistry",
  { defaultValue: Option.none }
)

/**
 * What a file holds: the digest it was written for (a file copied under another
 * name is refused), the expiry, the registry it was written for (if said) and the value.
 */
const Envelope = <A, I>(value: Schema.Codec<A, I>) =>
  Schema.fromJsonString(
    Schema.toCodecJson(
      Schema.Struct({ v: Schema.Literal(1), key: Schema.String, expiresAt: Schema.Number, registry: Schema.optionalKey(Schema.String), value })
    )
  )

/** Only what `forget` reads of an envelope: never the value. */
const decodeRegistry = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Struct({ registry: Schema.optionalKey(Schema.String) })))

/**
 * Removes, of the entries named `names` (those of one prefix), the ones written
 * for `registry`; how many. Failures of the store are logged: what cannot be
 * read is left.
 */
export const forget = (store: KeyValueStore.KeyValueStore, names: ReadonlyArray<string>, registry: string): Effect.Effect<number> =>
  Effect.map(
    Effect.forEach(names, (name) =>
      store.get(name).pipe(
        Effect.flatMap((text) => {
          const entry = Option.flatMap(Option.fromNullishOr(text), decodeRegistry)
          return Option.isSome(entry) && entry.value.registry === registry ? Effect.as(store.remove(name), 1) : Effect.succeed(0)
        }),
        Effect.catchCause((cause) => Effect.as(Effect.logDebug("ociauth store: forget failed", cause), 0))
      )
    ),
    (removed) => removed.reduce((a, b) => a + b, 0)
  )

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
export const make = <A, I>(prefix: string, schema: Schema.Codec<A, I>): Effect.Effect<Entries<A>, never, KeyValueStore.KeyValueStore> =>
  Effect.map(KeyValueStore.KeyValueStore, (store): Entries<A> => {
    const envelope = Envelope(schema)
    const decode = Schema.decodeUnknownOption(envelope)
    const encode = Schema.encodeEffect(envelope)
    const name = (key: string) => Effect.map(digest(key), (hex) => `${prefix}-${hex}`)
    const quietly = (operation: string) => <X>(self: Effect.Effect<X, unknown>, fallback: X): Effect.Effect<X> =>
      Effect.catchCause(self, (cause) => Effect.as(Effect.logDebug(`ociauth store: ${operation} failed`, cause), fallback))
    const read = Effect.fnUntraced(function* (key: string) {
      const id = yield* name(key)
      const text = yield* store.get(id)
      if (text === undefined) return Option.none<A>()
      const entry = decode(text)
      if (Option.isNone(entry) || entry.value.key !== id) return Option.none<A>()
      if ((yield* Clock.currentTimeMillis) >= entry.value.expiresAt) {
        yield* store.remove(id)
        return Option.none<A>()
      }
      return Option.some(entry.value.value)
    })
    const write = Effect.fnUntraced(function* (key: string, value: A, expiresAt: number) {
      const id = yield* name(key)
      const registry = yield* currentRegistry
      const text = yield* encode({ v: 1, key: id, expiresAt, ...(Option.isSome(registry) ? { registry: registry.value } : {}), value })
      yield* store.set(id, text)
    })
    return {
      get: (key) => quietly("read")(read(key), Option.none()),
      set: (key, value, expiresAt) => quietly("write")(write(key, value, expiresAt), undefined),
      remove: (key) => quietly("remove")(Effect.flatMap(name(key), store.remove), undefined)
    }
  })
