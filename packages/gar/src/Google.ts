/**
 * The Google side of the registries: the `AuthClient` shape of
 * `google-auth-library` (declared here structurally, so the package needs no
 * Google types), a service to provide one, and the scope of its tokens.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
/**
 * What the adapter uses of `google-auth-library`'s `AuthClient` (`OAuth2Client`,
 * `JWT`, `UserRefreshClient`, `Compute`, `ExternalAccountClient`, …, or what
 * `GoogleAuth#getClient()` answers): an access token, and when it expires.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthClient {
  getAccessToken(): Promise<{ readonly token?: string | null | undefined }>
  /** `expiry_date`: epoch milliseconds, once a token was fetched. */
  readonly credentials: { readonly expiry_date?: number | null | undefined }
}

/**
 * An `AuthClient` as a service, for `Gar.layerAuthClient`.
 *
 * @since 0.1.0
 * @category services
 */
export class GoogleAuthClient extends Context.Service<GoogleAuthClient, AuthClient>()("@ociauth/gar/GoogleAuthClient") {}

/**
 * The scope Application Default Credentials are asked for.
 *
 * @since 0.1.0
 * @category constants
 */
export const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

/**
 * The username an OAuth2 access token is sent with (`gcloud auth print-access-token | docker login -u oauth2accesstoken`).
 *
 * @since 0.1.0
 * @category constants
 */
export const accessTokenUsername = "oauth2accesstoken"
