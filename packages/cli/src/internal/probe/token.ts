/**
 * The probe's token requests: a GET (Basic for the credentials) or the OAuth2
 * POST (password or refresh_token grant) to the realm, what the token grants
 * when it can be read, and how the SDK would read a refusal; and the
 * `Authorization` a token (or `Basic` credentials) gives a registry request.
 */
import { Scope, Token } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Findings from "../../Findings.js"
import type { Auth } from "./discovery.js"
import { note, send } from "./exchange.js"
import { refusalOf } from "./refusal.js"
import { errorOf, fieldsOf, type Reply } from "./reply.js"
import type { Session } from "./session.js"

/** A token attempt and what it gave. */
export interface Issued {
  readonly attempt: Findings.TokenAttempt
  readonly granted: Option.Option<ReadonlyArray<Scope.Scope>>
  readonly value: Option.Option<string>
  readonly response: Option.Option<Token.Response>
  readonly fields: ReadonlyArray<string>
}

export interface Request {
  /** The exchange's title in the transcript. */
  readonly title: string
  readonly scopes: ReadonlyArray<string>
  readonly identity: "anonymous" | "credentials"
  /** `POST` by default only for an identity token's credentials. */
  readonly method?: "GET" | "POST"
  /** The challenge's service by default. */
  readonly service?: string
}

const decodeToken = Schema.decodeUnknownOption(Schema.fromJsonString(Token.Response))

/**
 * Asks the realm for a token, and records the attempt. Nothing is sent without a Bearer challenge, or to a
 * realm refused; a token's value (and its refresh token) joins the secrets.
 */
export const request = (session: Session, auth: Auth, request: Request): Effect.Effect<Issued, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const { scopes, identity } = request
    const method = request.method ?? (identity === "credentials" && session.credential._tag === "IdentityToken" ? "POST" : "GET")
    if (auth.scheme !== "bearer" || Result.isFailure(auth.realmUrl)) {
      const error = auth.realmRefused === null ? "no realm" : "realm refused: nothing sent"
      return {
        attempt: { method, scopes, identity, status: null, error, granted: null, refusal: null, detail: null },
        granted: Option.none(),
        value: Option.none(),
        response: Option.none(),
        fields: []
      }
    }
    const reply = yield* ask(session, request.title, auth.realmUrl.success, method, scopes, identity, request.service ?? auth.service)
    const decoded = reply.status === 200 ? decodeToken(reply.text) : Option.none()
    const value = Option.map(decoded, (r) => Redacted.value((r.access_token ?? r.token)!))
    for (const v of Option.toArray(value)) session.secrets.push(v)
    for (const r of Option.toArray(decoded)) {
      if (r.refresh_token !== undefined) session.secrets.push(Redacted.value(r.refresh_token))
      if (r.token !== undefined) session.secrets.push(Redacted.value(r.token))
    }
    const grantedScopes = Option.flatMap(value, Token.grantedScopes)
    const granted = Option.getOrNull(Option.map(grantedScopes, (g) => g.map(Scope.format)))
    if (Option.isSome(value)) {
      yield* note(session, granted === null ? "the token is opaque: what it grants cannot be read" : `the token is a JWT granting: ${granted.length === 0 ? "nothing" : granted.join(" ")}`)
    }
    const fields = fieldsOf(reply)
    const attempt: Findings.TokenAttempt = {
      method,
      scopes,
      identity,
      status: reply.status,
      error: reply.status === 200 ? null : errorOf(reply.text),
      granted,
      ...refusalOf(reply, method, identity, Option.isSome(value))
    }
    session.attempts.push(attempt)
    if (attempt.refusal !== null) yield* note(session, `the SDK reads it as ${attempt.refusal}${attempt.detail === null ? "" : `: ${attempt.detail}`}`)
    return { attempt, granted: grantedScopes, value, response: decoded, fields }
  })

/** One request to the token endpoint: a GET with the scopes in the query, or the OAuth2 POST's form. */
const ask = (
  session: Session,
  title: string,
  realm: URL,
  method: "GET" | "POST",
  scopes: ReadonlyArray<string>,
  identity: "anonymous" | "credentials",
  service: string | null
): Effect.Effect<Reply, RegistryClient.RegistryTimeout> => {
  const { credential, basicHeader } = session
  const context = { where: "token server", authenticated: identity === "credentials" } as const
  if (method === "GET") {
    const url = new URL(realm)
    if (service !== null) url.searchParams.set("service", service)
    for (const s of scopes) url.searchParams.append("scope", s)
    return send(session, title, "GET", url.toString(), identity === "credentials" && basicHeader !== undefined ? { authorization: basicHeader } : {}, undefined, context)
  }
  const form = new URLSearchParams({ client_id: "ociauth" })
  if (service !== null) form.set("service", service)
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
  return send(session, title, "POST", realm.href, {}, form.toString(), context)
}

/**
 * The `Authorization` header an attempt gives a registry request: its token, else `Basic` credentials where the
 * registry asks for Basic, else none. A value that carries the credentials is remembered as theirs.
 */
export const authorization = (session: Session, auth: Auth, issued: Issued): Record<string, string> => {
  const { basicHeader } = session
  const header = Option.match(issued.value, {
    onNone: () => (basicHeader !== undefined && auth.scheme === "basic" ? basicHeader : undefined),
    onSome: (v) => `Bearer ${v}`
  })
  if (header === undefined) return {}
  if (issued.attempt.identity === "credentials" || header === basicHeader) session.credentialed.add(header)
  return { authorization: header }
}
