/**
 * Every exchange of a probe, written as the seed documents write them:
 *
 * ```
 * ### Get the /v2/ endpoint
 * ### REQUEST
 * GET https://ghcr.io/v2/
 * Authorization: Bearer <redacted>
 *
 * ### RESPONSE
 * HTTP/1.1 401 Unauthorized
 * www-authenticate: Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"
 *
 * {"errors":[…]}
 * ```
 *
 * Secrets never reach the text: `Authorization` values, cookies' values (their
 * names are kept), a `Location`'s user, password and query (a signed URL's
 * signature), passwords and refresh
 * tokens in form bodies, `token` / `access_token` / `refresh_token` in JSON
 * bodies are replaced by `<redacted>`, and every secret the probe knows of
 * (passwords, issued tokens, `user:password` in base64) is scrubbed from the
 * whole text as well, in every form a server could echo them in (raw,
 * JSON-escaped, percent- and form-encoded, base64: `Unstable.redact`), before
 * the text is laid out and again after. Control characters and escape
 * sequences a server sent are shown escaped (`\x1b`, `\u009b`), never
 * interpreted by a terminal.
 *
 * @since 0.2.0
 */
import { STATUS_CODES } from "node:http"

import * as Headers from "./internal/headers.js"
import * as Sanitize from "./internal/sanitize.js"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * One request and its response (or its transport failure).
 *
 * @since 0.2.0
 * @category models
 */
export interface Exchange {
  readonly title: string
  readonly method: string
  readonly url: string
  readonly requestHeaders: Readonly<Record<string, string>>
  readonly requestBody?: string
  readonly status?: number
  readonly responseHeaders?: Readonly<Record<string, string>>
  readonly responseBody?: string
  /** A transport failure instead of a response. */
  readonly error?: string
  /** What the probe read from the answer (a JWT's grant, say). */
  readonly note?: string
}

const SECRET_FORM_FIELDS = new Set(["password", "refresh_token", "access_token", "token", "client_secret"])
const SECRET_JSON_FIELDS = new Set(["token", "access_token", "refresh_token", "id_token", "password", "secret"])
const MAX_BODY = 2048

const redactForm = (body: string): string => {
  const params = new URLSearchParams(body)
  for (const key of [...params.keys()]) if (SECRET_FORM_FIELDS.has(key)) params.set(key, "<redacted>")
  return params.toString().replaceAll("%3Credacted%3E", "<redacted>")
}

const redactJson = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactJson)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_JSON_FIELDS.has(k.toLowerCase()) && typeof v === "string" ? "<redacted>" : redactJson(v)])
    )
  }
  return value
}

const formatBody = (body: string): string => {
  if (body === "") return ""
  let text = body
  try {
    text = JSON.stringify(redactJson(JSON.parse(body)), null, 2)
  } catch {
    // not JSON: as it is
  }
  return text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}\n… (${text.length - MAX_BODY} more characters)` : text
}

/**
 * Replaces every form (raw, JSON-escaped, percent- and form-encoded, base64) of
 * each secret (at least 4 characters), and of every secret the SDK has sent, by
 * `<redacted>`: `Unstable.redact`.
 *
 * @since 0.2.0
 * @category utils
 */
export const scrub = (text: string, secrets: Iterable<string>): string => Unstable.redact(text, secrets)

/**
 * One exchange in the seeds' format.
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatExchange = (exchange: Exchange): string => {
  const lines = [`### ${exchange.title}`, "### REQUEST", `${exchange.method} ${exchange.url}`]
  for (const [name, value] of Object.entries(exchange.requestHeaders)) lines.push(`${name}: ${Headers.shown(name, value, exchange.url)}`)
  if (exchange.requestBody !== undefined && exchange.requestBody !== "") lines.push("", redactForm(exchange.requestBody))
  lines.push("", "### RESPONSE")
  if (exchange.error !== undefined) {
    lines.push(`(no response: ${exchange.error})`)
  } else {
    lines.push(`HTTP/1.1 ${exchange.status} ${STATUS_CODES[exchange.status ?? 0] ?? ""}`.trimEnd())
    for (const [name, value] of Object.entries(exchange.responseHeaders ?? {})) lines.push(`${name}: ${Headers.shown(name, value, exchange.url)}`)
    const body = formatBody(exchange.responseBody ?? "")
    if (body !== "") lines.push("", body)
  }
  if (exchange.note !== undefined) lines.push("", `# ${exchange.note}`)
  return Sanitize.text(lines.join("\n"))
}

/**
 * The whole transcript, scrubbed of `secrets`.
 *
 * @since 0.2.0
 * @category formatting
 */
export const format = (exchanges: ReadonlyArray<Exchange>, secrets: Iterable<string> = []): string => {
  const known = [...secrets]
  const redact = (text: string) => scrub(text, known)
  // Server text is redacted before it is laid out (a JSON body re-indented, a header joined to its name), and after.
  return Sanitize.text(redact(exchanges.map((exchange) => formatExchange(Sanitize.deep(exchange, redact))).join("\n\n"))) + "\n"
}
