import * as Profile from "../Profile.js"

/**
 * Google Artifact Registry and gcr.io (registry reference §9): `GET /v2/token`
 * on the registry with Basic (`oauth2accesstoken` + an OAuth2 access token,
 * `_json_key` / `_json_key_base64` + a service-account key), POST answered 404;
 * Artifact Registry's challenge carries no `service`; `tags/list` has Google's
 * extra `manifests` and `child` fields. Registry-token lifetime, narrowing,
 * catalog and DELETE are unconfirmed: they follow the spec.
 *
 * @since 0.2.0
 * @category profiles
 */
export const gar: Profile.Profile = Profile.make({
  name: "gar",
  service: "artifactregistry.googleapis.com",
  realm: { origin: "registry", path: "/v2/token" },
  tokenLifetime: "3600 seconds",
  tokenPost: false,
  tokenPostRefusal: 404,
  challenge: { scheme: "Bearer", quoteRealm: true, service: false },
  googleTagsList: true
})
