/**
 * The Microsoft Entra ID side of ACR: the `TokenCredential` shape that
 * `@azure/identity`'s credentials have (declared here structurally, so the
 * package needs no Azure types), a service to provide one, and the scope ACR
 * tokens are asked for.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
/**
 * `@azure/core-auth`'s `AccessToken`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccessToken {
  readonly token: string
  /** Epoch milliseconds. */
  readonly expiresOnTimestamp: number
  /** Epoch milliseconds after which the token should be renewed (MSAL sets it for long-lived tokens). */
  readonly refreshAfterTimestamp?: number | undefined
}

/**
 * `@azure/core-auth`'s `TokenCredential`: `DefaultAzureCredential`,
 * `ClientSecretCredential`, `ManagedIdentityCredential`, `WorkloadIdentityCredential`, …
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenCredential {
  getToken(scopes: string | Array<string>, options?: { readonly abortSignal?: AbortSignal }): Promise<AccessToken | null>
}

/**
 * A `TokenCredential` as a service, for `Acr.layerAzureCredential`.
 *
 * @since 0.1.0
 * @category services
 */
export class AzureCredential extends Context.Service<AzureCredential, TokenCredential>()("@ociauth/acr/AzureCredential") {}

/**
 * The scope of Entra access tokens for ACR.
 *
 * @since 0.1.0
 * @category constants
 */
export const containerRegistryScope = "https://containerregistry.azure.net/.default"

/**
 * The username that tells ACR the password is a refresh token (`az acr login
 * --expose-token`, docker's `identitytoken` for ACR).
 *
 * @since 0.1.0
 * @category constants
 */
export const refreshTokenUsername = "00000000-0000-0000-0000-000000000000"
