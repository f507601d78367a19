/**
 * What the client authenticates with.
 *
 * @since 0.1.0
 */
import { Data, Hash, Redacted } from "effect"

/**
 * - `Anonymous`: no credential; token servers may still issue anonymous tokens.
 * - `Basic`: username and password (or a personal access token), sent as Basic to
 *   the token endpoint, or to the registry when its challenge is Basic.
 * - `IdentityToken`: a refresh token (docker's `identitytoken`), exchanged with an
 *   OAuth2 `grant_type=refresh_token` POST.
 * - `RegistryToken`: a bearer token sent to the registry as it is.
 *
 * @since 0.1.0
 * @category models
 */
export type Credential = Data.TaggedEnum<{
  Anonymous: {}
  Basic: { readonly username: string; readonly password: Redacted.Redacted<string> }
  IdentityToken: { readonly token: Redacted.Redacted<string>; readonly username?: string }
  RegistryToken: { readonly token: Redacted.Redacted<string> }
}>

const { Anonymous: makeAnonymous, Basic, IdentityToken, RegistryToken, $is, $match } = Data.taggedEnum<Credential>()

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
  $is as is,
  /**
   * @since 0.1.0
   * @category pattern matching
   */
  $match as match
}

/**
 * A stable key that tells credentials apart in a token cache without holding the
 * secret: the kind, the username, and a hash of the secret.
 *
 * @since 0.1.0
 * @category getters
 */
export const identity = (credential: Credential): string => {
  switch (credential._tag) {
    case "Anonymous":
      return "anonymous"
    case "Basic":
      return `basic:${credential.username}:${Hash.string(Redacted.value(credential.password)).toString(36)}`
    case "IdentityToken":
      return `identity:${credential.username ?? ""}:${Hash.string(Redacted.value(credential.token)).toString(36)}`
    case "RegistryToken":
      return `registry:${Hash.string(Redacted.value(credential.token)).toString(36)}`
  }
}
