/**
 * The human summary of a probe: one row per finding, as the seeds would say
 * it, with the quirks marked. Colours only when asked for (a TTY without
 * `NO_COLOR`).
 *
 * @since 0.2.0
 */
import type { ChallengeSeen, Findings, TokenAttempt } from "./Findings.js"
import { quirks } from "./Findings.js"
import * as Sanitize from "./internal/sanitize.js"

const status = (s: number | null): string => (s === null ? "no answer" : String(s))
const challenge = (c: ChallengeSeen): string =>
  c.scheme === null ? `${status(c.status)}, no challenge` : `${status(c.status)} ${c.scheme}${c.scope === null ? ", no scope" : ` scope=${c.scope}`}`
const attempt = (a: TokenAttempt): string =>
  a.status === 200 ? `token (${a.granted === null ? "opaque" : `grants ${a.granted.join(" ") || "nothing"}`})` : `${status(a.status)}${a.error === null ? "" : ` ${a.error}`}`

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
  if (f.delete !== null) out.push(["DELETE", `${f.delete.supported === "yes" ? "supported" : f.delete.supported === "no" ? "unsupported" : "not allowed to this identity"}: ${status(f.delete.status)}${f.delete.code === null ? "" : ` ${f.delete.code}`} (a digest that does not exist)`, q("delete-unsupported")])
  out.push(["rate limits", f.rateLimit === null ? "no headers" : `limit ${f.rateLimit.limit ?? "-"}, remaining ${f.rateLimit.remaining ?? "-"}, source ${f.rateLimit.source ?? "-"}`, false])
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
  const closing = findings.quirks.length === 0
    ? paint("32", "No quirks: this registry follows the distribution and OCI specs in everything probed.")
    : [
      paint("33", `Quirks (${findings.quirks.length}): ${findings.quirks.join(", ")}. --suggest-adapter prints an adapter for them.`),
      ...findings.quirks.map((quirk) => `  ${quirk}: ${quirks[quirk]}`)
    ].join("\n")
  return `${lines.join("\n")}\n\n${closing}\n`
}
