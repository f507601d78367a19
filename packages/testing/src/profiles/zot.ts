import * as Profile from "../Profile.js"

/**
 * Zot with bearer auth (registry reference §13): tokens from an external
 * issuer on its own origin, service `zot`; challenges as `bearer realm=<url>`
 * (lower-case scheme, bare realm); `/v2/` answers 200 with an empty body
 * without a token, still with the challenge; the catalog lists what the
 * token's user may see.
 *
 * @since 0.2.0
 * @category profiles
 */
export const zot: Profile.Profile = Profile.make({
  name: "zot",
  service: "zot",
  realm: { origin: "own", path: "/auth/token" },
  challenge: { scheme: "bearer", quoteRealm: false, service: true },
  catalog: "visible",
  base: { body: "empty", open: true }
})
