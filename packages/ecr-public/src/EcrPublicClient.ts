/**
 * Where an ECR Public login comes from: `ecr-public:GetAuthorizationToken`
 * (the API lives in `us-east-1` only) through `@aws-sdk/client-ecr-public`, an
 * optional peer dependency loaded on first use. The caller needs
 * `ecr-public:GetAuthorizationToken` and `sts:GetServiceBearerToken`.
 *
 * @since 0.1.0
 */
import type { Credential } from "@ociauth/core"
import { RegistryError } from "@ociauth/core"
import { AuthorizationToken } from "@ociauth/ecr"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The `AWS` Basic login, expiring when the API says (12 hours). */
  readonly getCredential: Effect.Effect<Credential.Credential, RegistryError.CredentialError>
}

/**
 * @since 0.1.0
 * @category services
 */
export class EcrPublicClient extends Context.Service<EcrPublicClient, Service>()("@ociauth/ecr-public/EcrPublicClient") {}

/**
 * An `ECRPUBLICClient` of `@aws-sdk/client-ecr-public`, described by what is
 * used of it, so that these types never require the optional package.
 *
 * @since 0.1.0
 * @category models
 */
export interface SdkClient {
  send(command: never, options?: { readonly abortSignal?: AbortSignal }): Promise<unknown>
}

/**
 * Settings for the client `makeDefault` creates (`endpoint`, `credentials`,
 * `maxAttempts`, …); the region is always `us-east-1`.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientConfig = Readonly<Record<string, unknown>>

/**
 * The API's only region.
 *
 * @since 0.1.0
 * @category constants
 */
export const region = "us-east-1"

const context = { source: "ecr-public:GetAuthorizationToken", registry: "public.ecr.aws" }

type Sdk = typeof import("@aws-sdk/client-ecr-public")

// `.catch(` after the import: esbuild then treats it as optional, so a Node bundle without the AWS SDK builds.
const loadSdk: Effect.Effect<Sdk, RegistryError.CredentialError> = AuthorizationToken.loadPeer(
  () => import("@aws-sdk/client-ecr-public").catch((error: unknown) => Promise.reject(error)),
  "@aws-sdk/client-ecr-public",
  context
)

const call = (sdk: Sdk, client: SdkClient): Effect.Effect<Credential.Credential, RegistryError.CredentialError> => {
  const send = client.send as (command: unknown, options?: { readonly abortSignal?: AbortSignal }) => Promise<unknown>
  // A throttled call is retried, as ECR's is (`AuthorizationToken.send`).
  return AuthorizationToken.send((signal) => send.call(client, new sdk.GetAuthorizationTokenCommand({}), { abortSignal: signal }), context).pipe(
    Effect.flatMap((output) => AuthorizationToken.decodeOutput(AuthorizationToken.EcrPublicOutput, output, context)),
    Effect.flatMap(({ authorizationData }) =>
      authorizationData === undefined
        ? Effect.fail(new RegistryError.CredentialError({ ...context, reason: "GetAuthorizationToken answered without authorization data" }))
        : Effect.fromResult(AuthorizationToken.toCredential(authorizationData, context))
    )
  )
}

/**
 * A service over your own `ECRPUBLICClient` (in `us-east-1`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSdk = (client: SdkClient): Service => ({
  getCredential: Effect.flatMap(loadSdk, (sdk) => call(sdk, client))
})

/**
 * A service that creates one `ECRPUBLICClient` in `us-east-1` with the default
 * AWS credential chain, on first use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDefault = (config: ClientConfig = {}): Service => {
  let client: SdkClient | undefined
  return {
    getCredential: Effect.flatMap(loadSdk, (sdk) => {
      client ??= new sdk.ECRPUBLICClient({ ...config, region }) as unknown as SdkClient
      return call(sdk, client)
    })
  }
}

/**
 * Your own client as the `EcrPublicClient` service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (client: SdkClient): Layer.Layer<EcrPublicClient> => Layer.succeed(EcrPublicClient, fromSdk(client))

/**
 * The default chain as the `EcrPublicClient` service, with settings of your own.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefault = (config?: ClientConfig): Layer.Layer<EcrPublicClient> =>
  Layer.sync(EcrPublicClient, () => makeDefault(config))
