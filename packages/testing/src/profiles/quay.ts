import * as Profile from "../Profile.js"

/**
 * Quay.io (registry reference §10): `GET /v2/auth` on the registry (no POST),
 * service `quay.io`, JWTs living 3600 s with no `expires_in` in the response,
 * silent narrowing, only `repository:` scopes (others 400), no anonymous token
 * without a scope, a catalog of what the token's user may see, DELETE of
 * manifests but not of blobs (405 UNSUPPORTED).
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
  delete: "manifests"
})
