import * as Profile from "../Profile.js"

/**
 * Amazon ECR, private registries (registry reference §6): no token endpoint —
 * every request carries Basic `AWS:<password>`, the password coming from the
 * AWS API's `GetAuthorizationToken` (start the emulator with the `AwsEcrApi`
 * stand-in's `issuedPasswords`); the challenge is
 * `Basic realm="https://<host>/",service="ecr.amazonaws.com"`; an expired
 * password is 403 `DENIED` "Your authorization token has expired"; `n` above
 * 1000 on `tags/list` and `_catalog` is 405; `/v2/` answers 200 with an empty
 * body; accounts (IAM decides) pull every repository and list the catalog.
 *
 * @since 0.2.0
 * @category profiles
 */
export const ecr: Profile.Profile = Profile.make({
  name: "ecr",
  service: "ecr.amazonaws.com",
  basicRealm: (origin) => `${origin}/`,
  basicOnly: true,
  basicChallengeService: true,
  accounts: "pullAll",
  tokenLifetime: "12 hours",
  base: { body: "empty", open: false },
  maxPageSize: 1000,
  expiredCredential: { status: 403, code: "DENIED", message: "Your authorization token has expired. Reauthenticate and try again." }
})
