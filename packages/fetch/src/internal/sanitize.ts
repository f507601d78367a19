import * as HttpClientError from "effect/http/HttpClientError"
import type { HttpClientRequest, HttpClientResponse } from "effect/http"

import { rebuildReason, SanitizedResponse } from "./sanitizedResponse.js"
import * as Unstable from "@ociauth/core/Unstable"

const hasCredentialHeader = (request: HttpClientRequest.HttpClientRequest): boolean =>
  Unstable.credentialHeaders.some((name) => request.headers[name] !== undefined)

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
  return new SanitizedResponse(response, asGiven, Unstable.withoutCredentials)
}

/** The native error underneath a transport failure (no request, no header), for the `cause` chain. */
const nativeCause = (cause: unknown): unknown =>
  cause instanceof Error && !HttpClientError.isHttpClientError(cause) ? cause : undefined

/** A failure whose request (and response) carry no credential, and whose cause is the native error only. */
export const sanitizeError = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
  const reason = error.reason
  const cause = nativeCause(reason.cause)
  const fields = {
    request: Unstable.withoutCredentials(reason.request),
    ...(reason.description === undefined ? {} : { description: reason.description }),
    ...(cause === undefined ? {} : { cause })
  }
  const response = error.response
  return new HttpClientError.HttpClientError({
    reason: rebuildReason(reason, fields, response === undefined ? undefined : sanitizeResponse(response))
  })
}
