import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Schema } from "effect"
import type { Socket } from "effect/socket"
import type { Cookies, Headers, HttpClientRequest, UrlParams } from "effect/http"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import { pipeArguments } from "effect/Pipeable"
import { WebSourceKey } from "./platform.js"

/** The fields a failure's reason is rebuilt from. */
interface ReasonFields {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly cause?: unknown
  readonly description?: string
}

/**
 * The same reason about another request (and response): a failure names the
 * request and response it is given, never the ones the transport saw (which
 * carry the credential).
 */
export const rebuildReason = (
  reason: HttpClientError.HttpClientErrorReason,
  fields: ReasonFields,
  response: HttpClientResponse.HttpClientResponse | undefined
): HttpClientError.HttpClientErrorReason => {
  switch (reason._tag) {
    case "TransportError":
      return new HttpClientError.TransportError(fields)
    case "EncodeError":
      return new HttpClientError.EncodeError(fields)
    case "InvalidUrlError":
      return new HttpClientError.InvalidUrlError(fields)
    case "StatusCodeError":
      return new HttpClientError.StatusCodeError({ ...fields, response: response ?? reason.response })
    case "DecodeError":
      return new HttpClientError.DecodeError({ ...fields, response: response ?? reason.response })
    case "EmptyBodyError":
      return new HttpClientError.EmptyBodyError({ ...fields, response: response ?? reason.response })
  }
}

/**
 * A response that answers `request` with a request carrying no credential (the
 * one the runtime sent had `Authorization`) and delegates everything else to the
 * transport's response: body, headers and lifetime are the same, and
 * `HttpClientResponse.toWeb` finds the web `Response` underneath. A failure to
 * read the body names this response and its clean request, never the
 * transport's (which carries the credential). A class, so that every response
 * of the warm path has one shape.
 */
export class SanitizedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: typeof HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly original: HttpClientResponse.HttpClientResponse
  readonly #strip: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
  #request: HttpClientRequest.HttpClientRequest | undefined

  constructor(
    original: HttpClientResponse.HttpClientResponse,
    clean: HttpClientRequest.HttpClientRequest | undefined,
    strip: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
  ) {
    super()
    this.original = original
    this.#request = clean
    this.#strip = strip
  }
  get request(): HttpClientRequest.HttpClientRequest {
    return (this.#request ??= this.#strip(this.original.request))
  }
  get url(): string {
    return this.original.url
  }
  get status(): number {
    return this.original.status
  }
  get headers(): Headers.Headers {
    return this.original.headers
  }
  get cookies(): Cookies.Cookies {
    return this.original.cookies
  }
  get remoteAddress(): Option.Option<string> {
    return this.original.remoteAddress
  }
  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.formData, this.#clean)
  }
  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.json, this.#clean)
  }
  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.text, this.#clean)
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.urlParamsBody, this.#clean)
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.arrayBuffer, this.#clean)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    return Stream.mapError(this.original.stream, this.#clean)
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpClientError.HttpClientError> {
    return Effect.mapError(this.original.upgrade, this.#clean)
  }
  /** The web `Response` underneath, for `HttpClientResponse.toWeb`. */
  [WebSourceKey](): Response | undefined {
    return Option.getOrUndefined(HttpClientResponse.toWeb(this.original))
  }
  /** The same failure, about this response: its request carries no credential. */
  readonly #clean = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
    const reason = error.reason
    return new HttpClientError.HttpClientError({
      reason: rebuildReason(
        reason,
        {
          request: this.request,
          ...(reason.cause === undefined ? {} : { cause: reason.cause }),
          ...(reason.description === undefined ? {} : { description: reason.description })
        },
        this
      )
    })
  }
  /**
   * The request (without credentials) and the status: not the headers, which a
   * hostile server fills with whatever it received (a `WWW-Authenticate`
   * echoing the token), and which the platform's own `toJSON` prints.
   */
  override toJSON(): unknown {
    return { _id: "HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}
