import * as Profile from "../Profile.js"

/**
 * Harbor (registry reference §12): `GET /service/token` on the registry (POST
 * 405), service `harbor-registry`, `expires_in` 1800, silent narrowing; the
 * catalog challenges `Basic realm="harbor"` and lists for accounts granted
 * `registry:catalog:*` (admins); Basic credentials are taken on `/v2/` too.
 *
 * @since 0.2.0
 * @category profiles
 */
export const harbor: Profile.Profile = Profile.make({
  name: "harbor",
  service: "harbor-registry",
  realm: { origin: "registry", path: "/service/token" },
  tokenLifetime: "30 minutes",
  tokenPost: false,
  catalog: "basic",
  basicRealm: "harbor"
})
