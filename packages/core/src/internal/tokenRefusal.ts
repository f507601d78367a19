import type { ErrorEntry } from "./errorBody.js"
import * as secrets from "./secrets.js"

const bounded = (text: string): string => secrets.scrub(text.replace(/\s+/g, " ").trim(), 240)

/** OCI `errors`: codes and messages, the first three. */
const ofEntries = (errors: ReadonlyArray<ErrorEntry>): string | undefined =>
  errors.length === 0
    ? undefined
    : errors
        .slice(0, 3)
        .map((e) => (e.message ? `${e.code}: ${e.message.slice(0, 120)}` : e.code))
        .join("; ")

/** The string fields token servers word a refusal with, outside OCI `errors`. */
const WORDED = ["details", "detail", "error_description", "message", "error"] as const

/**
 * The token server's reason for a refusal, whatever the body's shape: OCI
 * `errors` (the spec, Quay), `{"details": …}` (auth.docker.io), an OAuth2
 * `error_description` / `error`, or a plain-text body (its first line). Scrubbed
 * of the secrets the SDK sent, bounded; `undefined` for an empty body or an HTML page.
 */
export const reasonOf = (text: string, errors: ReadonlyArray<ErrorEntry>): string | undefined => {
  const oci = ofEntries(errors)
  if (oci !== undefined) return oci
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "")
    return line === undefined || line.startsWith("<") ? undefined : bounded(line)
  }
  if (typeof json === "string" && json.trim() !== "") return bounded(json)
  if (typeof json !== "object" || json === null) return undefined
  for (const field of WORDED) {
    const value = (json as Record<string, unknown>)[field]
    if (typeof value === "string" && value.trim() !== "") return bounded(value)
  }
  return undefined
}

/** Quay (`v2auth.py`): a `push` the account may not do is `405 UNSUPPORTED` "No permission to modify repository". */
export const isWriteRefusal = (status: number, errors: ReadonlyArray<ErrorEntry>): boolean =>
  status === 405 && errors.some((e) => e.code === "UNSUPPORTED")
