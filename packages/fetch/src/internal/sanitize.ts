import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { HttpSteps } from "@ociauth/core"
import { SanitizedResponse } from "./sanitizedResponse.js"

const hasCredentialHeader = (request: HttpClientRequest.HttpClientRequest): boolean =>
  HttpSteps.credentialHeaders.some((name) => request.headers[name] !== undefined)

const carriesCredentials = (request: HttpClientRequest.HttpClientRequest): boolean =>
  request.headers["authorization"] !== undefined || hasCredentialHeader(request)

/**
 * A response whose `request` carries no credential: the one the runtime sent
 * had `Authorization`, and a response (or an error built from it later, by
 * `filterStatusOk` say) must not hand it out. The transport's response
 * underneath keeps its body, headers and lifetime. `clean` is the request as
 * the caller gave it, used when it has nothing to strip.
 */
export const sanitizeResponse = (
  response: HttpClientResponse.HttpClientResponse,
  clean?: HttpClientRequest.HttpClientRequest
): HttpClientResponse.HttpClientResponse => {
  if (!carriesCredentials(response.request)) return response
  const asGiven = clean !== undefined && !carriesCredentials(clean) ? clean : undefined
  return new SanitizedResponse(response, asGiven, HttpSteps.withoutCredentials)
}

/** The native error underneath a transport failure (no request, no header), for the `cause` chain. */
const nativeCause = (cause: unknown): unknown =>
  cause instanceof Error && !HttpClientError.isHttpClientError(cause) ? cause : undefined

/** A failure whose request (and response) carry no credential, and whose cause is the native error only. */
export const sanitizeError = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
  const request = HttpSteps.withoutCredentials(error.request)
  const cause = nativeCause(error.cause)
  const fields = { request, ...(error.description === undefined ? {} : { description: error.description }), ...(cause === undefined ? {} : { cause }) }
  return error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...fields, reason: error.reason })
    : new HttpClientError.ResponseError({ ...fields, reason: error.reason, response: sanitizeResponse(error.response) })
}
