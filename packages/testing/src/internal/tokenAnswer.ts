/**
 * What a token endpoint answers: a refusal (an OCI `errors` body, Docker
 * Hub's `details`, OAuth2's `error`, plain text) or a token.
 */
import type * as http from "node:http"
import { Scope } from "@ociauth/core"
import type { Refusal } from "../TokenServer.js"
import { sendJson, sendText } from "./server.js"

export type Answer =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string }

export const isAnswer = <A extends object>(value: A | Answer): value is Answer => "status" in value

export const send = (response: http.ServerResponse, answer: Answer): void =>
  "text" in answer ? sendText(response, answer.status, answer.text) : sendJson(response, answer.status, answer.json)

/** The OCI `errors` body, with `detail` only when there is one. */
export const errors = (status: number, code: string, message: string, detail?: unknown): Answer => ({
  status,
  json: { errors: [detail === undefined ? { code, message } : { code, message, detail }] }
})

/** The spec's refusal of credentials: 401 `UNAUTHORIZED` "authentication required" (`TokenServer.ociRefusal`). */
export const ociRefusal: Refusal = { shape: "oci", code: "UNAUTHORIZED", message: "authentication required" }

/** Docker Hub's refusals: `{"details": …}`. */
export const details = (status: number, text: string): Answer => ({ status, json: { details: text } })

/**
 * A token: `access_token` (OAuth2 POST) or `token` (and `access_token`, by
 * `tokenFields`) on GET; `expires_in` and `issued_at` unless omitted; the
 * granted `scope` on POST; a `refresh_token` when one was asked for.
 */
export const token = (
  oauth: boolean,
  token: string,
  granted: ReadonlyArray<Scope.ResourceScope>,
  options: {
    readonly tokenFields: "both" | "token" | undefined
    /** `expires_in` and `issued_at`, unless left out (GHCR). */
    readonly expiry: { readonly seconds: number; readonly issuedAt: number } | undefined
    readonly refreshToken: string | undefined
  }
): Answer => {
  const body: Record<string, unknown> = oauth
    ? { access_token: token }
    : options.tokenFields === "token" ? { token } : { token, access_token: token }
  if (options.expiry !== undefined) {
    body.expires_in = options.expiry.seconds
    body.issued_at = new Date(options.expiry.issuedAt).toISOString()
  }
  if (oauth) body.scope = granted.map(Scope.format).join(" ")
  if (options.refreshToken !== undefined) body.refresh_token = options.refreshToken
  return { status: 200, json: body }
}
