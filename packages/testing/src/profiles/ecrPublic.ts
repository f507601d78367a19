import * as Profile from "../Profile.js"

/**
 * Amazon ECR Public (registry reference §7): `GET /token/` on the registry's
 * origin, service `public.ecr.aws`, the opaque scope `aws` in the `/v2/`
 * challenge (and accepted by the token endpoint); anonymous tokens for public
 * repositories; a login (Basic `AWS:<password>` from ECR Public's
 * `GetAuthorizationToken`, see `AwsEcrApi`) presented to `/token/`, answered
 * 403 `DENIED` "Your authorization token has expired" once it has expired.
 * Token lifetime, POST support and the catalog are unconfirmed: GET only, no
 * catalog.
 *
 * @since 0.2.0
 * @category profiles
 */
export const ecrPublic: Profile.Profile = Profile.make({
  name: "ecrPublic",
  service: "public.ecr.aws",
  realm: { origin: "registry", path: "/token/" },
  baseScope: "aws",
  opaqueScopes: ["aws"],
  tokenPost: false,
  catalog: "never",
  expiredCredential: { status: 403, code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." }
})
