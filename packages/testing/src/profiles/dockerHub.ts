import * as Profile from "../Profile.js"

/**
 * Docker Hub (seeds 000, 002, 003, 004; docker/docs `pulls.md`; docker/hub-feedback
 * #1907, #2464): a token server on another origin, service `registry.docker.io`,
 * 300 s tokens, silent narrowing, `_catalog` unusable (400 "unknown resource
 * type" from the token server), blob GETs redirected to a CDN. Pull limits per
 * 6 h: 100 anonymous (per IPv4 address or IPv6 /64), 200 for Personal accounts,
 * none (and no `ratelimit-*` headers) for paid plans; past the anonymous limit
 * the 2025 answer "You have reached your unauthenticated pull rate limit.
 * https://www.docker.com/increase-rate-limit". Wrong credentials: 401
 * `{"details":"incorrect username or password"}`. DELETE of manifests by digest
 * only, untagged ones only (403 otherwise). JSON bodies end with a newline (Go);
 * a scope granted nothing is left out of the JWT (`"access":[]`, seed 002).
 * The anti-abuse 429 (`text/plain` "Too Many Requests (HAP429).") is a fault:
 * `Faults.dockerHubAbuse`.
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
  pullLimits: { anonymous: 100, personal: 200 },
  blobRedirect: true,
  tokenRefusal: { shape: "details", details: "incorrect username or password" },
  delete: "untagged",
  jsonNewline: true,
  accessWithoutActions: "omit"
})
