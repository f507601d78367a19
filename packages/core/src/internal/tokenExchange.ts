import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as UrlParams from "effect/http/UrlParams"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { AuthEvent } from "../AuthEvent.js"
import type * as Credential from "../Credential.js"
import { anonymous } from "../Credential.js"
import { identityTokenUsername } from "./host.js"
import { matchesTrigger } from "./adapterRules.js"
import type { TokenRequestPreferences } from "../RegistryAdapter.js"
import { RealmRejected, TokenRequestError } from "../RegistryError.js"
import { readErrorBody, redactUrl } from "./errorBody.js"
import { rateLimitedFrom } from "./rateLimited.js"
import type * as Scope from "../Scope.js"
import type * as Token from "../Token.js"
import { failureDetail, failureKind, readText } from "./http.js"
import { followRedirects } from "./redirects.js"
import * as secrets from "./secrets.js"
import * as tokenRefusal from "./tokenRefusal.js"
import type { Send } from "./http.js"
import * as scope from "./scope.js"
import * as token from "./token.js"
import * as transient from "./transient.js"

export interface ExchangeOptions {
  readonly realm: URL
  readonly service: string | undefined
  readonly scopes: ReadonlyArray<Scope.Scope>
  readonly credential: Credential.Credential
  readonly preferences: TokenRequestPreferences
  readonly defaultLifetime: Duration.Duration
  readonly maxBodyBytes: number
  readonly timeout: Duration.Duration
  readonly emit: (event: AuthEvent) => Effect.Effect<void>
}

const MAX_REDIRECTS = 3
const MAX_ERROR_BODY = 16 * 1024

/** A refusal of the credential after which the adapter asks for an anonymous token (ECR Public's expired login). */
class UseAnonymous {
  readonly _tag = "UseAnonymous"
}

/** A POST answer that calls for the GET flow instead. */
class UseGet {
  readonly _tag = "UseGet"
  constructor(readonly status: number | undefined) {}
}

/** A credential as events and errors name it: its kind, and a Basic one's username (never a secret). */
export const credentialKind = (credential: Credential.Credential): string => {
  switch (credential._tag) {
    case "Anonymous":
      return "anonymous"
    case "Basic":
      return `basic (${credential.username})`
    case "IdentityToken":
      return "identity token"
    case "RegistryToken":
      return "registry token"
  }
}

const decodeResponse = Schema.decodeUnknownResult(token.Response)

export const exchange = (send: Send, options: ExchangeOptions): Effect.Effect<Token.Token, TokenRequestError | RealmRejected> => {
  const realmText = redactUrl(options.realm)
  // The service comes from the registry's challenge: server text, which may echo a secret.
  const serviceText = options.service === undefined ? undefined : secrets.scrub(options.service, 256)
  const scopeStrings = options.scopes.map(scope.format)
  const { credential, preferences } = options

  const failure = (
    reason: TokenRequestError["reason"],
    fields: {
      readonly status?: number
      readonly detail?: string
      readonly retryAfterMillis?: number
      readonly rateLimit?: TokenRequestError["rateLimit"]
    } = {}
  ) => new TokenRequestError({ reason, realm: realmText, ...fields })

  const basic = (request: HttpClientRequest.HttpClientRequest) => {
    switch (credential._tag) {
      case "Basic":
        return HttpClientRequest.basicAuth(request, credential.username, credential.password)
      case "IdentityToken":
        return HttpClientRequest.basicAuth(request, credential.username ?? identityTokenUsername, credential.token)
      default:
        return request
    }
  }

  const getRequest = (): HttpClientRequest.HttpClientRequest => {
    const url = new URL(options.realm)
    if (options.service !== undefined) url.searchParams.set("service", options.service)
    for (const s of scopeStrings) url.searchParams.append("scope", s)
    const username = credential._tag === "Basic" ? credential.username : credential._tag === "IdentityToken" ? credential.username : undefined
    if (username !== undefined && username !== "") url.searchParams.set("account", username)
    if (preferences.offlineToken) {
      url.searchParams.set("offline_token", "true")
      url.searchParams.set("client_id", preferences.clientId)
    }
    return basic(HttpClientRequest.get(url).pipe(HttpClientRequest.acceptJson))
  }

  const postRequest = (): HttpClientRequest.HttpClientRequest => {
    const form: Array<[string, string]> = []
    if (credential._tag === "IdentityToken") {
      form.push(["grant_type", "refresh_token"], ["refresh_token", Redacted.value(credential.token)])
    } else if (credential._tag === "Basic") {
      form.push(["grant_type", "password"], ["username", credential.username], ["password", Redacted.value(credential.password)])
    }
    if (options.service !== undefined) form.push(["service", options.service])
    form.push(["client_id", preferences.clientId])
    if (preferences.postScopes === "repeated") for (const s of scopeStrings) form.push(["scope", s])
    else if (scopeStrings.length > 0) form.push(["scope", scopeStrings.join(" ")])
    if (preferences.offlineToken) form.push(["access_type", "offline"])
    return HttpClientRequest.post(options.realm).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUrlParams(UrlParams.fromInput(form))
    )
  }

  // `get` never POSTs, not even a refresh token (Quay, Harbor: POST is 405).
  const usePost = preferences.method !== "get" &&
    (credential._tag === "IdentityToken" || (credential._tag === "Basic" && preferences.method === "post"))

  const retryAfterMillis = (response: HttpClientResponse.HttpClientResponse) =>
    Effect.map(Clock.currentTimeMillis, (now) =>
      Option.getOrUndefined(
        Option.map(transient.parseRetryAfter(response.headers["retry-after"], now), Duration.toMillis)
      )
    )

  /** Sends one request through the shared retry step, following same-origin redirects only. */
  const sendRequest = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, TokenRequestError | RealmRejected> => {
    const transport = (req: HttpClientRequest.HttpClientRequest, replayable: boolean) =>
      send(req, replayable).pipe(
        Effect.catch((e) => Effect.fail<TokenRequestError | RealmRejected>(failure("Transport", { detail: failureDetail(e) })))
      )
    return Effect.flatMap(transport(request, true), (response) =>
      followRedirects<TokenRequestError | RealmRejected>(response, request, {
        maxRedirects: MAX_REDIRECTS,
        crossOrigin: "reject",
        replayable: true,
        send: transport,
        emit: options.emit,
        reject: (_from, to, reason) =>
          new RealmRejected({ realm: realmText, reason: `the token endpoint redirected to ${to}: ${reason}` })
      })
    )
  }

  const readToken = (response: HttpClientResponse.HttpClientResponse, method: "GET" | "POST") =>
    readText(response, { maxBytes: options.maxBodyBytes, timeout: options.timeout }).pipe(
      Effect.catchTag("BodyTooLarge", (e) => Effect.fail(failure("BadResponse", { status: response.status, detail: `body larger than ${e.limit} bytes` }))),
      Effect.catchTag("BodyTimeout", () => Effect.fail(failure("Transport", { status: response.status, detail: `the body did not arrive within ${Duration.format(options.timeout)}` }))),
      Effect.catchTag("HttpClientError", (e) => Effect.fail(failure("Transport", { detail: failureKind(e) }))),
      Effect.flatMap((text): Effect.Effect<Token.Response, TokenRequestError | UseGet> => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          return method === "POST"
            ? Effect.fail(new UseGet(response.status))
            : Effect.fail(failure("BadResponse", { status: response.status, detail: "the body is not JSON" }))
        }
        return Result.match(decodeResponse(json), {
          onFailure: () => Effect.fail(failure("BadResponse", { status: response.status, detail: "the body is not a token response" })),
          onSuccess: Effect.succeed
        })
      })
    )

  const classify = (response: HttpClientResponse.HttpClientResponse, method: "GET" | "POST") =>
    Effect.gen(function* () {
      if (method === "POST" && preferences.postFallbackStatuses.includes(response.status)) {
        return yield* Effect.fail(new UseGet(response.status))
      }
      if (response.status >= 200 && response.status < 300) return yield* readToken(response, method)
      const { errors, text } = yield* readErrorBody(response, MAX_ERROR_BODY, options.timeout)
      if (
        credential._tag !== "Anonymous" &&
        matchesTrigger(preferences.anonymousFallback, response.status, errors.map((e) => e.code), errors.map((e) => e.message ?? ""))
      ) {
        return yield* Effect.fail(new UseAnonymous())
      }
      const said = tokenRefusal.reasonOf(text, errors)
      const fields = (detail: string | undefined) => ({ status: response.status, ...(detail === undefined ? {} : { detail }) })
      if (response.status === 401) {
        // Anonymous refused (GHCR on a private package, Quay without a scope): credentials are needed, not wrong.
        const needs = credential._tag === "Anonymous" ? `credentials are needed (an anonymous token was refused)${said === undefined ? "" : `: ${said}`}` : said
        return yield* Effect.fail(failure("Unauthorized", fields(needs)))
      }
      if (response.status === 403) return yield* Effect.fail(failure("Denied", fields(said)))
      if (response.status === 400 && errors.some((e) => e.code === "NAME_INVALID")) {
        return yield* Effect.fail(failure("InvalidName", fields(`the token server refused a repository name of ${secrets.scrub(scopeStrings.join(" "), 256)}${said === undefined ? "" : ` (${said})`}`)))
      }
      if (tokenRefusal.isWriteRefusal(response.status, errors)) {
        const wanted = scopeStrings.filter((s) => /[:,](push|delete|\*)(,|$)/.test(s)).join(" ")
        return yield* Effect.fail(failure("Denied", fields(`the account has no write permission${wanted === "" ? "" : ` for ${secrets.scrub(wanted, 256)}`} (${said})`)))
      }
      const wait = yield* retryAfterMillis(response)
      const timing = wait === undefined ? {} : { retryAfterMillis: wait }
      if (response.status === 429) {
        const rateLimit = rateLimitedFrom({
          url: options.realm,
          status: 429,
          headers: response.headers,
          text,
          nowMillis: yield* Clock.currentTimeMillis,
          authenticated: credential._tag !== "Anonymous"
        })
        return yield* Effect.fail(failure("RateLimited", { ...fields(said), ...timing, ...(Option.isSome(rateLimit) ? { rateLimit: rateLimit.value } : {}) }))
      }
      return yield* Effect.fail(failure("BadResponse", { ...fields(said), ...timing }))
    })

  const attempt = (method: "GET" | "POST") =>
    options
      .emit(AuthEvent.TokenRequested({ realm: realmText, service: serviceText, scopes: scopeStrings, method, credential: credentialKind(credential) }))
      .pipe(
        Effect.andThen(sendRequest(method === "GET" ? getRequest() : postRequest())),
        Effect.flatMap((response) => classify(response, method))
      )

  // GET never asks for another flow; the conversion only narrows the type.
  const attemptGet = attempt("GET").pipe(
    Effect.catchTag("UseGet", (e) => Effect.fail(failure("BadResponse", { detail: "unexpected answer", ...(e.status === undefined ? {} : { status: e.status }) })))
  )

  const once = usePost
    ? attempt("POST").pipe(
        Effect.catchTag("UseGet", (e) =>
          options.emit(AuthEvent.TokenPostFallback({ realm: realmText, status: e.status })).pipe(Effect.andThen(attemptGet))
        )
      )
    : attemptGet

  // Transient answers were retried by the send step; what arrives here is final.
  return once.pipe(
    Effect.flatMap((response) =>
      Effect.map(DateTime.now, (now) =>
        token.boundedByCredential(
          token.fromResponse(response, { now, scopes: options.scopes, defaultLifetime: options.defaultLifetime }),
          response,
          credential._tag === "Anonymous" ? undefined : credential.expiresAt
        )
      )
    )
  ).pipe(Effect.catchTag("UseAnonymous", () => exchange(send, { ...options, credential: anonymous })))
}
