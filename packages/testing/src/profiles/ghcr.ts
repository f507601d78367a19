import * as Profile from "../Profile.js"

/**
 * GHCR (seeds 000, 001): `/token` on the registry's origin, service `ghcr.io`,
 * the placeholder `repository:user/image:pull` on `/v2/` and `_catalog`, opaque
 * tokens without `expires_in`, DENIED instead of narrowing, DELETE answered
 * 405 UNSUPPORTED, an empty `/v2/` body, `/v2` 404 with a token, a catalog for
 * accounts only.
 *
 * @since 0.2.0
 * @category profiles
 */
export const ghcr: Profile.Profile = Profile.make({
  name: "ghcr",
  service: "ghcr.io",
  realm: { origin: "registry", path: "/token" },
  tokenFormat: "opaque",
  expiresIn: false,
  narrowing: "deny",
  baseScope: "repository:user/image:pull",
  catalog: "accounts",
  delete: "none",
  base: { body: "empty", open: false },
  bareV2: "notFound",
  errorDetail: false
})
