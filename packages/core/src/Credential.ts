/**
 * What the client authenticates with.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { DateTime } from "effect"
import { sha256Hex } from "./internal/digest.js"
import { identityTokenUsername } from "./internal/host.js"

/**
 * - `Anonymous`: no credential; token servers may still issue anonymous tokens.
 * - `Basic`: username and password (or a personal access token), sent as Basic to
 *   the token endpoint, or to the registry when its challenge is Basic.
 * - `IdentityToken`: a refresh token (docker's `identitytoken`), exchanged with an
 *   OAuth2 `grant_type=refresh_token` POST.
 * - `RegistryToken`: a bearer token sent to the registry as it is.
 *
 * `expiresAt`, when a source knows it (ECR's 12 h passwords, a helper's cloud
 * token), tells the engine when to ask the source again; without it the engine
 * asks again after its default credential lifetime.
 *
 * @since 0.1.0
 * @category models
 */
export type Credential = Data.TaggedEnum<{
  Anonymous: {}
  Basic: { readonly username: string; readonly password: Redacted.Redacted<string>; readonly expiresAt?: DateTime.Utc }
  IdentityToken: { readonly token: Redacted.Redacted<string>; readonly username?: string; readonly expiresAt?: DateTime.Utc }
  RegistryToken: { readonly token: Redacted.Redacted<string>; readonly expiresAt?: DateTime.Utc }
}>

const { Anonymous: makeAnonymous, Basic, IdentityToken, RegistryToken, $is } = Data.taggedEnum<Credential>()

/**
 * @since 0.1.0
 * @category constructors
 */
export const anonymous: Credential = makeAnonymous()


export {
  /**
   * @since 0.1.0
   * @category constructors
   */
  Basic,
  /**
   * @since 0.1.0
   * @category constructors
   */
  IdentityToken,
  /**
   * @since 0.1.0
   * @category constructors
   */
  RegistryToken,
  /**
   * @since 0.1.0
   * @category refinements
   */
  $is as is
}

const secretOf = (credential: Credential): string | undefined => {
  switch (credential._tag) {
    case "Anonymous":
      return undefined
    case "Basic":
      return Redacted.value(credential.password)
    case "IdentityToken":
    case "RegistryToken":
      return Redacted.value(credential.token)
  }
}

const identities = new WeakMap<Credential, string>()

/**
 * A stable key that tells credentials apart in a token store without holding
 * the secret: the kind, the username, and a SHA-256 digest of kind, username and
 * secret (WebCrypto). Computed once per credential value.
 *
 * @since 0.2.0
 * @category getters
 */
export const identity = (credential: Credential): Effect.Effect<string> => {
  const known = identities.get(credential)
  if (known !== undefined) return Effect.succeed(known)
  const secret = secretOf(credential)
  if (secret === undefined) return Effect.succeed("anonymous")
  const username = credential._tag === "Basic" || credential._tag === "IdentityToken" ? (credential.username ?? "") : ""
  const kind = credential._tag === "Basic" ? "basic" : credential._tag === "IdentityToken" ? "identity" : "registry"
  return Effect.map(sha256Hex(`${kind}\u0000${username}\u0000${secret}`), (digest) => {
    const key = `${kind}:${encodeURIComponent(username)}:${digest}`
    identities.set(credential, key)
    return key
  })
}

/**
 * The secret strings a credential sends (password, token, and the Basic
 * `user:password` pair — for an identity token, the pair it is sent as when
 * the token endpoint is asked by GET), for scrubbing server text that might
 * echo them.
 *
 * @since 0.2.0
 * @category getters
 */
export const secrets = (credential: Credential): ReadonlyArray<string> => {
  const secret = secretOf(credential)
  if (secret === undefined) return []
  switch (credential._tag) {
    case "Basic":
      return [secret, `${credential.username}:${secret}`]
    case "IdentityToken":
      // A token endpoint that refuses the refresh-token POST is asked by GET, with the token as Basic
      // credentials under `identityTokenUsername` when there is no username.
      return [secret, `${credential.username ?? identityTokenUsername}:${secret}`]
    default:
      return [secret]
  }
}

/**
 * Credentials as plain data, the way configuration and the Promise façade take
 * them. They become `Redacted` as soon as they are read.
 *
 * @since 0.1.0
 * @category models
 */
export type Input =
  | { readonly username: string; readonly password: string }
  | { readonly identityToken: string; readonly username?: string }
  | { readonly registryToken: string }
