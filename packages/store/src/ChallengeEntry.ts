/**
 * What a registry origin answered, as data a shared store can keep: `Some`
 * challenge (realm and service; a challenge's scope and `error` belong to one
 * response and are not kept), or `None` (the origin asks for nothing).
 *
 * @since 0.2.0
 */
import type * as ChallengeStore from "@ociauth/core/ChallengeStore"
import { Token } from "@ociauth/core"
import * as Schema from "effect/Schema"
const Bearer = Schema.Struct({
  scheme: Schema.Literal("bearer"),
  realm: Schema.String,
  service: Schema.optionalKey(Schema.String),
  scopes: Schema.Array(Token.ScopeFromString)
})

const Basic = Schema.Struct({ scheme: Schema.Literal("basic"), realm: Schema.optionalKey(Schema.String) })

/**
 * What an origin answered, as data: `Some` challenge (realm and service; a
 * challenge's `error` belongs to one response and is not kept), or `None`.
 * Encoded as JSON values: `{ "_tag": "Some", "value": { "scheme": … } }` or
 * `{ "_tag": "None" }`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const schema: Schema.Codec<ChallengeStore.Entry, Schema.Json> = Schema.toCodecJson(Schema.Option(Schema.Union([Bearer, Basic])))
