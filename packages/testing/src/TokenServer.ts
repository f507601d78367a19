/**
 * A token server that follows the distribution token spec: GET with repeated
 * `scope`, OAuth2 POST with the `password` and `refresh_token` grants,
 * `offline_token` / `access_type=offline` refresh tokens. It issues ES256 JWTs
 * with an `x5c` chain (root CA and signer generated at start; no key is ever
 * committed), or opaque tokens like GHCR's. Policies say who gets which actions
 * on which repositories; requests beyond them are narrowed silently (Docker Hub,
 * the spec) or denied (GHCR).
 *
 * The `service` of a request is the token's audience. On GET, as Docker Hub and
 * docker_auth do, a wrong `service` still gets a token — for that audience,
 * which the registry (expecting its own service) refuses with 401
 * `invalid_token`, and `verify` too; a GET without `service` gets this server's.
 * On POST, where the spec requires `service`, a wrong one is 400 `invalid_request`.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Scope as EffectScope } from "effect"
import { Scope } from "@ociauth/core"
import { Faults } from "./Faults.js"
import { makeChain } from "./internal/x509.js"
import { basicCredentials, goJson, grantedActions, listen, readBody, scopedOnClock, sendJson, sendText } from "./internal/server.js"
import type { Exchange } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"

/**
 * Actions granted to an account (or to everyone) on matching resources.
 *
 * @since 0.1.0
 * @category models
 */
export interface Grant {
  /** The account; left out, the grant applies to everyone, anonymous included. */
  readonly account?: string
  /** `repository` by default; `registry` for `registry:catalog:*`. */
  readonly type?: string
  /** An exact name, a prefix ending in `/*`, or `*` for every name. */
  readonly name: string
  readonly actions: ReadonlyArray<string>
}

/**
 * Short-lived passwords issued by another service (ECR's `GetAuthorizationToken`,
 * see `AwsEcrApi`), accepted besides `users`. The verdict is taken at the
 * server's clock.
 *
 * @since 0.2.0
 * @category models
 */
export interface IssuedPasswords {
  readonly check: (username: string, password: string) => "valid" | "expired" | "unknown"
}

/**
 * How a server refuses an expired issued password: ECR's 403 `DENIED` "Your
 * authorization token has expired. Reauthenticate and try again."
 *
 * @since 0.2.0
 * @category models
 */
export interface ExpiredAnswer {
  readonly status: number
  readonly code: string
  readonly message: string
}

/**
 * How a token server words a refusal of credentials (a wrong password, PAT or
 * API key): the OCI `errors` body (the spec; Quay's `InvalidLogin`), Docker
 * Hub's `{"details": …}` (auth.docker.io: 401 `{"details":"incorrect username
 * or password"}`), or a plain-text body (NGC "sets it to text", NERSC/shifter#238).
 *
 * @since 1.0.0
 * @category models
 */
export type Refusal =
  | { readonly shape: "oci"; readonly code: string; readonly message: string; readonly detail?: unknown }
  | { readonly shape: "details"; readonly details: string }
  | { readonly shape: "text"; readonly text: string }

/**
 * The spec's refusal: 401 `UNAUTHORIZED` "authentication required".
 *
 * @since 1.0.0
 * @category constants
 */
export const ociRefusal: Refusal = { shape: "oci", code: "UNAUTHORIZED", message: "authentication required" }

/**
 * An error a token server answers instead of a token: status, OCI code and message (and `detail`).
 *
 * @since 1.0.0
 * @category models
 */
export interface ErrorAnswer {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly detail?: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The `service` (JWT audience) tokens are issued for. */
  readonly service: string
  readonly issuer?: string
  /** The server's name in the request log; `token` by default. @since 1.0.0 */
  readonly name?: string
  /** The token endpoint path; `/token` by default. */
  readonly path?: string
  /** Accounts: username → password. */
  readonly users?: Readonly<Record<string, string>>
  /**
   * Who gets what. Default: every account gets `*` on every repository and the
   * catalog; anonymous gets `pull` on every repository.
   */
  readonly grants?: ReadonlyArray<Grant>
  /** Token lifetime; 300 s by default. */
  readonly ttl?: Duration.Input
  /** Leave `expires_in` out of responses, as GHCR does. */
  readonly omitExpiresIn?: boolean
  /**
   * `silent` (default): grant the intersection, as the spec and Docker Hub do;
   * `deny`: 403 DENIED, as GHCR does; `denyAnonymous`: DENIED for anonymous
   * requests, silent for accounts, as GitLab does.
   */
  readonly narrowing?: "silent" | "deny" | "denyAnonymous"
  /** Grant at most this many scopes per token (the first ones asked for), silently, as registries that cap multi-scope tokens do. */
  readonly maxScopes?: number
  /**
   * Refuse anonymous requests without any scope: `true` with 401 (Quay's
   * `Unauthorized`), `"denied"` with 403 `DENIED` (GHCR, seed 000).
   */
  readonly anonymousNeedsScope?: boolean | "denied"
  /** The body of a refusal of credentials (401); the OCI `errors` shape by default. @since 1.0.0 */
  readonly refusal?: Refusal
  /** The fields of a GET answer: `token` and `access_token` (Docker Hub, the spec's both), or `token` alone (GHCR, Quay). @since 1.0.0 */
  readonly tokenFields?: "both" | "token"
  /** Whether the OAuth2 POST needs `client_id` (the spec); ACR's documented POST has none. Default true. @since 1.0.0 */
  readonly postNeedsClientId?: boolean
  /**
   * A repository name the server refuses before looking it up (GHCR answers 400
   * to `repository:toddysm:pull` and `repository:*:pull`, seed 000): the answer, or `undefined`.
   * @since 1.0.0
   */
  readonly invalidName?: (name: string) => ErrorAnswer | undefined
  /**
   * The status of an anonymous request for a repository it may not pull at all
   * (private or absent), where narrowing is `deny`: 403 `DENIED` by default,
   * 401 `UNAUTHORIZED` as GHCR (openai/tunnel-client#75). Called with the name.
   * @since 1.0.0
   */
  readonly anonymousRefusal?: (name: string) => 401 | 403
  /**
   * An authenticated request for `push` that the policy does not grant: narrowed
   * (default) or refused with this answer for the name (Quay's `Unsupported`
   * "No permission to modify repository" / "Unknown namespace", 405).
   * @since 1.0.0
   */
  readonly pushRefusal?: (subject: string, name: string) => ErrorAnswer
  /**
   * When the Basic credentials a token was issued for expire (epoch ms), if they
   * do: the token dies with them, whatever its own lifetime (GAR's registry
   * tokens die with the OAuth2 access token behind them). @since 1.0.0
   */
  readonly credentialExpiry?: (username: string, password: string) => number | undefined
  /** Leave scopes granted no action out of the `access` claim, as Docker Hub (`"access":[]`, seed 002). @since 1.0.0 */
  readonly omitEmptyAccess?: boolean
  /** End JSON bodies with a newline, as Go servers do (Docker Hub, GHCR). @since 1.0.0 */
  readonly jsonNewline?: boolean
  /** `jwt` (default) or `opaque` tokens that only this server can read, as GHCR's. */
  readonly tokenFormat?: "jwt" | "opaque"
  /** Answer `registry:*` scopes with 400 "unknown resource type", as Docker Hub does. */
  readonly rejectRegistryScopes?: boolean
  /** Answer requests without credentials with 401 instead of an anonymous token. */
  readonly requireCredentials?: boolean
  /** Serve OAuth2 POST; when false, POST answers 405 (to exercise the GET fallback). Default true. */
  readonly oauth?: boolean
  /** The status POST answers when `oauth` is false: 405 by default, 404 as Google's `/v2/token`. */
  readonly postRefusal?: number
  /**
   * Basic credentials checked by a function, besides `users`: the account
   * (subject) they stand for, or `undefined`. A cloud's identity side: GAR's
   * `oauth2accesstoken` with a live OAuth2 access token.
   */
  readonly authenticate?: (username: string, password: string) => string | undefined
  /**
   * The Basic username that presents a refresh token (one of `issueRefreshToken`'s,
   * live) as its password, standing for the token's subject: ACR's zero GUID. @since 1.0.0
   */
  readonly refreshTokenUsername?: string
  /**
   * A policy computed per request, in place of `grants`: the actions `subject`
   * (empty for anonymous) may have on the resource.
   */
  readonly authorize?: (subject: string, type: string, name: string) => ReadonlyArray<string>
  /** Record requests in this log (e.g. one shared with a registry); a new one by default. */
  readonly log?: RequestLog
  /** Passwords issued elsewhere (ECR Public's login), accepted besides `users`. @since 0.2.0 */
  readonly issuedPasswords?: IssuedPasswords
  /** The answer to an expired issued password; 401 `UNAUTHORIZED` by default. @since 0.2.0 */
  readonly expiredCredential?: ExpiredAnswer
  /** Opaque scopes (ECR Public's `aws`) accepted, granting nothing by themselves. @since 0.2.0 */
  readonly opaqueScopes?: ReadonlyArray<string>
}

/**
 * What a valid token grants.
 *
 * @since 0.1.0
 * @category models
 */
export interface Grantee {
  /** The account, empty for anonymous. */
  readonly subject: string
  readonly access: ReadonlyArray<Scope.ResourceScope>
  readonly expiresAt: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TokenServer {
  readonly origin: string
  /** The realm to put in challenges: origin + path. */
  readonly realm: string
  readonly service: string
  readonly issuer: string
  /** PEM of the root CA that signs the token signer; the registry's `rootcertbundle`. */
  readonly rootCertificatePem: string
  readonly log: RequestLog
  readonly faults: Faults
  /** Checks a token this server issued: signature (or opaque lookup), issuer, audience, time. */
  readonly verify: (token: string) => Option.Option<Grantee>
  /** Whether a token is one of this server's that is valid, one that has expired, or unknown (forged, another audience). @since 1.0.0 */
  readonly inspect: (token: string) => "valid" | "expired" | "unknown"
  /**
   * Issues a token directly, without a request (for tests of expiry and
   * narrowing). `lifetimeSeconds` may be negative: an already expired token;
   * `audience` (default: this server's service) another service's token.
   */
  readonly issue: (
    subject: string,
    access: ReadonlyArray<Scope.ResourceScope>,
    lifetimeSeconds?: number,
    audience?: string
  ) => string
  /**
   * Issues a refresh token for `subject` that the OAuth2 POST
   * (`grant_type=refresh_token`) takes until it expires: a JWT whose `exp` a
   * client can read (ACR's exchange answers with one).
   */
  readonly issueRefreshToken: (subject: string, lifetimeSeconds: number) => string
  readonly close: () => Promise<void>
}

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url")

const defaultGrants = (users: Readonly<Record<string, string>>): ReadonlyArray<Grant> => [
  ...Object.keys(users).flatMap((account) => [
    { account, name: "*", actions: ["*"] },
    { account, type: "registry", name: "catalog", actions: ["*"] }
  ]),
  { name: "*", actions: ["pull"] }
]

/**
 * Starts a token server on a free loopback port. `now` gives the time tokens
 * are issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
/**
 * The token endpoint without a server of its own, to mount on another server
 * (GHCR serves `/token` on the registry's origin).
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  readonly path: string
  readonly issuer: string
  readonly service: string
  readonly rootCertificatePem: string
  readonly log: RequestLog
  readonly handle: (exchange: Exchange) => Promise<void>
  readonly verify: TokenServer["verify"]
  readonly inspect: TokenServer["inspect"]
  readonly issue: TokenServer["issue"]
  readonly issueRefreshToken: TokenServer["issueRefreshToken"]
}

/**
 * Builds the token endpoint (keys, policy, handler) without listening.
 *
 * @since 0.1.0
 * @category constructors
 */
export const endpoint = (options: Options, now: () => number = () => Date.now()): Endpoint => {
  const path = options.path ?? "/token"
  const issuer = options.issuer ?? "ociauth-test-issuer"
  const users = options.users ?? {}
  const grants = options.grants ?? defaultGrants(users)
  const ttlSeconds = Math.max(1, Math.round(Duration.toSeconds(options.ttl ?? Duration.seconds(300))))
  const chain = makeChain("ociauth test", now())
  const x5c = [Buffer.from(chain.leaf.der).toString("base64"), Buffer.from(chain.root.der).toString("base64")]
  const opaque = new Map<string, { readonly grantee: Grantee; readonly audience: string }>()
  const refreshTokens = new Map<string, { readonly subject: string; readonly expiresAt: number }>()
  const log = options.log ?? new RequestLog()

  const allowed = (subject: string, type: string, name: string): ReadonlyArray<string> =>
    options.authorize !== undefined ? options.authorize(subject, type, name) : grantedActions(grants, subject, type, name)

  const issue = (
    subject: string,
    access: ReadonlyArray<Scope.ResourceScope>,
    lifetimeSeconds?: number,
    audience: string = options.service,
    diesAt: number = Infinity
  ): string => {
    const issuedAt = now()
    // A token issued on credentials that expire dies with them (GAR: the OAuth2 token behind it).
    const seconds = Math.min(lifetimeSeconds ?? ttlSeconds, Math.floor((diesAt - issuedAt) / 1000))
    // JWT times are whole seconds. Both are rounded up, so that a token lives at least the
    // `expires_in` it is issued with and `exp - iat` still says exactly that (flooring them made a
    // "1 second" token issued at x.999 s live 1 ms; distribution hides that with a 60 s leeway,
    // which the emulator does not have).
    const iat = Math.ceil(issuedAt / 1000)
    const exp = iat + seconds
    const expiresAt = Math.min(issuedAt + seconds * 1000, diesAt)
    if (options.tokenFormat === "opaque") {
      const token = `djE6${crypto.randomBytes(24).toString("base64url")}`
      opaque.set(token, { grantee: { subject, access, expiresAt }, audience })
      return token
    }
    const header = { typ: "JWT", alg: "ES256", x5c }
    const claims = {
      iss: issuer,
      sub: subject,
      aud: audience,
      exp,
      nbf: Math.min(iat, exp) - 1,
      iat,
      jti: crypto.randomBytes(12).toString("base64url"),
      access: access.map((s) => ({ type: s.type, name: s.name, actions: [...s.actions] }))
    }
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
    const signature = crypto.sign("sha256", Buffer.from(input), { key: chain.leaf.privateKey, dsaEncoding: "ieee-p1363" })
    return `${input}.${b64url(signature)}`
  }

  const verify = (token: string): Option.Option<Grantee> => {
    if (options.tokenFormat === "opaque") {
      const entry = opaque.get(token)
      return entry !== undefined && entry.audience === options.service && entry.grantee.expiresAt > now()
        ? Option.some(entry.grantee)
        : Option.none()
    }
    const parts = token.split(".")
    if (parts.length !== 3) return Option.none()
    const ok = crypto.verify(
      "sha256",
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: chain.leaf.publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(parts[2]!, "base64url")
    )
    if (!ok) return Option.none()
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"))
      const seconds = now() / 1000
      if (claims.iss !== issuer || claims.aud !== options.service || claims.exp <= seconds || claims.nbf > seconds + 1) {
        return Option.none()
      }
      const access = (claims.access ?? []).map((a: { type: string; name: string; actions: Array<string> }) =>
        Scope.resource(a.type, a.name, a.actions ?? [])
      )
      return Option.some({ subject: claims.sub, access, expiresAt: claims.exp * 1000 })
    } catch {
      return Option.none()
    }
  }

  const inspect = (token: string): "valid" | "expired" | "unknown" => {
    if (Option.isSome(verify(token))) return "valid"
    if (options.tokenFormat === "opaque") {
      const entry = opaque.get(token)
      return entry !== undefined && entry.audience === options.service ? "expired" : "unknown"
    }
    const parts = token.split(".")
    if (parts.length !== 3) return "unknown"
    const signed = crypto.verify(
      "sha256",
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: chain.leaf.publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(parts[2]!, "base64url")
    )
    if (!signed) return "unknown"
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"))
      return claims.iss === issuer && claims.aud === options.service && claims.exp <= now() / 1000 ? "expired" : "unknown"
    } catch {
      return "unknown"
    }
  }

  /** The subject of an expired issued password. */
  const expired = "\u0000expired"

  type Request = {
    readonly subject: string | undefined
    /** The `service` asked for: the token's audience. */
    readonly audience: string
    readonly scopes: ReadonlyArray<string>
    readonly offline: boolean
    readonly oauth: boolean
    /** When the credentials presented expire (GAR's OAuth2 token), if they do. */
    readonly diesAt: number
  }

  const answer = (exchange: Exchange, request: Request) => {
    const { response } = exchange
    const deny = (status: number, code: string, message: string, detail?: unknown) =>
      sendJson(response, status, { errors: [detail === undefined ? { code, message } : { code, message, detail }] })
    if (request.subject === expired) {
      const answer = options.expiredCredential ?? { status: 401, code: "UNAUTHORIZED", message: "authentication required" }
      return deny(answer.status, answer.code, answer.message)
    }
    if (request.subject === undefined) {
      const refusal = options.refusal ?? ociRefusal
      switch (refusal.shape) {
        case "details":
          return sendJson(response, 401, { details: refusal.details })
        case "text":
          return sendText(response, 401, refusal.text)
        default:
          return deny(401, refusal.code, refusal.message, refusal.detail)
      }
    }
    if (request.subject === "" && options.requireCredentials === true) return deny(401, "UNAUTHORIZED", "authentication required")
    if (request.subject === "" && request.scopes.length === 0 && options.anonymousNeedsScope === "denied") {
      return deny(403, "DENIED", "requested access to the resource is denied")
    }
    if (request.subject === "" && request.scopes.length === 0 && options.anonymousNeedsScope === true) {
      return deny(401, "UNAUTHORIZED", "anonymous requests need a scope")
    }
    const granted: Array<Scope.ResourceScope> = []
    for (const text of request.scopes) {
      if (options.opaqueScopes?.includes(text) === true) continue
      const parsed = Effect.runSync(Effect.option(Scope.parse(text)))
      if (Option.isNone(parsed) || parsed.value._tag !== "Resource") {
        return sendJson(response, 400, { details: "invalid scope" })
      }
      const scope = parsed.value
      if (scope.type === "registry" && options.rejectRegistryScopes === true) {
        return sendJson(response, 400, { details: "unknown resource type" })
      }
      const invalid = scope.type === "repository" ? options.invalidName?.(scope.name) : undefined
      if (invalid !== undefined) return deny(invalid.status, invalid.code, invalid.message, invalid.detail)
      const may = allowed(request.subject, scope.type, scope.name)
      const actions = scope.actions.filter((a) => may.includes("*") || may.includes(a))
      if (options.pushRefusal !== undefined && request.subject !== "" && scope.actions.includes("push") && !actions.includes("push")) {
        const refusal = options.pushRefusal(request.subject, scope.name)
        return deny(refusal.status, refusal.code, refusal.message, refusal.detail)
      }
      const denies = options.narrowing === "deny" || (options.narrowing === "denyAnonymous" && request.subject === "")
      if (denies && actions.length < scope.actions.length) {
        if (request.subject === "" && may.length === 0 && options.anonymousRefusal?.(scope.name) === 401) {
          return deny(401, "UNAUTHORIZED", "authentication required")
        }
        return deny(403, "DENIED", "requested access to the resource is denied")
      }
      if (actions.length > 0 || options.omitEmptyAccess !== true) granted.push({ ...scope, actions })
    }
    if (options.maxScopes !== undefined) granted.splice(options.maxScopes)
    const token = issue(request.subject, granted, undefined, request.audience, request.diesAt)
    const body: Record<string, unknown> = request.oauth
      ? { access_token: token }
      : options.tokenFields === "token" ? { token } : { token, access_token: token }
    if (options.omitExpiresIn !== true) {
      body.expires_in = ttlSeconds
      body.issued_at = new Date(now()).toISOString()
    }
    if (request.oauth) body.scope = granted.map(Scope.format).join(" ")
    if (request.offline && request.subject !== "") {
      const refresh = crypto.randomBytes(24).toString("base64url")
      refreshTokens.set(refresh, { subject: request.subject, expiresAt: Infinity })
      body.refresh_token = refresh
    }
    sendJson(response, 200, body)
  }

  const refreshed = (token: string): string | undefined => {
    const refresh = refreshTokens.get(token)
    return refresh !== undefined && refresh.expiresAt > now() ? refresh.subject : undefined
  }

  const account = (username: string, password: string): string | undefined =>
    users[username] !== undefined && users[username] === password
      ? username
      : options.authenticate?.(username, password) ?? (username === options.refreshTokenUsername ? refreshed(password) : undefined)

  const diesAt = (header: string | undefined): number => {
    const credentials = options.credentialExpiry === undefined ? undefined : basicCredentials(header)
    return credentials === undefined ? Infinity : options.credentialExpiry!(credentials.username, credentials.password) ?? Infinity
  }

  const authenticate = (header: string | undefined): string | undefined => {
    if (header === undefined) return ""
    const credentials = basicCredentials(header)
    if (credentials === undefined) return undefined
    const known = account(credentials.username, credentials.password)
    if (known !== undefined) return known
    const issued = options.issuedPasswords?.check(credentials.username, credentials.password)
    return issued === "valid" ? credentials.username : issued === "expired" ? expired : undefined
  }

  const issueRefreshToken = (subject: string, lifetimeSeconds: number): string => {
    const iat = Math.floor(now() / 1000)
    const claims = { iss: issuer, sub: subject, aud: options.service, iat, exp: iat + lifetimeSeconds, grant_type: "refresh_token", jti: crypto.randomBytes(12).toString("base64url") }
    const token = `${b64url(JSON.stringify({ typ: "JWT", alg: "none" }))}.${b64url(JSON.stringify(claims))}.${crypto.randomBytes(16).toString("base64url")}`
    refreshTokens.set(token, { subject, expiresAt: (iat + lifetimeSeconds) * 1000 })
    return token
  }

  const handle = async (exchange: Exchange): Promise<void> => {
      const { method, url, request, response } = exchange
      if (options.jsonNewline === true) goJson(response)
      if (url.pathname !== path) return sendJson(response, 404, { details: "not found" })
      if (method === "GET") {
        const subject = authenticate(request.headers.authorization)
        // As docker_auth does: `account`, when given, names the authenticated user.
        const account = url.searchParams.get("account")
        const username = basicCredentials(request.headers.authorization)?.username
        if (account !== null && subject !== undefined && subject !== "" && subject !== expired && account !== username) {
          return sendJson(response, 400, { details: "user and account are not the same" })
        }
        return answer(exchange, {
          subject,
          // As Docker Hub and docker_auth do: a token for the service asked for, which the
          // registry (expecting its own) refuses as invalid_token. None asked: this one.
          audience: url.searchParams.get("service") ?? options.service,
          scopes: url.searchParams.getAll("scope").flatMap((s) => s.split(" ")).filter(Boolean),
          offline: url.searchParams.get("offline_token") === "true",
          oauth: false,
          diesAt: diesAt(request.headers.authorization)
        })
      }
      if (method === "POST") {
        if (options.oauth === false) {
          const status = options.postRefusal ?? 405
          return sendJson(response, status, { details: status === 404 ? "not found" : "method not allowed" })
        }
        const body = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
        // As Go's `Request.FormValue`: a field of the form, else of the query string (Docker Hub
        // answers a POST with `service`, `client_id` and `access_type` in the query, seed 004).
        const form = {
          get: (name: string): string | null => body.get(name) ?? url.searchParams.get(name),
          getAll: (name: string): Array<string> => (body.has(name) ? body.getAll(name) : url.searchParams.getAll(name))
        }
        if (form.get("service") !== options.service || (options.postNeedsClientId !== false && !form.get("client_id"))) {
          return sendJson(response, 400, { error: "invalid_request" })
        }
        let subject: string | undefined
        if (form.get("grant_type") === "password") {
          subject = account(form.get("username") ?? "", form.get("password") ?? "")
        } else if (form.get("grant_type") === "refresh_token") {
          subject = refreshed(form.get("refresh_token") ?? "")
        } else {
          return sendJson(response, 400, { error: "unsupported_grant_type" })
        }
        return answer(exchange, {
          subject,
          audience: options.service,
          // One space-separated `scope`, as OAuth2 has it, or several (ACR).
          scopes: form.getAll("scope").flatMap((s) => s.split(" ")).filter(Boolean),
          offline: form.get("access_type") === "offline",
          oauth: true,
          diesAt: Infinity
        })
      }
      sendJson(response, 405, { details: "method not allowed" })
  }

  return { path, issuer, service: options.service, rootCertificatePem: chain.root.pem, log, handle, verify, inspect, issue, issueRefreshToken }
}

/**
 * Starts a token server on a free loopback port. `now` gives the time tokens
 * are issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options, now: () => number = () => Date.now()): Promise<TokenServer> => {
  const service = endpoint(options, now)
  const faults = new Faults()
  const server = await listen({ name: options.name ?? "token", log: service.log, faults, handle: service.handle })
  return {
    origin: server.origin,
    realm: `${server.origin}${service.path}`,
    service: service.service,
    issuer: service.issuer,
    rootCertificatePem: service.rootCertificatePem,
    log: service.log,
    faults,
    verify: service.verify,
    inspect: service.inspect,
    issue: service.issue,
    issueRefreshToken: service.issueRefreshToken,
    close: server.close
  }
}

/**
 * A token server as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<TokenServer, never, EffectScope.Scope> =>
  scopedOnClock(start, options)

/**
 * @since 0.1.0
 * @category tags
 */
export class Server extends Context.Service<Server, TokenServer>()("@ociauth/testing/Server") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Server> => Layer.effect(Server, make(options))
