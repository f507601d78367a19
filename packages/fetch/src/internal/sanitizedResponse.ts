import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { Cookies, Headers, HttpClientRequest, UrlParams } from "@effect/platform"
import { Effect, Stream } from "effect"
import type { Option } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"

/**
 * A response that answers `request` with a request carrying no credential (the
 * one the runtime sent had `Authorization`) and delegates everything else to the
 * transport's response: body, headers and lifetime are the same. A failure to
 * read the body names this response and its clean request, never the
 * transport's (which carries the credential). A class, so
 * that every response of the warm path has one shape (an `Object.create` view
 * per response made each response a prototype).
 */
export class SanitizedResponse implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  #request: HttpClientRequest.HttpClientRequest | undefined

  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    clean: HttpClientRequest.HttpClientRequest | undefined,
    private readonly strip: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
  ) {
    this.#request = clean
  }
  get request(): HttpClientRequest.HttpClientRequest {
    return (this.#request ??= this.strip(this.original.request))
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
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.mapError(this.original.formData, (error) => this.#clean(error))
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.mapError(this.original.json, (error) => this.#clean(error))
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.mapError(this.original.text, (error) => this.#clean(error))
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.mapError(this.original.urlParamsBody, (error) => this.#clean(error))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.mapError(this.original.arrayBuffer, (error) => this.#clean(error))
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.mapError(this.original.stream, (error) => this.#clean(error))
  }
  /** The same failure, about this response: its request carries no credential. */
  #clean(error: HttpClientError.ResponseError): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: error.reason,
      ...(error.cause === undefined ? {} : { cause: error.cause }),
      ...(error.description === undefined ? {} : { description: error.description })
    })
  }
  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
  toString(): string {
    return JSON.stringify(this.toJSON(), null, 2)
  }
  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}
