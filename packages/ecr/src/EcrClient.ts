/**
 * Where ECR passwords come from: `ecr:GetAuthorizationToken` through
 * `@aws-sdk/client-ecr`, an optional peer dependency loaded on first use — a
 * program whose docker config already names `docker-credential-ecr-login`
 * never loads it.
 *
 * `EcrClient` is a service: provide your own `ECRClient` with `layer(client)`
 * (its region, credentials and endpoint are yours), or let `layerDefault` make
 * one per registry region with the default AWS credential chain (environment,
 * shared config and SSO, web identity, ECS and EC2 metadata). With neither, the
 * `Ecr` adapter uses `makeDefault()`.
 *
 * @since 0.1.0
 */
import type { Credential } from "@ociauth/core"
import { RegistryError } from "@ociauth/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as AuthorizationToken from "./AuthorizationToken.js"
import * as EcrHost from "./EcrHost.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The `AWS` Basic credential of one registry, expiring when ECR says (12 hours). */
  readonly getCredential: (registry: EcrHost.EcrHost) => Effect.Effect<Credential.Credential, RegistryError.CredentialError>
}

/**
 * @since 0.1.0
 * @category services
 */
export class EcrClient extends Context.Service<EcrClient, Service>()("@ociauth/ecr/EcrClient") {}

/**
 * An `ECRClient` of `@aws-sdk/client-ecr`, described by what is used of it, so
 * that these types never require the optional package.
 *
 * @since 0.1.0
 * @category models
 */
export interface SdkClient {
  send(command: never, options?: { readonly abortSignal?: AbortSignal }): Promise<unknown>
}

/**
 * Settings for the clients `makeDefault` creates, passed to `new ECRClient(...)`
 * besides `region` and `useFipsEndpoint` (which come from the registry's host):
 * `endpoint`, `credentials`, `maxAttempts`, `requestHandler`, ….
 *
 * @since 0.1.0
 * @category models
 */
export type ClientConfig = Readonly<Record<string, unknown>>

const SOURCE = "ecr:GetAuthorizationToken"

type Sdk = typeof import("@aws-sdk/client-ecr")

// `.catch(` after the import: esbuild then treats it as optional, so a Node bundle without the AWS SDK builds.
const loadSdk = (registry: string): Effect.Effect<Sdk, RegistryError.CredentialError> =>
  AuthorizationToken.loadPeer(() => import("@aws-sdk/client-ecr").catch((error: unknown) => Promise.reject(error)), "@aws-sdk/client-ecr", { source: SOURCE, registry })

const call = (sdk: Sdk, client: SdkClient, registry: EcrHost.EcrHost): Effect.Effect<Credential.Credential, RegistryError.CredentialError> => {
  const context = { source: SOURCE, registry: EcrHost.format(registry) }
  const send = client.send as (command: unknown, options?: { readonly abortSignal?: AbortSignal }) => Promise<unknown>
  // `registryIds` is deprecated but still the one way to name the account; the AWS helper passes it too.
  return AuthorizationToken.send((signal) => send.call(client, new sdk.GetAuthorizationTokenCommand({ registryIds: [registry.account] }), { abortSignal: signal }), context).pipe(
    Effect.flatMap((output) => AuthorizationToken.decodeOutput(AuthorizationToken.EcrOutput, output, context)),
    Effect.flatMap(({ authorizationData = [] }) => {
      // The entry of this registry; ECR answers one per registry asked for.
      const entry = authorizationData.find((d) =>
        d.proxyEndpoint !== undefined && Result.getOrUndefined(EcrHost.parse(d.proxyEndpoint))?.account === registry.account
      ) ?? authorizationData[0]
      if (entry === undefined) {
        return Effect.fail(new RegistryError.CredentialError({ ...context, reason: "GetAuthorizationToken answered without authorization data" }))
      }
      return Effect.fromResult(AuthorizationToken.toCredential(entry, context))
    })
  )
}

/**
 * A service over your own `ECRClient` (or one per registry, for registries in
 * several regions: an ECR password is only valid in the region it was issued in).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSdk = (client: SdkClient | ((registry: EcrHost.EcrHost) => SdkClient)): Service => ({
  getCredential: (registry) =>
    Effect.flatMap(loadSdk(EcrHost.format(registry)), (sdk) => call(sdk, typeof client === "function" ? client(registry) : client, registry))
})

/**
 * A service that creates one `ECRClient` per region (FIPS endpoint for
 * `ecr-fips` hosts), with the default AWS credential chain, on first use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDefault = (config: ClientConfig = {}): Service => {
  const clients = new Map<string, SdkClient>()
  return {
    getCredential: (registry) =>
      Effect.flatMap(loadSdk(EcrHost.format(registry)), (sdk) => {
        const key = `${registry.region}\u0000${registry.fips}`
        let client = clients.get(key)
        if (client === undefined) {
          client = new sdk.ECRClient({ ...config, region: registry.region, useFipsEndpoint: registry.fips }) as unknown as SdkClient
          clients.set(key, client)
        }
        return call(sdk, client, registry)
      })
  }
}

/**
 * Your own client as the `EcrClient` service.
 *
 * @example
 * ```ts
 * import { ECRClient } from "@aws-sdk/client-ecr"
 * import { Ecr, EcrClient } from "@ociauth/ecr"
 * import { Layer } from "effect"
 *
 * const client = new ECRClient({ region: "eu-west-1" })
 * const EcrLive = Ecr.layer.pipe(Layer.provide(EcrClient.layer(client)))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (client: SdkClient | ((registry: EcrHost.EcrHost) => SdkClient)): Layer.Layer<EcrClient> =>
  Layer.succeed(EcrClient, fromSdk(client))

/**
 * The default chain as the `EcrClient` service, with settings of your own.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDefault = (config?: ClientConfig): Layer.Layer<EcrClient> => Layer.sync(EcrClient, () => makeDefault(config))
