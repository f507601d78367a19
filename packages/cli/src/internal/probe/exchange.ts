/**
 * One exchange of the probe: a request sent as it is (no redirect followed, no
 * retry), its reply read and recorded for the transcript, and a `429` read as
 * the SDK reads it (`Unstable.rateLimitedFrom`) and counted among the limits met.
 */
import type { RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { RegistryClient } from "@ociauth/fetch"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpMethod } from "effect/http"
import type * as Findings from "../../Findings.js"
import type { Exchange } from "../../Transcript.js"
import { failureText, MAX_BODY, noReply, type Reply } from "./reply.js"
import type { Session } from "./session.js"

/** Where a request goes, and whether it carries the credentials when its `Authorization` does not tell. */
export interface Context {
  readonly where: Findings.RateLimitSeen["where"]
  readonly authenticated?: boolean
}

/**
 * Sends one request and records it; a request without an answer gives a reply with a `null` status. No answer
 * within the deadline ends the probe, as it ends a request of the SDK: the registry's typed timeout.
 */
export const send = (
  session: Session,
  title: string,
  method: HttpMethod.HttpMethod,
  url: string,
  headers: Record<string, string> = {},
  form?: string,
  context: Context = { where: "registry" }
): Effect.Effect<Reply, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const answer = yield* receive(session, method, url, headers, form)
    const requestHeaders = { ...headers, ...(form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }) }
    const request = { title, method, url, requestHeaders, ...(form === undefined ? {} : { requestBody: form }) }
    session.exchanges.push(
      Result.match(answer, {
        onFailure: (error): Exchange => ({ ...request, error }),
        onSuccess: (reply): Exchange => ({ ...request, status: reply.status ?? 0, responseHeaders: reply.headers, responseBody: reply.text })
      })
    )
    const reply = Result.getOrElse(answer, () => noReply)
    // A HEAD's 429 has no body to tell which limit it is: the GET that follows it is read instead.
    if (reply.status === 429 && method !== "HEAD") {
      const limited = Unstable.rateLimitedFrom({
        url,
        status: reply.status,
        headers: reply.headers,
        text: reply.text,
        nowMillis: yield* Clock.currentTimeMillis,
        authenticated: context.authenticated ?? (headers.authorization !== undefined && session.credentialed.has(headers.authorization))
      })
      if (Option.isSome(limited)) {
        meet(session, limited.value, context.where)
        yield* note(session, `rate limited: ${limited.value.message}`)
      }
    }
    return reply
  })

/** The answer to one request (its body's first `MAX_BODY` characters), or how it failed. */
const receive = (
  session: Session,
  method: HttpMethod.HttpMethod,
  url: string,
  headers: Record<string, string>,
  form: string | undefined
): Effect.Effect<Result.Result<Reply, string>, RegistryClient.RegistryTimeout> => {
  const base = HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(headers))
  const request = form === undefined ? base : HttpClientRequest.bodyText(base, form, "application/x-www-form-urlencoded")
  const deadlineMillis = Duration.toMillis(session.deadline)
  return session.client.execute(request).pipe(
    Effect.flatMap((response) =>
      Effect.map(method === "HEAD" ? Effect.succeed("") : response.text, (text): Reply => ({
        status: response.status,
        headers: response.headers as Readonly<Record<string, string>>,
        text: text.slice(0, MAX_BODY)
      }))
    ),
    Effect.mapError(failureText),
    Effect.result,
    Effect.timeoutOrElse({
      duration: session.deadline,
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
}

/** Adds a note to the last exchange recorded. */
export const note = (session: Session, text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    const last = session.exchanges.pop()
    if (last !== undefined) session.exchanges.push({ ...last, note: text })
  })

/** Counts a rate limit met: one entry per kind and server. */
const meet = (session: Session, limited: RegistryError.RateLimited, where: Findings.RateLimitSeen["where"]): void => {
  const limits = session.limits
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
