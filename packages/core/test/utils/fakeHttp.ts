/**
 * A scripted HTTP peer at the `HttpClient` level: every request is recorded and
 * answered by a handler, in the fiber of the caller, so `TestClock` drives it.
 */
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import type { HttpClientRequest } from "effect/http"

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** An answer, `"transport-error"` (a reset), or an effect of either that may fail as a transport does. */
export type Handler = (
  request: Recorded
) => Response | "transport-error" | Effect.Effect<Response | "transport-error", HttpClientError.HttpClientError>

const bodyText = (request: HttpClientRequest.HttpClientRequest): string => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return new TextDecoder().decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : ""
    default:
      return ""
  }
}

export const fakeHttp = (handler: Handler) => {
  const log: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      const recorded: Recorded = { method: request.method, url, headers: { ...request.headers }, body: bodyText(request) }
      log.push(recorded)
      const answer = handler(recorded)
      return Effect.flatMap(Effect.isEffect(answer) ? answer : Effect.succeed(answer), (response) =>
        response === "transport-error"
          ? Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, description: "connection reset" })
            })
          )
          : Effect.succeed(HttpClientResponse.fromWeb(request, response))
      )
    })
  )
  return { log, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

/** An unsigned JWT with the given claims (the client never verifies signatures). */
export const jwt = (claims: object) =>
  [{ alg: "ES256", typ: "JWT" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") +
  ".c2ln"
