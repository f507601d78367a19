import * as Profile from "../Profile.js"

/**
 * Azure Container Registry (registry reference §8): `/oauth2/token` on the
 * registry, service the login server's host; `POST /oauth2/exchange` turns a
 * Microsoft Entra access token into an ACR refresh token (a JWT living 3 h),
 * which the OAuth2 POST (`grant_type=refresh_token`, repeated `scope`) turns
 * into access tokens; Basic on `GET /oauth2/token`, where the zero GUID
 * (`00000000-0000-0000-0000-000000000000`) with a live refresh token as the
 * password stands for the token's subject (`az acr login --expose-token`,
 * every ACR credential helper). Access tokens are JWTs with
 * no `expires_in` in the response (the doc example's 4500 s); `tags/list` needs
 * `metadata_read`; the catalog `registry:catalog:*`; blobs redirect (307) to
 * storage that refuses `Authorization`. The OAuth2 POST takes no `client_id`
 * (Azure/acr `docs/AAD-OAuth.md`). Narrowing is unconfirmed: silent.
 *
 * @since 0.2.0
 * @category profiles
 */
export const acr: Profile.Profile = Profile.make({
  name: "acr",
  service: (host) => host,
  realm: { origin: "registry", path: "/oauth2/token" },
  expiresIn: false,
  tokenLifetime: "4500 seconds",
  exchange: "/oauth2/exchange",
  refreshTokenLifetime: "3 hours",
  refreshTokenUsername: "00000000-0000-0000-0000-000000000000",
  tagsAction: "metadata_read",
  blobRedirect: true,
  postNeedsClientId: false
})
