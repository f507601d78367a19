import * as Profile from "../Profile.js"

/**
 * Google Artifact Registry and gcr.io (registry reference §9; registries-2026
 * §2): `GET /v2/token` on the registry with Basic (`oauth2accesstoken` + an
 * OAuth2 access token, `_json_key` / `_json_key_base64` + a service-account
 * key), POST answered 404; `/v2/` challenges without `service`, repository
 * challenges with `service="<host>"` (google-github-actions/auth#432, #474);
 * registry tokens opaque, without `expires_in`, living at most 1 h and dying
 * with the OAuth2 token they were issued on (give the emulator
 * `credentialExpiry: google.expiresAt`; 5 min with Workload Identity
 * Federation, moby/buildkit#5852); `tags/list` has Google's extra `manifests`
 * and `child` fields. Narrowing, catalog and DELETE are unconfirmed: they
 * follow the spec.
 *
 * @since 0.2.0
 * @category profiles
 */
export const gar: Profile.Profile = Profile.make({
  name: "gar",
  service: (host) => host,
  realm: { origin: "registry", path: "/v2/token" },
  tokenFormat: "opaque",
  expiresIn: false,
  tokenLifetime: "3600 seconds",
  tokenPost: false,
  tokenPostRefusal: 404,
  challenge: { scheme: "Bearer", quoteRealm: true, service: "repository" },
  googleTagsList: true
})
