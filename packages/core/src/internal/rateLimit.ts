import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as secrets from "./secrets.js"
import * as transient from "./transient.js"

/** Which limit a 429 is: a registry's pull quota, its anti-abuse protection, or a service's request rate. */
export type Kind = "PullLimit" | "AbuseProtection" | "Throttled"

export interface Input {
  readonly url: string
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The body, as read (bounded). */
  readonly text: string
  readonly nowMillis: number
  /** Whether the request carried a credential (a pull limit is then the account's). */
  readonly authenticated?: boolean | undefined
}

export interface Fields {
  readonly kind: Kind
  readonly url: string
  readonly status: number
  readonly retryAfterMillis?: number | undefined
  readonly limit?: number | undefined
  readonly remaining?: number | undefined
  readonly windowSeconds?: number | undefined
  readonly detail?: string | undefined
  readonly authenticated?: boolean | undefined
}

/** `ratelimit-limit: 100;w=21600` → 100 and 21600 (Docker Hub). */
const quota = (value: string | undefined): { readonly count?: number; readonly window?: number } => {
  if (value === undefined) return {}
  const match = /^\s*(\d{1,12})\s*(?:;\s*w\s*=\s*(\d{1,12}))?/.exec(value)
  if (match === null) return {}
  return { count: Number(match[1]), ...(match[2] === undefined ? {} : { window: Number(match[2]) }) }
}

/** The server's words: the first OCI error's message, or the first line of a text body; scrubbed, bounded. */
const wordsOf = (text: string): string | undefined => {
  try {
    const json = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }
    const first = json.errors?.[0]
    if (first !== undefined) {
      const words = [first.code, first.message].filter((w): w is string => typeof w === "string" && w !== "").join(": ")
      return words === "" ? undefined : secrets.scrub(words, 240)
    }
  } catch {
    // not JSON: a text body
  }
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("<"))
  return line === undefined ? undefined : secrets.scrub(line, 240)
}

const kindOf = (input: Input, words: string | undefined): Kind => {
  // Docker Hub's anti-abuse answer is text/plain "Too Many Requests (HAP429)." (hub-feedback#1907).
  if (/HAP429/i.test(input.text) || (/^text\/plain/i.test(input.headers["content-type"] ?? "") && /too many requests/i.test(input.text))) {
    return "AbuseProtection"
  }
  if (input.headers["ratelimit-limit"] !== undefined || /pull rate limit/i.test(words ?? "")) return "PullLimit"
  return "Throttled"
}

/** A 429's fields; `None` for any other status. */
export const fieldsOf = (input: Input): Option.Option<Fields> => {
  if (input.status !== 429) return Option.none()
  const words = wordsOf(input.text)
  const kind = kindOf(input, words)
  const limit = quota(input.headers["ratelimit-limit"])
  const remaining = quota(input.headers["ratelimit-remaining"])
  const window = limit.window ?? remaining.window
  const retryAfter = Option.map(transient.parseRetryAfter(input.headers["retry-after"], input.nowMillis), Duration.toMillis)
  return Option.some({
    kind,
    url: input.url,
    status: input.status,
    ...(Option.isSome(retryAfter) ? { retryAfterMillis: retryAfter.value } : {}),
    ...(limit.count === undefined ? {} : { limit: limit.count }),
    ...(remaining.count === undefined ? {} : { remaining: remaining.count }),
    ...(window === undefined ? {} : { windowSeconds: window }),
    ...(words === undefined ? {} : { detail: words }),
    ...(input.authenticated === undefined ? {} : { authenticated: input.authenticated })
  })
}

/** How to raise the limit, for the error's message. */
export const howToRaise = (fields: Fields): string => {
  switch (fields.kind) {
    case "PullLimit": {
      const anonymous = fields.authenticated === false || (fields.authenticated === undefined && /unauthenticated/i.test(fields.detail ?? ""))
      if (anonymous) return "authenticate to raise it (Docker Hub: 100 pulls per 6 h per address anonymous, 200 per Personal account)"
      return fields.authenticated === true
        ? "the account's pull limit: a paid plan (Docker Pro, Team, Business) has none"
        : "authenticate, or use a paid plan (Docker Hub: 200 pulls per 6 h per Personal account, none on paid plans)"
    }
    case "AbuseProtection":
      return "the registry's abuse protection: send fewer requests at once; authenticating or a paid plan does not raise it"
    case "Throttled":
      return "the service's request rate: send fewer requests (a token cache and retries with backoff), or ask the provider for a higher quota"
  }
}

/** When to retry, for the error's message. */
export const whenToRetry = (fields: Fields): string =>
  fields.retryAfterMillis !== undefined
    ? `retry after ${Duration.format(Duration.millis(fields.retryAfterMillis))}`
    : fields.windowSeconds !== undefined
    ? `the limit counts over ${Duration.format(Duration.seconds(fields.windowSeconds))}`
    : "no Retry-After given"
