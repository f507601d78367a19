import * as Profile from "../Profile.js"

/**
 * NVIDIA NGC, nvcr.io (registry reference §15; NVIDIA/nvidia-container-toolkit#1945):
 * `GET /proxy_auth` on the registry, challenges without `service` and with
 * `scope=""` on `/v2/`; public images pull anonymously, private ones need
 * `$oauthtoken` and an API key. Once a token has expired, the challenge names
 * another realm, on another origin (a stand-in for `https://authn.nvidia.com/token`),
 * with `service="registry"` and `error="invalid_token"`; that realm refuses
 * anonymous requests (401), so an anonymous client must go back to `/proxy_auth`.
 *
 * @since 0.2.0
 * @category profiles
 */
export const nvcr: Profile.Profile = Profile.make({
  name: "nvcr",
  service: "nvcr.io",
  realm: { origin: "registry", path: "/proxy_auth" },
  tokenPost: false,
  challenge: { scheme: "Bearer", quoteRealm: true, service: false },
  baseScope: "",
  expiredRealm: { path: "/token", service: "registry", anonymous: false }
})
