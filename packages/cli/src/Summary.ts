/**
 * The human summary of a probe: one row per finding, as the seeds would say
 * it, with the quirks marked. Colours only when asked for (a TTY without
 * `NO_COLOR`).
 *
 * @since 0.2.0
 */
import type { ChallengeSeen, Findings, RateLimitSeen, TokenAttempt } from "./Findings.js"
import { quirks } from "./Findings.js"
import * as Sanitize from "./internal/sanitize.js"

const status = (s: number | null): string => (s === null ? "no answer" : String(s))
const challenge = (c: ChallengeSeen): string =>
  c.scheme === null ? `${status(c.status)}, no challenge` : `${status(c.status)} ${c.scheme}${c.scope === null ? ", no scope" : ` scope=${c.scope}`}`
const attempt = (a: TokenAttempt): string =>
  a.status === 200 ? `token (${a.granted === null ? "opaque" : `grants ${a.granted.join(" ") || "nothing"}`})` : `${status(a.status)}${a.error === null ? "" : ` ${a.error}`}`

/** A span of seconds as people say it: 60 s, 5 min, 6 h. */
const span = (seconds: number): string =>
  seconds >= 3600 && seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`

/** `100;w=21600` → 100 and 21600 (Docker Hub's `ratelimit-*` headers). */
const quota = (value: string | null): { readonly count: number; readonly window: number | null } | null => {
  const match = value === null ? null : /^\s*(\d{1,12})\s*(?:;\s*w\s*=\s*(\d{1,12}))?/.exec(value)
  return match === null || match === undefined ? null : { count: Number(match[1]), window: match[2] === undefined ? null : Number(match[2]) }
}

/** Docker Hub's headers on the manifest HEAD: `150 of 200 pulls left per 6 h (counted for 203.0.113.7)`. */
const headers = (r: NonNullable<Findings["rateLimit"]>): string => {
  const limit = quota(r.limit)
  const remaining = quota(r.remaining)
  const source = r.source === null ? "" : ` (counted for ${r.source})`
  if (limit === null || remaining === null) return `limit ${r.limit ?? "-"}, remaining ${r.remaining ?? "-"}, source ${r.source ?? "-"}`
  const window = limit.window ?? remaining.window
  return `${remaining.count} of ${limit.count} pulls left${window === null ? "" : ` per ${span(window)}`}${source}`
}

const KIND = {
  PullLimit: "pull limit",
  AbuseProtection: "abuse protection",
  Throttled: "throttled"
} as const

/** A 429 met: which limit, the quota, the server's words, when to retry, how to raise it. */
export const rateLimited = (l: RateLimitSeen): string => {
  const quota = l.limit === null ? "" : `, ${l.remaining ?? 0} of ${l.limit} left${l.windowSeconds === null ? "" : ` per ${span(l.windowSeconds)}`}`
  const who = l.kind === "PullLimit" ? (l.authenticated ? ", with the credentials" : ", anonymously") : ""
  const words = l.detail === null ? "" : `: "${l.detail}"`
  const retry = l.retryAfterSeconds !== null
    ? `retry after ${span(l.retryAfterSeconds)}`
    : l.windowSeconds !== null
      ? `the limit counts over ${span(l.windowSeconds)}`
      : "no Retry-After given"
  const times = l.count === 1 ? "" : ` (${l.count} answers)`
  return `${KIND[l.kind]} (${l.kind}) at the ${l.where}, ${l.status}${times}${quota}${who}${words}; ${retry}; ${l.howToRaise}`
}

/** A refusal of the token server as the SDK reads it: `Unauthorized (401): incorrect username or password`. */
const refused = (a: TokenAttempt): string =>
  `${a.refusal ?? "refused"} (${status(a.status)})${a.detail === null ? "" : `: ${a.detail}`} — ${a.method} ${a.scopes.join(" ") || "(no scope)"}`

/**
 * The rows: finding, what was seen, and whether it is a quirk.
 *
 * @since 0.2.0
 * @category formatting
 */
export const rows = (f: Findings): ReadonlyArray<readonly [string, string, boolean]> => {
  const q = (name: Findings["quirks"][number]) => f.quirks.includes(name)
  const out: Array<readonly [string, string, boolean]> = []
  out.push(["registry", `${f.registry} → ${f.origin}${f.repository === null ? "" : `, repository ${f.repository}`} (${f.identity})`, false])
  out.push(["root URL", `${status(f.root.status)}${f.root.contentType === null ? "" : ` ${f.root.contentType}`}${f.root.location === null ? "" : ` → ${f.root.location}`}`, false])
  out.push([
    "/v2/",
    `${status(f.base.status)} body ${f.base.body}, API version ${f.base.apiVersion ?? "not sent"}${f.base.withToken === null ? "" : `; with a token ${status(f.base.withToken.status)} body ${f.base.withToken.body}`}`,
    q("empty-base-body")
  ])
  out.push([
    "/v2 (no slash)",
    `${status(f.bareV2.status)}${f.bareV2.location === null ? ` body ${f.bareV2.body}, API version ${f.bareV2.apiVersion ?? "not sent"}` : ` → ${f.bareV2.location}`}${
      f.bareV2.withToken === null ? "" : `; with a token ${status(f.bareV2.withToken)}`
    }`,
    q("bare-v2-not-found")
  ])
  out.push(["challenge /v2/", challenge(f.challenges.base), false])
  out.push(["challenge _catalog", challenge(f.challenges.catalog), false])
  if (f.challenges.repository !== null) out.push(["challenge repository", challenge(f.challenges.repository), false])
  out.push(["scheme, realm", `${f.auth.scheme}${f.auth.realm === null ? "" : ` ${f.auth.realm}`}${f.auth.realmElsewhere ? " (on another host)" : ""}`, false])
  if (f.auth.realmRefused !== null) out.push(["realm refused", `${f.auth.realmRefused}; no token request was sent to it`, true])
  out.push([
    "service",
    `${f.auth.service ?? "none named"}${f.auth.hostAsService === null ? "" : `; a token for service=<registry host> is ${f.auth.hostAsService}`}`,
    false
  ])
  if (f.placeholder !== null) {
    out.push([
      "challenge scope",
      `${f.placeholder.scope} is a placeholder: anonymously ${attempt(f.placeholder.anonymous)}${f.placeholder.credentials === null ? "" : `, with credentials ${attempt(f.placeholder.credentials)}`}`,
      true
    ])
  }
  if (f.library !== null) {
    out.push(["library/", `bare name ${status(f.library.bare)}, library/ ${status(f.library.prefixed)}${f.library.required ? ": one-component names need library/" : ""}`, q("library-prefix")])
  }
  const t = f.tokenEndpoint
  out.push(["token GET / POST", `GET ${t.get === null ? "not tried" : status(t.get)}, OAuth2 POST ${t.post === null ? "not tried (needs credentials)" : status(t.post)}`, q("token-get-only")])
  out.push([
    "token response",
    t.format === null ? "no token issued" : `${t.format}; fields ${t.fields.join(", ")}; expires_in ${t.expiresIn ?? "absent"}, issued_at ${t.issuedAt === null ? "absent" : "present"}`,
    q("no-expires-in")
  ])
  out.push(["token lifetime", t.lifetimeSeconds === null ? "not stated (clients assume 60 s)" : `${t.lifetimeSeconds} s (from ${t.lifetimeSource})`, q("no-expires-in")])
  if (f.grants !== null) {
    const seen = f.grants.status === 200 ? (f.grants.granted === null ? "an opaque token" : `granted ${f.grants.granted.join(" ") || "nothing"}`) : attempt(f.grants)
    out.push(["asking for more", `${f.grants.scopes.join(" ")} anonymously: ${f.grants.outcome} (${seen})`, q("denied-not-narrowed")])
  }
  out.push([
    "catalog",
    `${f.catalog.supported}: anonymously ${attempt(f.catalog.anonymous)}${f.catalog.anonymous.catalogStatus === null ? "" : ` → ${f.catalog.anonymous.catalogStatus}`}${
      f.catalog.credentials === null ? "" : `; with credentials ${attempt(f.catalog.credentials)}${f.catalog.credentials.catalogStatus === null ? "" : ` → ${f.catalog.credentials.catalogStatus}`}`
    }`,
    q("catalog-unsupported")
  ])
  if (f.delete !== null) out.push(["DELETE", `${f.delete.supported === "yes" ? "supported" : f.delete.supported === "no" ? "unsupported" : f.delete.status === 429 ? "not known (rate limited)" : "not allowed to this identity"}: ${status(f.delete.status)}${f.delete.code === null ? "" : ` ${f.delete.code}`} (a digest that does not exist)`, q("delete-unsupported")])
  out.push(["rate limits", f.rateLimit === null ? "no headers" : headers(f.rateLimit), false])
  for (const limit of f.rateLimited) out.push(["rate limited", rateLimited(limit), true])
  // Why the token server refused the credentials, and any name it refused as malformed (the catalog's refusals
  // are in its row; 429s in the rows above).
  const refusals = f.tokenRefusals.filter((r) =>
    r.refusal === "InvalidName" ||
    (r.identity === "credentials" && r.refusal !== "RateLimited" && r.refusal !== "BadResponse" && !r.scopes.some((s) => s.startsWith("registry:")))
  )
  for (const refusal of refusals) out.push(["token refused", `${refusal.identity === "credentials" ? "with credentials" : "anonymously"}: ${refused(refusal)}`, true])
  return out
}

/**
 * The table, then a closing line: the quirks, or "follows the specs". Every
 * value a server chose is shown with its control characters escaped (`\x1b`,
 * `\u009b`): nothing in it is interpreted by a terminal, nor starts a line.
 *
 * @since 0.2.0
 * @category formatting
 */
export const format = (findings: Findings, options: { readonly color?: boolean } = {}): string => {
  const paint = (code: string, text: string) => (options.color === true ? `\u001b[${code}m${text}\u001b[0m` : text)
  const table = rows(Sanitize.deep(findings, Sanitize.field))
  const width = Math.max(...table.map(([name]) => name.length))
  const lines = table.map(([name, value, quirk]) => `${quirk ? paint("33", "!") : " "} ${paint("1", name.padEnd(width))}  ${value}`)
  // Refused credentials: what needed them saw the refusal, not the registry; "follows the specs" is not known.
  const refused = findings.credentialsRefused
    ? [paint("31", "The registry refused the credentials: the checks that need them found nothing, and no quirk comes from them. Check them and probe again.")]
    : []
  const closing = findings.quirks.length === 0
    ? [...refused, ...(refused.length > 0 ? [] : [paint("32", "No quirks: this registry follows the distribution and OCI specs in everything probed.")])]
    : [
      ...refused,
      paint("33", `Quirks (${findings.quirks.length}): ${findings.quirks.join(", ")}. --suggest-adapter prints an adapter for them.`),
      ...findings.quirks.map((quirk) => `  ${quirk}: ${quirks[quirk]}`)
    ]
  return `${lines.join("\n")}\n\n${closing.join("\n")}\n`
}
