import * as Profile from "../Profile.js"

/**
 * Docker Hub (seeds 000, 002, 003): a token server on another origin, service
 * `registry.docker.io`, 300 s tokens, silent narrowing, `_catalog` unusable
 * (400 "unknown resource type" from the token server), rate limits, blob GETs
 * redirected to a CDN.
 *
 * @since 0.2.0
 * @category profiles
 */
export const dockerHub: Profile.Profile = Profile.make({
  name: "dockerHub",
  service: "registry.docker.io",
  rejectRegistryScopes: true,
  catalog: "never",
  rateLimit: true,
  blobRedirect: true
})
