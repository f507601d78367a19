/**
 * What `GetAuthorizationToken` (ECR and ECR Public) answers, decoded with
 * `Schema` straight into `Redacted`: `authorizationToken` is base64 of
 * `AWS:<password>` and becomes a `Basic` credential that expires when the API
 * says (12 hours). Also the one place the call is sent (a throttled call is
 * retried) and AWS failures are described: by error name and HTTP status only,
 * never by a message that could repeat a signature, a key or a token.
 *
 * @since 0.1.0
 */
import { Credential, RegistryError } from "@ociauth/core"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Base64 from "effect/encoding/Base64"
import * as throttling from "./internal/throttling.js"

/**
 * One `authorizationData` entry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthorizationData = Schema.Struct({
  authorizationToken: Schema.RedactedFromValue(Schema.String),
  expiresAt: Schema.optional(Schema.Date),
  proxyEndpoint: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type AuthorizationData = typeof AuthorizationData.Type

/**
 * ECR's output: a list (one entry per registry asked for).
 *
 * @since 0.1.0
 * @category schemas
 */
export const EcrOutput = Schema.Struct({ authorizationData: Schema.optional(Schema.Array(AuthorizationData)) })

/**
 * ECR Public's output: one entry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EcrPublicOutput = Schema.Struct({ authorizationData: Schema.optional(AuthorizationData) })

/**
 * The `Basic` credential of an entry: `AWS` and the password, expiring at `expiresAt`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toCredential = (
  data: AuthorizationData,
  context: { readonly source: string; readonly registry: string }
): Result.Result<Credential.Credential, RegistryError.CredentialError> => {
  const fail = (reason: string) => Result.fail(new RegistryError.CredentialError({ ...context, reason }))
  const decoded = Base64.decodeString(Redacted.value(data.authorizationToken))
  if (Result.isFailure(decoded)) return fail("the authorization token is not base64")
  const text = decoded.success
  const colon = text.indexOf(":")
  if (colon <= 0 || colon === text.length - 1) return fail("the authorization token is not user:password")
  const username = text.slice(0, colon)
  const password = Redacted.make(text.slice(colon + 1))
  return Result.succeed(
    data.expiresAt === undefined
      ? Credential.Basic({ username, password })
      : Credential.Basic({ username, password, expiresAt: DateTime.fromDateUnsafe(data.expiresAt) })
  )
}

/**
 * A secret-free description of an AWS SDK failure: the error's name (the AWS
 * error type: `AccessDeniedException`, `ServerException`, `CredentialsProviderError`, …)
 * and the HTTP status, if any. Messages are left out: AWS's own may quote the
 * canonical request, session token included.
 *
 * @since 0.1.0
 * @category utils
 */
export const describeFailure = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return "the AWS call failed"
  const name = "name" in error && typeof error.name === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(error.name) ? error.name : "Error"
  const metadata = "$metadata" in error ? (error.$metadata as { readonly httpStatusCode?: unknown } | undefined) : undefined
  const status = typeof metadata?.httpStatusCode === "number" ? ` (HTTP ${metadata.httpStatusCode})` : ""
  return `GetAuthorizationToken failed: ${name}${status}`
}

/**
 * Sends `GetAuthorizationToken` (`call` gets the attempt's abort signal). AWS
 * refusing for rate (`ThrottlingException` "Rate exceeded", HTTP 429: 20 TPS
 * per account and region) is retried with jittered backoff: from 250 ms (×2),
 * at most 7 retries, none started after 60 s. The engine asks once per registry
 * in flight, so a fleet waits on that one call. Any other failure, or the last
 * refusal, is a `CredentialError` (`describeFailure`).
 *
 * @since 1.0.0
 * @category utils
 */
export const send = (
  call: (signal: AbortSignal) => Promise<unknown>,
  context: { readonly source: string; readonly registry: string }
): Effect.Effect<unknown, RegistryError.CredentialError> =>
  Effect.tryPromise({
    try: call,
    catch: (error) => throttling.isThrottling(error) ? new throttling.Throttled(error) : new RegistryError.CredentialError({ ...context, reason: describeFailure(error) })
  }).pipe(
    Effect.retry({ schedule: throttling.backoff, while: (error) => error instanceof throttling.Throttled }),
    Effect.mapError((error) =>
      error instanceof throttling.Throttled
        ? new RegistryError.CredentialError({ ...context, reason: `${describeFailure(error.error)}: throttled (Rate exceeded), retries exhausted` })
        : error
    )
  )

/**
 * Decodes an SDK output with `schema`, failing with a `CredentialError`.
 *
 * @since 0.1.0
 * @category utils
 */
export const decodeOutput = <A, I>(
  schema: Schema.Codec<A, I>,
  output: unknown,
  context: { readonly source: string; readonly registry: string }
): Effect.Effect<A, RegistryError.CredentialError> =>
  Schema.decodeUnknownEffect(schema)(output).pipe(
    Effect.mapError(() => new RegistryError.CredentialError({ ...context, reason: "GetAuthorizationToken answered without authorization data" }))
  )

/**
 * Loads an optional peer dependency (an AWS SDK client package) on first use.
 *
 * @since 0.1.0
 * @category utils
 */
export const loadPeer = <M>(
  load: () => Promise<M>,
  packageName: string,
  context: { readonly source: string; readonly registry: string }
): Effect.Effect<M, RegistryError.CredentialError> =>
  Effect.tryPromise({
    try: load,
    catch: () =>
      new RegistryError.CredentialError({
        ...context,
        reason: `${packageName} is not installed: install it (npm i ${packageName}), or configure docker-credential-ecr-login for this registry in the docker config`
      })
  })
