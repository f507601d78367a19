import * as Profile from "../Profile.js"

/**
 * GitLab (registry reference §11): the realm on the GitLab instance, another
 * origin than the registry, at `/jwt/auth`; the fixed service
 * `container_registry`; JWTs with no `expires_in` (15 min on GitLab.com);
 * silent narrowing for accounts, 403 DENIED for anonymous requests beyond
 * public projects; `registry:catalog:*` only for whom it is granted (admins);
 * blobs redirected to object storage.
 *
 * @since 0.2.0
 * @category profiles
 */
export const gitlab: Profile.Profile = Profile.make({
  name: "gitlab",
  service: "container_registry",
  realm: { origin: "own", path: "/jwt/auth" },
  expiresIn: false,
  tokenLifetime: "15 minutes",
  narrowing: "denyAnonymous",
  tokenPost: false,
  blobRedirect: true
})
