/**
 * Token refusals as the SDK words them (`TokenRequestError`'s reason and the
 * server's words), one attempt at a time and for the findings.
 */
import * as Unstable from "@ociauth/core/Unstable"
import type * as Findings from "../../Findings.js"
import { codesOf, type Reply } from "./reply.js"

/**
 * What the SDK makes of a token endpoint's answer (`TokenRequestError`'s reason and detail): `null` for a
 * token, no answer, or an OAuth2 POST the endpoint does not take (the SDK asks again with GET).
 */
export const refusalOf = (
  reply: Reply,
  method: "GET" | "POST",
  identity: "anonymous" | "credentials",
  issued: boolean
): { readonly refusal: Findings.TokenRefusal | null; readonly detail: string | null } => {
  const none = { refusal: null, detail: null }
  if (reply.status === null || issued) return none
  const codes = codesOf(reply.text)
  if (method === "POST" && (reply.status === 404 || reply.status === 405) && !codes.includes("UNSUPPORTED")) return none
  const said = Unstable.refusalReason(reply.text) ?? null
  switch (reply.status) {
    case 401:
      return {
        refusal: "Unauthorized",
        detail: identity === "anonymous" ? `credentials are needed (an anonymous token was refused)${said === null ? "" : `: ${said}`}` : said
      }
    case 403:
      return { refusal: "Denied", detail: said }
    case 429:
      return { refusal: "RateLimited", detail: said }
    default:
      if (reply.status === 400 && codes.includes("NAME_INVALID")) return { refusal: "InvalidName", detail: said }
      if (reply.status === 405 && codes.includes("UNSUPPORTED")) return { refusal: "Denied", detail: `the account has no write permission (${said ?? "UNSUPPORTED"})` }
      return { refusal: "BadResponse", detail: reply.status >= 200 && reply.status < 300 ? "the body is not a token response" : said }
  }
}

/** The refusals, one per identity, reason and words: the credentials' first, then in the order met. */
export const refusals = (attempts: ReadonlyArray<Findings.TokenAttempt>): Findings.Findings["tokenRefusals"] => {
  const out: Array<Findings.TokenAttempt & { readonly refusal: Findings.TokenRefusal }> = []
  for (const attempt of attempts) {
    const refusal = attempt.refusal
    if (refusal === null) continue
    if (out.some((o) => o.identity === attempt.identity && o.refusal === refusal && o.detail === attempt.detail)) continue
    out.push({ ...attempt, refusal })
  }
  return [...out.filter((o) => o.identity === "credentials"), ...out.filter((o) => o.identity === "anonymous")]
}
