import * as Profile from "../Profile.js"

/**
 * Quay.io (registry reference §10): `GET /v2/auth` on the registry (no POST),
 * service `quay.io`, JWTs living 3600 s with no `expires_in` in the response,
 * silent narrowing of `pull`, but an account asking for `push` it may not do
 * is refused (405 `UNSUPPORTED` "No permission to modify repository", or
 * "Unknown namespace"); a `{"token": …}` body; only `repository:` scopes
 * (others 400), no anonymous token without a scope, wrong credentials 401
 * `UNAUTHORIZED` "Specified credentials are invalid" (`InvalidLogin`), a catalog
 * of what the token's user may see, DELETE of manifests but not of blobs (405
 * UNSUPPORTED). Sources: quay/quay `endpoints/v2/v2auth.py`, `errors.py`.
 *
 * @since 0.2.0
 * @category profiles
 */
export const quay: Profile.Profile = Profile.make({
  name: "quay",
  service: "quay.io",
  realm: { origin: "registry", path: "/v2/auth" },
  expiresIn: false,
  tokenLifetime: "3600 seconds",
  rejectRegistryScopes: true,
  anonymousNeedsScope: true,
  tokenPost: false,
  catalog: "visible",
  delete: "manifests",
  tokenFields: "token",
  pushWithoutPermission: "refuse",
  tokenRefusal: { shape: "oci", code: "UNAUTHORIZED", message: "Specified credentials are invalid", detail: {} }
})
