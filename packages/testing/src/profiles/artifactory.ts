import * as Profile from "../Profile.js"

const prefix = "/artifactory/api/docker/docker-local"

/**
 * JFrog Artifactory, repository-path access (registry reference §14): the API
 * under `/artifactory/api/docker/docker-local/v2/`, its realm at
 * `…/docker-local/v2/token` (GET; POST 405), service the registry's
 * `host:port`, `expires_in` 3600. Narrowing, catalog and DELETE are
 * unconfirmed: they follow the spec.
 *
 * @since 0.2.0
 * @category profiles
 */
export const artifactory: Profile.Profile = Profile.make({
  name: "artifactory",
  service: (host) => host,
  realm: { origin: "registry", path: `${prefix}/v2/token` },
  tokenLifetime: "3600 seconds",
  tokenPost: false,
  apiPrefix: prefix
})
