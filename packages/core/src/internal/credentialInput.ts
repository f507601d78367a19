/** A credential from its plain input (`layerStatic`'s values). */
import * as Redacted from "effect/Redacted"
import { Basic, IdentityToken, RegistryToken } from "../Credential.js"
import type { Credential, Input } from "../Credential.js"

export const fromInput = (input: Input | Credential): Credential => {
  if ("_tag" in input) return input
  if ("registryToken" in input) return RegistryToken({ token: Redacted.make(input.registryToken) })
  if ("identityToken" in input) {
    return input.username === undefined
      ? IdentityToken({ token: Redacted.make(input.identityToken) })
      : IdentityToken({ token: Redacted.make(input.identityToken), username: input.username })
  }
  return Basic({ username: input.username, password: Redacted.make(input.password) })
}
