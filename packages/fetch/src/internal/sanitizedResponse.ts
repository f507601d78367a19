import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { Cookies, Headers, HttpClientError, HttpClientRequest, UrlParams } from "@effect/platform"
import type { Effect, Option, Stream } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"

/**
 * A response that answers `request` with a request carrying no credential (the
 * one the runtime sent had `Authorization`) and delegates everything else to the
 * transport's response: body, headers and lifetime are the same. A class, so
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
    return this.original.formData
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return this.original.json
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.original.text
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.original.urlParamsBody
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.original.arrayBuffer
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return this.original.stream
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
