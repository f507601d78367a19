/**
 * What a registry origin answered, as data a shared store can keep: `Some`
 * challenge (realm and service; a challenge's scope and `error` belong to one
 * response and are not kept), or `None` (the origin asks for nothing).
 *
 * @since 0.2.0
 */
import type { ChallengeStore } from "@ociauth/core"
import { Token } from "@ociauth/core"
import { Schema } from "effect"

const Bearer = Schema.Struct({
  scheme: Schema.Literal("bearer"),
  realm: Schema.String,
  service: Schema.optionalWith(Schema.String, { exact: true }),
  scopes: Schema.Array(Token.ScopeFromString)
})

const Basic = Schema.Struct({ scheme: Schema.Literal("basic"), realm: Schema.optionalWith(Schema.String, { exact: true }) })

/**
 * What an origin answered, as data: `Some` challenge (realm and service; a
 * challenge's `error` belongs to one response and is not kept), or `None`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const schema: Schema.Schema<ChallengeStore.Entry, Schema.OptionEncoded<typeof Bearer.Encoded | typeof Basic.Encoded>> =
  Schema.Option(Schema.Union(Bearer, Basic))
