/**
 * What the probe reads of an answer: the reply (status, headers, the body's
 * first 64 KiB), what kind of body it is, the error code it carries, and how
 * the transcript words a request that got no answer.
 */
import * as Unstable from "@ociauth/core/Unstable"
import type { HttpClientError } from "effect/http"

/** An answer as the probe keeps it; `status` is `null` when the request got none. */
export interface Reply {
  readonly status: number | null
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** The most of a body the probe reads. */
export const MAX_BODY = 64 * 1024

/** The reply of a request that got no answer. */
export const noReply: Reply = { status: null, headers: {}, text: "" }

/** Whether a body is JSON, empty, or something else. */
export const bodyKind = (reply: Reply): "json" | "empty" | "other" => {
  if (reply.text.trim() === "") return "empty"
  try {
    JSON.parse(reply.text)
    return "json"
  } catch {
    return "other"
  }
}

/** A body's error, as short as the body allows: the first OCI code, `details`, `error`, or its first 80 characters. */
export const errorOf = (text: string): string | null => {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string }>; details?: string; error?: string }
    return body.errors?.[0]?.code ?? body.details ?? body.error ?? null
  } catch {
    return text.trim() === "" ? null : text.trim().slice(0, 80)
  }
}

/** The OCI error codes of a body. */
export const codesOf = (text: string): ReadonlyArray<string> => {
  try {
    const errors = (JSON.parse(text) as { errors?: unknown }).errors
    return Array.isArray(errors) ? errors.flatMap((e: { code?: unknown }) => (typeof e?.code === "string" ? [e.code] : [])) : []
  } catch {
    return []
  }
}

/** The sorted top-level fields of a 200's JSON body (a token response's), none for anything else. */
export const fieldsOf = (reply: Reply): ReadonlyArray<string> => {
  try {
    return reply.status === 200 ? Object.keys(JSON.parse(reply.text) as object).sort() : []
  } catch {
    return []
  }
}

/** A transport failure as the transcript writes it: the reason (Transport, Encode, InvalidUrl) and its cause. */
export const failureText = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason
  switch (reason._tag) {
    case "TransportError": {
      const { code, detail } = Unstable.transportCause(reason.cause)
      return `Transport: ${Unstable.transportText(code, reason.description ?? detail)}`.slice(0, 200)
    }
    case "EncodeError":
    case "InvalidUrlError":
      return `${reason._tag.replace(/Error$/, "")}: ${String(reason.cause ?? reason.description ?? "")}`.slice(0, 200)
    default:
      return reason._tag
  }
}
