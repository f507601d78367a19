import { Challenge, Credential, Realm, Registries, RegistryError, Scope, Token } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { RegistryClient } from "@ociauth/fetch"
import { Builtins } from "ociauth"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Base64 from "effect/encoding/Base64"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientError, HttpMethod } from "effect/http"
import type * as Findings from "../Findings.js"
import type * as Probe from "../Probe.js"
import { ProbeError } from "./probeError.js"
import * as Sanitize from "./sanitize.js"
import type { Exchange } from "../Transcript.js"

/** A digest no registry holds: DELETE is probed with it, so nothing is ever deleted. */
export const ABSENT_DIGEST = "sha256:0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a"
const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ")
const MAX_BODY = 64 * 1024
/**
 * The time one exchange of the probe has when `Probe.Options.deadline` is not given: the SDK's default
 * request deadline (`RegistryClient.defaultDeadline`), so that `probe` gives a silent registry up
 * when `request` and `token` do.
 */
export const DEFAULT_DEADLINE = RegistryClient.defaultDeadline
/** A tag as the distribution spec writes it: a tag list's first entry is used in a URL only when it is one. */
const TAG = /^[\w][\w.-]{0,127}$/

interface Reply {
  readonly status: number | null
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

interface Issued {
  readonly attempt: Findings.TokenAttempt
  readonly granted: Option.Option<ReadonlyArray<Scope.Scope>>
  readonly value: Option.Option<string>
  readonly response: Option.Option<Token.Response>
  readonly fields: ReadonlyArray<string>
}

const decodeToken = Schema.decodeUnknownOption(Schema.fromJsonString(Token.Response))

const bodyKind = (reply: Reply): "json" | "empty" | "other" => {
  if (reply.text.trim() === "") return "empty"
  try {
    JSON.parse(reply.text)
    return "json"
  } catch {
    return "other"
  }
}

const errorOf = (text: string): string | null => {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string }>; details?: string; error?: string }
    return body.errors?.[0]?.code ?? body.details ?? body.error ?? null
  } catch {
    return text.trim() === "" ? null : text.trim().slice(0, 80)
  }
}

/** The OCI error codes of a body. */
const codesOf = (text: string): ReadonlyArray<string> => {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors
    return Array.isArray(errors) ? errors.flatMap((e: { code?: unknown }) => (typeof e?.code === "string" ? [e.code] : [])) : []
  } catch {
    return []
  }
}

/**
 * What the SDK makes of a token endpoint's answer (`TokenRequestError`'s reason and detail): `null` for a
 * token, no answer, or an OAuth2 POST the endpoint does not take (the SDK asks again with GET).
 */
const refusalOf = (
  reply: Reply,
  method: "GET" | "POST",
  identity: "anonymous" | "credentials",
  issued: boolean
): { readonly refusal: Findings.TokenRefusal | null; readonly detail: string | null } => {
  const none = { refusal: null, detail: null }
  if (reply.status === null || issued) return none
  const codes = codesOf(reply.text)
  if (method === "POST" && (reply.status === 404 || reply.status === 405) && !codes.includes("UNSUPPORTED")) return none
  const said = Unstable.refusalReason(reply.text) ?? null
  switch (reply.status) {
    case 401:
      return {
        refusal: "Unauthorized",
        detail: identity === "anonymous" ? `credentials are needed (an anonymous token was refused)${said === null ? "" : `: ${said}`}` : said
      }
    case 403:
      return { refusal: "Denied", detail: said }
    case 429:
      return { refusal: "RateLimited", detail: said }
    default:
      if (reply.status === 400 && codes.includes("NAME_INVALID")) return { refusal: "InvalidName", detail: said }
      if (reply.status === 405 && codes.includes("UNSUPPORTED")) return { refusal: "Denied", detail: `the account has no write permission (${said ?? "UNSUPPORTED"})` }
      return { refusal: "BadResponse", detail: reply.status >= 200 && reply.status < 300 ? "the body is not a token response" : said }
  }
}

const seen = (reply: Reply): Effect.Effect<Findings.ChallengeSeen> => {
  const header = reply.headers["www-authenticate"]
  const none: Findings.ChallengeSeen = { status: reply.status, scheme: null, realm: null, service: null, scope: null }
  if (header === undefined) return Effect.succeed(none)
  return Challenge.parse(header, { lenient: true }).pipe(
    Effect.map((challenges) => {
      const bearer = Challenge.bearer(challenges)
      if (Option.isSome(bearer)) {
        const b = bearer.value
        return { status: reply.status, scheme: "bearer", realm: b.realm, service: b.service ?? null, scope: b.scopes.length === 0 ? null : b.scopes.map(Scope.format).join(" ") }
      }
      const first = challenges[0]
      return first === undefined ? none : { ...none, scheme: first.scheme, realm: first.params.realm ?? null }
    }),
    Effect.orElseSucceed(() => none)
  )
}

/** The API origin for what the user typed: a URL as it is; a host through the built-in adapters (docker.io → registry-1.docker.io). */
export const originOf = (registry: string, insecure: boolean): Result.Result<string, string> => {
  try {
    if (registry.includes("://")) return Result.succeed(new URL(registry).origin)
    const host = new URL(`https://${registry}`).host
    const origin = Registries.make(Builtins.adapters).resolve(host).origin(host)
    return Result.succeed(insecure ? origin.replace(/^https:/, "http:") : origin)
  } catch {
    return Result.fail(`"${registry}" is neither a host[:port] nor a URL`)
  }
}

/** A transport failure as the transcript writes it: the reason (Transport, Encode, InvalidUrl) and its cause. */
const failureText = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason
  switch (reason._tag) {
    case "TransportError": {
      const { code, detail } = Unstable.transportCause(reason.cause)
      return `Transport: ${Unstable.transportText(code, reason.description ?? detail)}`.slice(0, 200)
    }
    case "EncodeError":
    case "InvalidUrlError":
      return `${reason._tag.replace(/Error$/, "")}: ${String(reason.cause ?? reason.description ?? "")}`.slice(0, 200)
    default:
      return reason._tag
  }
}

/** The refusals, one per identity, reason and words: the credentials' first, then in the order met. */
const refusals = (attempts: ReadonlyArray<Findings.TokenAttempt>): Findings.Findings["tokenRefusals"] => {
  const out: Array<Findings.TokenAttempt & { readonly refusal: Findings.TokenRefusal }> = []
  for (const attempt of attempts) {
    const refusal = attempt.refusal
    if (refusal === null) continue
    if (out.some((o) => o.identity === attempt.identity && o.refusal === refusal && o.detail === attempt.detail)) continue
    out.push({ ...attempt, refusal })
  }
  return [...out.filter((o) => o.identity === "credentials"), ...out.filter((o) => o.identity === "anonymous")]
}

export const run = (options: Probe.Options): Effect.Effect<Probe.Result, ProbeError | RegistryClient.RegistryTimeout, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const deadline = Duration.fromInputUnsafe(options.deadline ?? DEFAULT_DEADLINE)
    const deadlineMillis = Duration.toMillis(deadline)
    const origin = yield* Result.match(originOf(options.registry, options.insecure ?? false), {
      onFailure: (reason) => Effect.fail(new ProbeError({ reason: "Usage", detail: reason })),
      onSuccess: Effect.succeed
    })
    const host = new URL(origin).host
    const exchanges: Array<Exchange> = []
    const secrets: Array<string> = []
    const credential = options.credential ?? Credential.anonymous
    secrets.push(...Credential.secrets(credential))
    if (credential._tag === "Basic") secrets.push(Base64.encode(`${credential.username}:${Redacted.value(credential.password)}`))
    const hasCredentials = credential._tag !== "Anonymous"
    // The engine's rules, not a copy: credentials over plain HTTP only to loopback or a host declared --insecure;
    // a realm only where Realm.validate lets credentials go.
    const insecureHosts = options.insecure === true ? [host] : []
    if (hasCredentials && new URL(origin).protocol === "http:" && !Unstable.mayUsePlainHttp(origin, insecureHosts)) {
      return yield* new ProbeError({
        reason: "Usage",
        detail: `${origin} is plain HTTP: credentials go over plain HTTP only to loopback or to a host declared with --insecure`
      })
    }
    const step = options.onStep ?? (() => Effect.void)

    // The rate limits met (one per kind and server), and the Authorization values that carry the credentials
    // given (Basic, or a token issued on them): a pull limit met with them is the account's.
    const limits: Array<Findings.RateLimitSeen> = []
    const credentialed = new Set<string>()
    const meet = (limited: RegistryError.RateLimited, where: Findings.RateLimitSeen["where"]) => {
      const i = limits.findIndex((l) => l.kind === limited.kind && l.where === where)
      if (i !== -1) {
        limits[i] = { ...limits[i]!, count: limits[i]!.count + 1 }
        return
      }
      limits.push({
        kind: limited.kind,
        where,
        url: limited.url,
        status: limited.status,
        retryAfterSeconds: limited.retryAfterMillis === undefined ? null : Math.round(limited.retryAfterMillis / 1000),
        limit: limited.limit ?? null,
        remaining: limited.remaining ?? null,
        windowSeconds: limited.windowSeconds ?? null,
        detail: limited.detail ?? null,
        authenticated: limited.authenticated === true,
        howToRaise: limited.howToRaise,
        count: 1
      })
    }

    const send = (
      title: string,
      method: HttpMethod.HttpMethod,
      url: string,
      headers: Record<string, string> = {},
      form?: string,
      context: { readonly where: Findings.RateLimitSeen["where"]; readonly authenticated?: boolean } = { where: "registry" }
    ) =>
      Effect.gen(function* () {
        const base = HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(headers))
        const request = form === undefined ? base : HttpClientRequest.bodyText(base, form, "application/x-www-form-urlencoded")
        const answer = yield* client.execute(request).pipe(
          Effect.flatMap((response) =>
            Effect.map(method === "HEAD" ? Effect.succeed("") : response.text, (text) => ({
              status: response.status as number | null,
              headers: response.headers as Readonly<Record<string, string>>,
              text: text.slice(0, MAX_BODY)
            }))
          ),
          Effect.mapError(failureText),
          Effect.result,
          // No answer within the deadline ends the probe, as it ends a request of the SDK: the registry's typed timeout.
          Effect.timeoutOrElse({
            duration: deadline,
            orElse: () =>
              Effect.fail(
                new RegistryClient.RegistryTimeout({
                  method,
                  url: Unstable.redactUrl(url),
                  waitingFor: `the response of ${Unstable.redactUrl(url)}`,
                  bound: "deadline",
                  deadlineMillis,
                  responseTimeoutMillis: deadlineMillis,
                  attempts: 1
                })
              )
          })
        )
        const requestHeaders = { ...headers, ...(form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }) }
        const exchange: Exchange = Result.match(answer, {
          onFailure: (error) => ({ title, method, url, requestHeaders, ...(form === undefined ? {} : { requestBody: form }), error }),
          onSuccess: (reply) => ({
            title,
            method,
            url,
            requestHeaders,
            ...(form === undefined ? {} : { requestBody: form }),
            status: reply.status ?? 0,
            responseHeaders: reply.headers,
            responseBody: reply.text
          })
        })
        exchanges.push(exchange)
        const reply = Result.getOrElse(answer, (): Reply => ({ status: null, headers: {}, text: "" }))
        // A HEAD's 429 has no body to tell which limit it is: the GET that follows it is read instead.
        if (reply.status === 429 && method !== "HEAD") {
          const limited = Unstable.rateLimitedFrom({
            url,
            status: reply.status,
            headers: reply.headers,
            text: reply.text,
            nowMillis: yield* Clock.currentTimeMillis,
            authenticated: context.authenticated ?? (headers.authorization !== undefined && credentialed.has(headers.authorization))
          })
          if (Option.isSome(limited)) {
            meet(limited.value, context.where)
            const last = exchanges.pop()!
            exchanges.push({ ...last, note: `rate limited: ${limited.value.message}` })
          }
        }
        return reply
      })

    const note = (text: string) =>
      Effect.sync(() => {
        const last = exchanges.pop()
        if (last !== undefined) exchanges.push({ ...last, note: text })
      })

    // 1. the root, /v2/, /v2, _catalog: anonymously
    yield* step("the registry root")
    const root = yield* send("Get the registry root", "GET", `${origin}/`)
    yield* step("/v2/")
    const base = yield* send("Get the /v2/ endpoint", "GET", `${origin}/v2/`)
    if (base.status === null) {
      const failure = exchanges[exchanges.length - 1]?.error ?? "no answer"
      return yield* new ProbeError({
        reason: "Network",
        detail: `${origin}/v2/ did not answer (${failure}). Is ${host} the registry's API host?${origin.startsWith("https:") ? " For a plain-HTTP registry add --insecure." : ""}`
      })
    }
    const bare = yield* send("Get the /v2 endpoint (no trailing slash)", "GET", `${origin}/v2`)
    yield* step("the catalog challenge")
    const catalogAnonymous = yield* send("Get the /v2/_catalog endpoint", "GET", `${origin}/v2/_catalog`)
    const baseChallenge = yield* seen(base)
    const catalogChallenge = yield* seen(catalogAnonymous)

    const realm = baseChallenge.realm ?? catalogChallenge.realm
    const service = baseChallenge.service ?? catalogChallenge.service
    const scheme: "bearer" | "basic" | "none" = baseChallenge.scheme === "bearer" || catalogChallenge.scheme === "bearer"
      ? "bearer"
      : baseChallenge.scheme === "basic" || catalogChallenge.scheme === "basic"
        ? "basic"
        : "none"
    // A hostile realm (an internal address, a plain-HTTP host, a private-use name…) is reported, never asked: no
    // token request goes there, with credentials or without.
    const realmUrl = realm === null ? Result.fail(null) : Realm.validate(realm, origin, { insecure: insecureHosts })
    const realmRefused = Result.match(realmUrl, { onFailure: (rejected) => (rejected === null ? null : rejected.message), onSuccess: () => null })
    const attempts: Array<Findings.TokenAttempt> = []
    const basicHeader = credential._tag === "Basic"
      ? `Basic ${Base64.encode(`${credential.username}:${Redacted.value(credential.password)}`)}`
      : undefined

    // Token requests: GET (Basic for credentials) or the OAuth2 POST (password or refresh_token grant).
    const token = (
      title: string,
      scopes: ReadonlyArray<string>,
      identity: "anonymous" | "credentials",
      method: "GET" | "POST" = identity === "credentials" && credential._tag === "IdentityToken" ? "POST" : "GET",
      serviceName: string | null = service
    ): Effect.Effect<Issued, RegistryClient.RegistryTimeout> =>
      Effect.gen(function* () {
        const nothing: Issued = {
          attempt: { method, scopes, identity, status: null, error: "no realm", granted: null, refusal: null, detail: null },
          granted: Option.none(),
          value: Option.none(),
          response: Option.none(),
          fields: []
        }
        if (scheme !== "bearer" || Result.isFailure(realmUrl)) {
          return realmRefused === null ? nothing : { ...nothing, attempt: { ...nothing.attempt, error: "realm refused: nothing sent" } }
        }
        let reply: Reply
        if (method === "GET") {
          const url = new URL(realmUrl.success)
          if (serviceName !== null) url.searchParams.set("service", serviceName)
          for (const s of scopes) url.searchParams.append("scope", s)
          reply = yield* send(title, "GET", url.toString(), identity === "credentials" && basicHeader !== undefined ? { authorization: basicHeader } : {}, undefined, {
            where: "token server",
            authenticated: identity === "credentials"
          })
        } else {
          const form = new URLSearchParams({ client_id: "ociauth" })
          if (serviceName !== null) form.set("service", serviceName)
          if (scopes.length > 0) form.set("scope", scopes.join(" "))
          if (identity === "credentials" && credential._tag === "Basic") {
            form.set("grant_type", "password")
            form.set("username", credential.username)
            form.set("password", Redacted.value(credential.password))
          } else if (identity === "credentials" && credential._tag === "IdentityToken") {
            form.set("grant_type", "refresh_token")
            form.set("refresh_token", Redacted.value(credential.token))
          } else {
            form.set("grant_type", "password")
          }
          reply = yield* send(title, "POST", realmUrl.success.href, {}, form.toString(), { where: "token server", authenticated: identity === "credentials" })
        }
        const decoded = reply.status === 200 ? decodeToken(reply.text) : Option.none()
        const value = Option.map(decoded, (r) => Redacted.value((r.access_token ?? r.token)!))
        for (const v of Option.toArray(value)) secrets.push(v)
        for (const r of Option.toArray(decoded)) {
          if (r.refresh_token !== undefined) secrets.push(Redacted.value(r.refresh_token))
          if (r.token !== undefined) secrets.push(Redacted.value(r.token))
        }
        const grantedScopes = Option.flatMap(value, Token.grantedScopes)
        const granted = Option.getOrNull(Option.map(grantedScopes, (g) => g.map(Scope.format)))
        if (Option.isSome(value)) {
          yield* note(granted === null ? "the token is opaque: what it grants cannot be read" : `the token is a JWT granting: ${granted.length === 0 ? "nothing" : granted.join(" ")}`)
        }
        let fields: ReadonlyArray<string> = []
        try {
          fields = reply.status === 200 ? Object.keys(JSON.parse(reply.text) as object).sort() : []
        } catch {
          fields = []
        }
        const attempt: Findings.TokenAttempt = {
          method,
          scopes,
          identity,
          status: reply.status,
          error: reply.status === 200 ? null : errorOf(reply.text),
          granted,
          ...refusalOf(reply, method, identity, Option.isSome(value))
        }
        attempts.push(attempt)
        if (attempt.refusal !== null) yield* note(`the SDK reads it as ${attempt.refusal}${attempt.detail === null ? "" : `: ${attempt.detail}`}`)
        return {
          attempt,
          granted: grantedScopes,
          value,
          response: decoded,
          fields
        }
      })

    const bearer = (issued: Issued): Record<string, string> => {
      const header = Option.match(issued.value, {
        onNone: () => (basicHeader !== undefined && scheme === "basic" ? basicHeader : undefined),
        onSome: (v) => `Bearer ${v}`
      })
      if (header === undefined) return {}
      if (issued.attempt.identity === "credentials" || header === basicHeader) credentialed.add(header)
      return { authorization: header }
    }
    const primary: "anonymous" | "credentials" = hasCredentials ? "credentials" : "anonymous"

    // 2. the repository: its challenge, library/, a token that works on it
    let repositoryChallenge: Findings.ChallengeSeen | null = null
    let library: Findings.Findings["library"] = null
    let repository: string | null = null
    let repositoryToken: Issued | null = null
    let tag: string | null = null
    if (options.repository !== undefined && options.repository !== "") {
      const given = options.repository.replace(/^\/+|\/+$/g, "")
      const parts = given.split("/")
      const candidates = parts.length === 1 ? [given, `library/${given}`] : parts.length === 2 && parts[0] === "library" ? [parts[1]!, given] : [given]
      yield* step(`the repository ${given}`)
      const statuses: Array<number | null> = []
      for (const [i, name] of candidates.entries()) {
        const anonymous = yield* send(`Get the /v2/${name}/tags/list endpoint`, "GET", `${origin}/v2/${name}/tags/list`)
        if (i === 0) repositoryChallenge = yield* seen(anonymous)
        const issued = yield* token(`Authenticate for repository:${name}:pull`, [`repository:${name}:pull`], primary)
        const tags = yield* send(`List the tags of ${name}`, "GET", `${origin}/v2/${name}/tags/list`, bearer(issued))
        statuses.push(tags.status)
        if (tags.status === 200 && repository === null) {
          repository = name
          repositoryToken = issued
          try {
            const first: unknown = ((JSON.parse(tags.text) as { tags?: Array<unknown> }).tags ?? [])[0]
            tag = typeof first === "string" && TAG.test(first) ? first : null
          } catch {
            tag = null
          }
        }
      }
      if (candidates.length === 2) {
        library = { bare: statuses[0] ?? null, prefixed: statuses[1] ?? null, required: statuses[0] !== 200 && statuses[1] === 200 }
      }
      if (repository === null) repository = candidates[candidates.length - 1]!
    }

    // 3. the token endpoint: no scope, the placeholder, GET vs POST, lifetime
    yield* step("the token endpoint")
    const noScope = yield* token("Authenticate without a scope", [], "anonymous")
    const placeholderScope = [baseChallenge.scope, catalogChallenge.scope]
      .flatMap((s) => (s === null ? [] : s.split(" ")))
      .find((s) => s.startsWith("repository:"))
    let placeholder: Findings.Findings["placeholder"] = null
    if (placeholderScope !== undefined) {
      const anonymous = yield* token(`Authenticate for the challenge's scope ${placeholderScope}`, [placeholderScope], "anonymous")
      const withCredentials = hasCredentials ? yield* token(`Authenticate for ${placeholderScope} with credentials`, [placeholderScope], "credentials") : null
      placeholder = { scope: placeholderScope, anonymous: anonymous.attempt, credentials: withCredentials?.attempt ?? null }
    }
    const sample = repositoryToken ?? noScope
    const scopesForPost = repository === null ? [] : [`repository:${repository}:pull`]
    const post = credential._tag === "Basic" || credential._tag === "IdentityToken"
      ? (credential._tag === "IdentityToken" ? sample : yield* token("Authenticate with the OAuth2 POST", scopesForPost, "credentials", "POST")).attempt.status
      : null
    const now = yield* Clock.currentTimeMillis
    const lifetime = Option.match(sample.response, {
      onNone: () => ({ seconds: null, source: null }) as const,
      onSome: (response) => {
        if (response.expires_in !== undefined && response.expires_in > 0) return { seconds: response.expires_in, source: "expires_in" } as const
        const parsed = Token.fromResponse(response, { now: DateTime.makeUnsafe(now) })
        const isJwt = Option.isSome(Option.flatMap(sample.value, (v) => (v.split(".").length === 3 ? Option.some(v) : Option.none())))
        return isJwt
          ? ({ seconds: Math.round(Duration.toMillis(DateTime.distance(parsed.issuedAt, parsed.expiresAt)) / 1000), source: "jwt" } as const)
          : ({ seconds: null, source: null } as const)
      }
    })
    const tokenEndpoint: Findings.Findings["tokenEndpoint"] = {
      get: credential._tag === "IdentityToken" ? null : sample.attempt.status,
      post,
      fields: sample.fields,
      expiresIn: Option.getOrNull(Option.flatMap(sample.response, (r) => Option.fromNullishOr(r.expires_in))),
      issuedAt: Option.getOrNull(Option.flatMap(sample.response, (r) => Option.fromNullishOr(r.issued_at))),
      format: Option.isNone(sample.value) ? null : sample.attempt.granted !== null || Option.getOrElse(sample.value, () => "").split(".").length === 3 ? "jwt" : "opaque",
      lifetimeSeconds: lifetime.seconds,
      lifetimeSource: lifetime.source
    }

    // 4. with a token: /v2/, /v2, a manifest HEAD (rate limits), the service, narrowing, DELETE
    let baseWithToken: Findings.Findings["base"]["withToken"] = null
    let bareWithToken: number | null = null
    let rateLimit: Findings.Findings["rateLimit"] = null
    let hostAsService: Findings.Findings["auth"]["hostAsService"] = null
    let grants: Findings.Findings["grants"] = null
    let deletion: Findings.Findings["delete"] = null
    const authorized = repositoryToken !== null && (Option.isSome(repositoryToken.value) || scheme === "basic") ? repositoryToken : Option.isSome(noScope.value) ? noScope : null
    if (authorized !== null) {
      yield* step("/v2/ with a token")
      const b = yield* send("Get the /v2/ endpoint with a token", "GET", `${origin}/v2/`, bearer(authorized))
      baseWithToken = { status: b.status, body: bodyKind(b) }
      bareWithToken = (yield* send("Get the /v2 endpoint (no trailing slash) with a token", "GET", `${origin}/v2`, bearer(authorized))).status
    }
    if (repository !== null && repositoryToken !== null) {
      const name = repository
      yield* step("a manifest and rate limits")
      const head = yield* send(`HEAD the manifest ${name}:${tag ?? "latest"}`, "HEAD", `${origin}/v2/${name}/manifests/${tag ?? "latest"}`, {
        ...bearer(repositoryToken),
        accept: MANIFEST_ACCEPT
      })
      const limit = head.headers["ratelimit-limit"] ?? null
      const remaining = head.headers["ratelimit-remaining"] ?? null
      const source = head.headers["docker-ratelimit-source"] ?? null
      if (limit !== null || remaining !== null || source !== null) rateLimit = { limit, remaining, source }
      // A HEAD's 429 has no body, and a HEAD is never refused for the pull limit (Docker Hub): when it is refused,
      // or says no pull remains, one GET reads the server's words (kind, wording, Retry-After). A refused GET
      // counts no pull.
      if (head.status === 429 || (remaining !== null && /^\s*0\s*(;|$)/.test(remaining))) {
        yield* step("the rate limit's answer")
        yield* send(
          `GET the manifest ${name}:${tag ?? "latest"} (${head.status === 429 ? "the HEAD was refused" : "no pull remains"}: the rate limit's words)`,
          "GET",
          `${origin}/v2/${name}/manifests/${tag ?? "latest"}`,
          { ...bearer(repositoryToken), accept: MANIFEST_ACCEPT }
        )
      }

      if (scheme === "bearer" && service !== null && service !== host) {
        yield* step("the service the token server wants")
        const other = yield* token(`Authenticate with service=${host} (the registry's host)`, [`repository:${name}:pull`], primary, undefined, host)
        if (Option.isSome(other.value)) {
          const used = yield* send(`List the tags of ${name} with the service=${host} token`, "GET", `${origin}/v2/${name}/tags/list`, bearer(other))
          hostAsService = used.status === 200 ? "accepted" : "refused"
        } else {
          hostAsService = "refused"
        }
      }

      if (scheme === "bearer") {
        yield* step("asking for more than allowed")
        const asked = [`repository:${name}:pull,push,delete`]
        const wide = yield* token(`Authenticate anonymously for pull,push,delete on ${name}`, asked, "anonymous")
        const outcome = wide.attempt.status !== null && wide.attempt.status >= 400
          ? "denied"
          : Option.match(wide.granted, {
            onNone: () => "unknown" as const,
            onSome: (granted) => (Scope.covers(granted, [Scope.repository(name, ["pull", "push", "delete"])]) ? "granted" as const : "narrowed" as const)
          })
        grants = { ...wide.attempt, outcome }
      }

      yield* step("DELETE (of a manifest that does not exist)")
      const forDelete = scheme === "bearer" ? yield* token(`Authenticate for pull,delete on ${name}`, [`repository:${name}:pull,delete`], primary) : repositoryToken
      const deleteToken = Option.isSome(forDelete.value) ? forDelete : repositoryToken
      const del = yield* send(`DELETE a manifest that does not exist in ${name}`, "DELETE", `${origin}/v2/${name}/manifests/${ABSENT_DIGEST}`, bearer(deleteToken))
      const code = errorOf(del.text)
      deletion = {
        digest: ABSENT_DIGEST,
        status: del.status,
        code,
        supported: del.status === 405 || code === "UNSUPPORTED" ? "no" : del.status === 404 || del.status === 202 ? "yes" : "unknown"
      }
    }

    // 5. the catalog, anonymously and with the credentials
    yield* step("the catalog")
    const catalogScope = catalogChallenge.scope !== null && !catalogChallenge.scope.startsWith("repository:")
      ? catalogChallenge.scope.split(" ")
      : repository !== null ? [`repository:${repository}:pull`] : placeholderScope !== undefined ? [placeholderScope] : [Scope.format(Scope.catalog)]
    const tryCatalog = (identity: "anonymous" | "credentials") =>
      Effect.gen(function* () {
        const issued = yield* token(`Authenticate for the catalog (${identity})`, catalogScope, identity)
        const listed = Option.isSome(issued.value) || (scheme === "basic" && identity === "credentials")
          ? (yield* send(`Get the /v2/_catalog endpoint (${identity})`, "GET", `${origin}/v2/_catalog?n=5`, bearer(issued))).status
          : scheme === "none"
            ? catalogAnonymous.status
            : null
        return { ...issued.attempt, catalogStatus: listed }
      })
    const catalogAnon = yield* tryCatalog("anonymous")
    const catalogCred = hasCredentials ? yield* tryCatalog("credentials") : null
    const supported: Findings.Findings["catalog"]["supported"] = catalogAnon.catalogStatus === 200
      ? "yes"
      : catalogCred?.catalogStatus === 200
        ? "credentials only"
        : catalogCred !== null || catalogAnon.status === 400 || catalogAnon.status === 404
          ? "no"
          : "unknown"

    const quirks: Array<Findings.Quirk> = []
    if (library?.required === true) quirks.push("library-prefix")
    if (placeholder !== null) quirks.push("placeholder-scope")
    if (baseWithToken?.status === 200 && baseWithToken.body === "empty") quirks.push("empty-base-body")
    if (base.status === 200 && bodyKind(base) === "empty" && !quirks.includes("empty-base-body")) quirks.push("empty-base-body")
    if (bareWithToken === 404) quirks.push("bare-v2-not-found")
    if (Option.isSome(sample.response) && tokenEndpoint.expiresIn === null) quirks.push("no-expires-in")
    if (grants?.outcome === "denied") quirks.push("denied-not-narrowed")
    if (supported === "no" && catalogChallenge.status === 401) quirks.push("catalog-unsupported")
    if (deletion?.supported === "no") quirks.push("delete-unsupported")
    if (post !== null && (post === 404 || post === 405)) quirks.push("token-get-only")

    const findings: Findings.Findings = {
      registry: options.registry,
      origin,
      repository,
      identity: primary,
      root: { status: root.status, contentType: root.headers["content-type"] ?? null, location: root.headers["location"] ?? null },
      base: { status: base.status, apiVersion: base.headers["docker-distribution-api-version"] ?? null, body: bodyKind(base), withToken: baseWithToken },
      bareV2: {
        status: bare.status,
        apiVersion: bare.headers["docker-distribution-api-version"] ?? null,
        body: bodyKind(bare),
        location: bare.headers["location"] ?? null,
        withToken: bareWithToken
      },
      challenges: { base: baseChallenge, catalog: catalogChallenge, repository: repositoryChallenge },
      auth: {
        scheme,
        realm,
        realmElsewhere: realm !== null && URL.canParse(realm, origin) && new URL(realm, origin).origin !== origin,
        realmRefused,
        service,
        hostAsService
      },
      placeholder,
      library,
      tokenEndpoint,
      grants,
      catalog: { anonymous: catalogAnon, credentials: catalogCred, supported },
      delete: deletion,
      rateLimit,
      rateLimited: limits,
      tokenRefusals: refusals(attempts),
      quirks
    }
    // Findings hold server text (challenge parameters, error codes, headers, token fields): no secret in any form.
    return { findings: Sanitize.deep(findings, (text) => Unstable.redact(text, secrets)), exchanges, secrets }
  })
