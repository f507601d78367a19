/**
 * Amazon ECR, private registries (registry reference §6):
 * - hosts `<account>.dkr.ecr.<region>.amazonaws.com` and every variant the AWS
 *   helper accepts (`EcrHost`), the account and region read from the host;
 * - no token endpoint: the challenge is `Basic` (service `ecr.amazonaws.com`),
 *   known in advance, and every request carries `AWS:<password>`;
 * - the password comes from the docker config when it has one (a
 *   `docker-credential-ecr-login` helper, or `docker login -u AWS`), else from
 *   `ecr:GetAuthorizationToken` through the `EcrClient` service (the AWS SDK,
 *   loaded on first use). It lives 12 hours; the engine holds it, renews it
 *   ahead of expiry with one call per registry in flight, and keeps the old one
 *   while a renewal fails and it is still valid;
 * - 403 `DENIED` "Your authorization token has expired" renews the password
 *   once and replays the request; any other 403 is the answer;
 * - `tags/list` and `_catalog` with `n` above 1000 are 405: `n` is lowered to 1000;
 * - `/v2/` answers 200 with an empty body.
 *
 * @since 0.1.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as EcrClient from "./EcrClient.js"
import * as EcrHost from "./EcrHost.js"

/**
 * The `service` of ECR's Basic challenge.
 *
 * @since 0.1.0
 * @category constants
 */
export const service = "ecr.amazonaws.com"

/**
 * The largest page ECR serves.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxPageSize = 1000

/**
 * The answer that means the password has expired.
 *
 * @since 0.1.0
 * @category constants
 */
export const expiredToken: RegistryAdapter.ReauthTrigger = { status: 403, code: "DENIED", message: "authorization token has expired" }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Where passwords come from; `EcrClient.makeDefault()` (the default AWS credential chain) by default. */
  readonly client?: EcrClient.Service
}

/**
 * The adapter, with passwords from `options.client`.
 *
 * @example
 * ```ts
 * import { ECRClient } from "@aws-sdk/client-ecr"
 * import { Ecr, EcrClient } from "@ociauth/ecr"
 *
 * const adapter = Ecr.make({ client: EcrClient.fromSdk(new ECRClient({ region: "eu-west-1" })) })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): RegistryAdapter.RegistryAdapter => {
  let client = options.client
  return RegistryAdapter.make({
    name: "ecr",
    matches: EcrHost.matches,
    challenge: { scheme: "basic" },
    defaultTokenLifetime: "12 hours",
    reauthOn: [expiredToken],
    maxPageSize,
    credentials: (host) =>
      Result.match(EcrHost.parse(host), {
        onFailure: () => Effect.succeedNone,
        onSuccess: (registry) => Effect.asSome((client ??= EcrClient.makeDefault()).getCredential(registry))
      })
  })
}

/**
 * The adapter with the default AWS credential chain.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = make()

/**
 * Provides the ECR adapter to `Registries`, behind the user's own; passwords
 * from the `EcrClient` in context, or the default AWS credential chain.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Layer.unwrap(
  Effect.map(Effect.serviceOption(EcrClient.EcrClient), (client) =>
    Registries.layer([Option.match(client, { onNone: () => adapter, onSome: (c) => make({ client: c }) })], { priority: -1 })
  )
)
