/**
 * Amazon ECR Public (registry reference §7):
 * - hosts `public.ecr.aws` and the dual-stack `ecr-public.aws.com`; credentials
 *   are stored under `public.ecr.aws` for both;
 * - realm `https://public.ecr.aws/token/`, service `public.ecr.aws`, known in
 *   advance; the `/v2/` challenge's opaque scope `aws` is kept as it is;
 * - anonymous tokens for public repositories — the default: no AWS call is made
 *   unless an `EcrPublicClient` is given;
 * - authenticated with a login (Basic `AWS:<password>`, 12 hours) from the docker
 *   config (`docker login -u AWS public.ecr.aws`) or from
 *   `ecr-public:GetAuthorizationToken` through `EcrPublicClient`;
 * - a stored login that has expired is refused by the token endpoint ("Your
 *   authorization token has expired"): the token is then asked for
 *   anonymously, so public pulls keep working instead of failing.
 *
 * @since 0.1.0
 */
import { Registries, RegistryAdapter } from "@ociauth/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as EcrPublicClient from "./EcrPublicClient.js"

/**
 * @since 0.1.0
 * @category constants
 */
export const hosts: ReadonlyArray<string> = ["public.ecr.aws", "ecr-public.aws.com"]

/**
 * @since 0.1.0
 * @category constants
 */
export const realm = "https://public.ecr.aws/token/"

/**
 * @since 0.1.0
 * @category constants
 */
export const service = "public.ecr.aws"

/**
 * The token endpoint's refusals of an expired login, after which the token is
 * asked for anonymously. The status is unconfirmed: 400, 401 and 403 are all
 * taken when the message says the token has expired.
 *
 * @since 0.1.0
 * @category constants
 */
export const expiredLogin: ReadonlyArray<RegistryAdapter.ReauthTrigger> = [400, 401, 403].map((status) => ({
  status,
  message: "authorization token has expired"
}))

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Logins from `ecr-public:GetAuthorizationToken` when none is configured; anonymous by default. */
  readonly client?: EcrPublicClient.Service
}

/**
 * The adapter; with `client`, logins from the AWS API.
 *
 * @example
 * ```ts
 * import { EcrPublic, EcrPublicClient } from "@ociauth/ecr-public"
 *
 * const authenticated = EcrPublic.make({ client: EcrPublicClient.makeDefault() })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): RegistryAdapter.RegistryAdapter => {
  const client = options.client
  return RegistryAdapter.make({
    name: "ecr-public",
    hosts,
    credentialHost: "public.ecr.aws",
    challenge: { scheme: "bearer", realm, service, scopes: [] },
    tokenRequest: { method: "get", anonymousFallback: expiredLogin },
    ...(client === undefined ? {} : { credentials: () => Effect.asSome(client.getCredential) })
  })
}

/**
 * The adapter: anonymous, or the login in the docker config.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapter: RegistryAdapter.RegistryAdapter = make()

/**
 * Provides the ECR Public adapter to `Registries`, behind the user's own; with
 * an `EcrPublicClient` in context, logins from the AWS API.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Layer.unwrap(
  Effect.map(Effect.serviceOption(EcrPublicClient.EcrPublicClient), (client) =>
    Registries.layer([Option.match(client, { onNone: () => adapter, onSome: (c) => make({ client: c }) })], { priority: -1 })
  )
)
