import * as Profile from "../Profile.js"

/**
 * NVIDIA NGC, nvcr.io (registry reference §15): `GET /proxy_auth` on the
 * registry, challenges without `service` and with `scope=""` on `/v2/`;
 * public images pull anonymously, private ones need `$oauthtoken` and an API key.
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
  baseScope: ""
})
