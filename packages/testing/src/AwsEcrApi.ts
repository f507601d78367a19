/**
 * A stand-in for the Amazon ECR and ECR Public APIs that the real AWS SDK can be
 * pointed at (`endpoint`, or `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL_ECR_PUBLIC`):
 * a loopback HTTP server speaking the AWS JSON 1.1 protocol for
 * `AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken` (ECR, signing name
 * `ecr`) and `SpencerFrontendService.GetAuthorizationToken` (ECR Public, signing
 * name `ecr-public`).
 *
 * Every call is checked as AWS checks it: a SigV4 `Authorization` header whose
 * access key is the stand-in's, whose signature verifies against its secret key
 * over the canonical request, and the session token when one is configured. The
 * answers are the real shapes: `authorizationData` with `authorizationToken`
 * (base64 of `AWS:<password>`), `expiresAt` (epoch seconds) and, for ECR,
 * `proxyEndpoint`; failures are `{"__type": …, "message": …}` with the status
 * AWS uses. It counts calls, can fail (500 `ServerException`) for a window of
 * time, throttles as AWS does (`ThrottlingException` "Rate exceeded", 400, past
 * 20 calls a second with a burst of 200 per account and region: a token bucket
 * on the stand-in's clock, `throttle`), and issues passwords of a chosen lifetime that the emulator's `ecr` and
 * `ecrPublic` profiles accept (`passwords`), so that expiry is end to end.
 *
 * Plain `node:http` and `node:crypto`: no AWS package is needed to run it.
 *
 * @since 0.2.0
 */
import * as crypto from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Scope as EffectScope } from "effect"
import { Faults } from "./Faults.js"
import { listen, readBody, scopedOnClock, sendJson } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"
import type { IssuedPasswords } from "./TokenServer.js"

/**
 * @since 0.2.0
 * @category constants
 */
export const ecrTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"

/**
 * @since 0.2.0
 * @category constants
 */
export const ecrPublicTarget = "SpencerFrontendService.GetAuthorizationToken"

/**
 * The fixed test credentials the stand-in accepts: give them to the SDK.
 *
 * @since 0.2.0
 * @category models
 */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/**
 * @since 0.2.0
 * @category constants
 */
export const testCredentials: AwsCredentials = {
  accessKeyId: "AKIAOCIAUTHTESTKEY01",
  secretAccessKey: "ociauth-test-secret-access-key/0000000000"
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The credentials calls must be signed with; `testCredentials` by default. */
  readonly credentials?: AwsCredentials
  /** How long issued passwords live; 12 hours by default, as ECR's. */
  readonly tokenLifetime?: Duration.Input
  /** The registry (account) of `proxyEndpoint` when a call names none; `123456789012` by default. */
  readonly defaultAccount?: string
  /**
   * `GetAuthorizationToken`'s rate limit per account and region: a token bucket refilled at `tps`
   * calls a second holding at most `burst`; a call past it is 400 `ThrottlingException` "Rate
   * exceeded" (kubernetes#37962, aws/amazon-ecs-agent#498). AWS's 20 TPS / 200 burst by default;
   * `false` never throttles. @since 1.0.0
   */
  readonly throttle?: Throttle | false
}

/**
 * A token bucket: `tps` calls a second, at most `burst` at once.
 *
 * @since 1.0.0
 * @category models
 */
export interface Throttle {
  readonly tps: number
  readonly burst: number
}

/**
 * AWS's documented quota for `GetAuthorizationToken`: 20 TPS, 200 burst, per account and region.
 *
 * @since 1.0.0
 * @category constants
 */
export const defaultThrottle: Throttle = { tps: 20, burst: 200 }

/**
 * One call, as the stand-in saw it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Call {
  readonly target: string
  /** The signing name and region of the signature's credential scope. */
  readonly service: string
  readonly region: string
  readonly registryIds: ReadonlyArray<string>
  readonly status: number
  /** The `__type` of a failed call. @since 1.0.0 */
  readonly error?: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface AwsEcrApi {
  /** `http://127.0.0.1:<port>`: the SDK's `endpoint`. */
  readonly origin: string
  readonly credentials: AwsCredentials
  /** `AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL_ECR_PUBLIC` and the credentials, as the SDK reads them from the environment. */
  readonly environment: Readonly<Record<string, string>>
  /** Every call, in order. */
  readonly calls: ReadonlyArray<Call>
  /** Calls answered with a token, optionally of one target. */
  readonly issued: (target?: string) => number
  /** Calls refused with `ThrottlingException`. @since 1.0.0 */
  readonly throttled: () => number
  /** The rate limit from now on (`false`: none); the buckets start full. @since 1.0.0 */
  readonly setThrottle: (throttle: Throttle | false) => void
  /** Answer every call with 500 `ServerException` until this time (epoch ms, the stand-in's clock). */
  readonly failUntil: (epochMillis: number) => void
  /** The lifetime of the passwords issued from now on. */
  readonly setTokenLifetime: (lifetime: Duration.Input) => void
  /** Makes every password issued so far expired, as if its 12 hours had passed. */
  readonly expireAll: () => void
  /** The passwords issued, for the emulator to accept (`RegistryEmulator.start({ issuedPasswords })`). */
  readonly passwords: IssuedPasswords
  /** Every secret the stand-in knows (its credentials, each password and token issued), for tests that look for leaks. */
  readonly secrets: () => ReadonlyArray<string>
  /** The request log (server name `aws`). */
  readonly log: RequestLog
  readonly close: () => Promise<void>
}

const sha256 = (data: string | Buffer) => crypto.createHash("sha256").update(data).digest("hex")
const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac("sha256", key).update(data).digest()

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/

interface Verified {
  readonly service: string
  readonly region: string
}

/** Checks a SigV4 signature the way AWS does; a reason when it does not verify. */
const verifySignature = (
  method: string,
  path: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  body: Buffer,
  credentials: AwsCredentials
): { readonly ok: Verified } | { readonly error: readonly [status: number, type: string, message: string] } => {
  const header = headers["authorization"]
  if (typeof header !== "string") return { error: [400, "MissingAuthenticationTokenException", "Missing Authentication Token"] }
  const match = AUTHORIZATION.exec(header)
  if (match === null) return { error: [400, "IncompleteSignatureException", "The Authorization header is not a SigV4 signature"] }
  const [, keyId, date, region, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string, string]
  if (keyId !== credentials.accessKeyId) {
    return { error: [400, "UnrecognizedClientException", "The security token included in the request is invalid."] }
  }
  if (credentials.sessionToken !== undefined && headers["x-amz-security-token"] !== credentials.sessionToken) {
    return { error: [400, "UnrecognizedClientException", "The security token included in the request is invalid."] }
  }
  const amzDate = headers["x-amz-date"]
  if (typeof amzDate !== "string" || !amzDate.startsWith(date)) {
    return { error: [400, "IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope"] }
  }
  const names = signedHeaders.split(";")
  if (!names.includes("host") || !names.includes("x-amz-date")) {
    return { error: [400, "IncompleteSignatureException", "host and x-amz-date must be signed"] }
  }
  const canonicalHeaders = names
    .map((name) => {
      const value = headers[name]
      const text = Array.isArray(value) ? value.join(",") : String(value ?? "")
      return `${name}:${text.trim().replace(/\s+/g, " ")}\n`
    })
    .join("")
  const payloadHash = typeof headers["x-amz-content-sha256"] === "string" ? headers["x-amz-content-sha256"] : sha256(body)
  const canonicalRequest = [method, path, "", canonicalHeaders, signedHeaders, payloadHash].join("\n")
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n")
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), service), "aws4_request")
  const expected = crypto.createHmac("sha256", key).update(stringToSign).digest("hex")
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return {
      // As AWS words it: the canonical request is quoted, signed headers (a session token among them) included.
      error: [
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
          `Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\n` +
          `The String-to-Sign should have been\n'${stringToSign}'\n`
      ]
    }
  }
  return { ok: { service, region } }
}

/**
 * Starts the stand-in on a free loopback port. `now` is the clock passwords are
 * issued and checked at, and failure windows measured with (pass the emulator's).
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = async (options: Options = {}, now: () => number = () => Date.now()): Promise<AwsEcrApi> => {
  const credentials = options.credentials ?? testCredentials
  const defaultAccount = options.defaultAccount ?? "123456789012"
  let lifetime = Duration.toMillis(options.tokenLifetime ?? Duration.hours(12))
  let failingUntil = -Infinity
  let throttle: Throttle | false = options.throttle ?? defaultThrottle
  const buckets = new Map<string, { tokens: number; at: number }>()
  /** Takes one call from the bucket of an account and region; false when it is empty. */
  const admit = (key: string): boolean => {
    if (throttle === false) return true
    const at = now()
    const bucket = buckets.get(key) ?? { tokens: throttle.burst, at }
    bucket.tokens = Math.min(throttle.burst, bucket.tokens + ((at - bucket.at) / 1000) * throttle.tps)
    bucket.at = at
    buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
  const calls: Array<Call> = []
  const log = new RequestLog()
  const passwords = new Map<string, { expiresAt: number }>()
  const tokens: Array<string> = []

  const issue = () => {
    const password = crypto.randomBytes(48).toString("base64url")
    const expiresAt = now() + lifetime
    passwords.set(password, { expiresAt })
    const token = Buffer.from(`AWS:${password}`).toString("base64")
    tokens.push(token)
    return { token, expiresAt: expiresAt / 1000 }
  }

  const server = await listen({
    name: "aws",
    log,
    faults: new Faults(),
    handle: async ({ request, response, method, url }) => {
      const body = await readBody(request, 64 * 1024)
      const fail = (status: number, type: string, message: string, target = "", service = "", region = "", registryIds: ReadonlyArray<string> = []) => {
        calls.push({ target, service, region, registryIds, status, error: type })
        sendJson(response, status, { __type: type, message }, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": crypto.randomUUID() })
      }
      if (method !== "POST" || url.pathname !== "/") return fail(404, "UnknownOperationException", "")
      const target = request.headers["x-amz-target"]
      if (target !== ecrTarget && target !== ecrPublicTarget) return fail(400, "UnknownOperationException", "", String(target ?? ""))
      const verified = verifySignature(method, url.pathname, request.headers, body, credentials)
      if ("error" in verified) return fail(...verified.error, target)
      const { region, service } = verified.ok
      const expectedService = target === ecrTarget ? "ecr" : "ecr-public"
      if (service !== expectedService) return fail(400, "InvalidSignatureException", `Credential should be scoped to correct service: '${expectedService}'.`, target, service, region)
      let input: { readonly registryIds?: ReadonlyArray<string> }
      try {
        input = JSON.parse(body.toString("utf8") || "{}")
      } catch {
        return fail(400, "SerializationException", "", target, service, region)
      }
      const registryIds = input.registryIds ?? []
      if (now() < failingUntil) return fail(500, "ServerException", "We encountered an internal error. Please try again.", target, service, region, registryIds)
      // Per account (the signing key's) and region, as AWS meters API calls.
      if (!admit(`${credentials.accessKeyId}/${region}/${service}`)) return fail(400, "ThrottlingException", "Rate exceeded", target, service, region, registryIds)
      calls.push({ target, service, region, registryIds, status: 200 })
      const headers = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": crypto.randomUUID() }
      if (target === ecrPublicTarget) {
        const { expiresAt, token } = issue()
        return sendJson(response, 200, { authorizationData: { authorizationToken: token, expiresAt } }, headers)
      }
      const ids = registryIds.length === 0 ? [defaultAccount] : registryIds
      const authorizationData = ids.map((id) => {
        const { expiresAt, token } = issue()
        return { authorizationToken: token, expiresAt, proxyEndpoint: `https://${id}.dkr.ecr.${region}.amazonaws.com` }
      })
      return sendJson(response, 200, { authorizationData }, headers)
    }
  })

  return {
    origin: server.origin,
    credentials,
    environment: {
      AWS_ENDPOINT_URL_ECR: server.origin,
      AWS_ENDPOINT_URL_ECR_PUBLIC: server.origin,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken })
    },
    calls,
    issued: (target) => calls.filter((c) => c.status === 200 && (target === undefined || c.target === target)).length,
    throttled: () => calls.filter((c) => c.status === 400 && c.error === "ThrottlingException").length,
    setThrottle: (next) => {
      throttle = next
      buckets.clear()
    },
    failUntil: (epochMillis) => {
      failingUntil = epochMillis
    },
    setTokenLifetime: (input) => {
      lifetime = Duration.toMillis(input)
    },
    expireAll: () => {
      const at = now()
      for (const entry of passwords.values()) entry.expiresAt = Math.min(entry.expiresAt, at)
    },
    passwords: {
      check: (username, password) => {
        const entry = username === "AWS" ? passwords.get(password) : undefined
        if (entry === undefined) return "unknown"
        return entry.expiresAt > now() ? "valid" : "expired"
      }
    },
    secrets: () => [
      credentials.accessKeyId,
      credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? [] : [credentials.sessionToken]),
      ...passwords.keys(),
      ...tokens
    ],
    log,
    close: server.close
  }
}

/**
 * The stand-in as a scoped resource; its clock is the Effect `Clock` (give the
 * emulator the same one: `RegistryEmulator.make`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<AwsEcrApi, never, EffectScope.Scope> =>
  scopedOnClock(start, options)
