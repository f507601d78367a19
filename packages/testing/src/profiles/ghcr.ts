import * as Profile from "../Profile.js"

/**
 * GHCR (seeds 000, 001; openai/tunnel-client#75): `/token` on the registry's
 * origin, service `ghcr.io`, the placeholder `repository:user/image:pull` on
 * `/v2/` and `_catalog`, opaque tokens in a `{"token": …}` body without
 * `expires_in`, DENIED instead of narrowing; anonymous token requests: 403
 * without a scope and for the placeholder, 401 for a package they may not pull
 * (private or absent), 400 for a name without an owner or a wildcard; DELETE
 * answered 405 UNSUPPORTED, an empty `/v2/` body, `/v2` 404 with a token, a
 * catalog for accounts only; blobs redirected (307) to a stand-in for
 * `pkg-containers.githubusercontent.com`; JSON bodies end with a newline (Go).
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
  errorDetail: false,
  tokenFields: "token",
  anonymousNeedsScope: "denied",
  anonymousRefusal: "unauthorized",
  repositoryNames: "namespaced",
  blobRedirect: true,
  cdnPath: "/ghcr1/blobs/",
  jsonNewline: true
})
