/**
 * Docker Hub's pull rate limits (docker/docs `pulls.md`): rate-limit headers on
 * manifest GET and HEAD; a GET past the limit of its bucket is refused. Anonymous
 * pulls count per IPv4 address or IPv6 /64, Personal accounts' per account; paid
 * plans pull without limit and without headers.
 */
import type * as http from "node:http"
import type { Profile } from "../Profile.js"
import type { Options } from "../RegistryEmulator.js"
import type { Exchange } from "./server.js"

/** Docker Hub's window, in seconds (6 h). */
const WINDOW = 21600

/** See `RegistryEmulator.pullLimitSource`. */
export const pullLimitSource = (address: string): string => {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (v4 !== null) return v4[1]!
  if (!address.includes(":")) return address
  const [head = "", tail = ""] = address.split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === "" ? [] : tail.split(":")
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left
  const prefix = groups.slice(0, 4).map((g) => (g.replace(/^0+/, "") || "0").toLowerCase())
  while (prefix.length > 0 && prefix[prefix.length - 1] === "0") prefix.pop()
  return `${prefix.join(":")}::`
}

export interface PullLimits {
  /** What a request's pulls are counted by (`docker-ratelimit-source`). */
  readonly source: (request: http.IncomingMessage) => string
  /** Counts a manifest GET of `subject` (HEADs are free): the headers to answer with, and the refusal's message past the limit. */
  readonly count: (exchange: Exchange, subject: string) => { readonly headers: Record<string, string>; readonly exceeded?: string }
}

export const make = (
  profile: Profile,
  options: Pick<Options, "pullRateLimit" | "personalPullRateLimit" | "accountPlans" | "clientAddress">,
  now: () => number
): PullLimits => {
  const buckets = new Map<string, { used: number; windowStart: number }>()
  const source = (request: http.IncomingMessage) =>
    pullLimitSource(options.clientAddress?.(request) ?? request.socket.remoteAddress ?? "127.0.0.1")

  const count: PullLimits["count"] = (exchange, subject) => {
    if (!profile.rateLimit) return { headers: {} }
    const plan = subject === "" ? "anonymous" : options.accountPlans?.[subject] ?? "personal"
    if (plan !== "anonymous" && plan !== "personal") return { headers: {} }
    const limit = plan === "anonymous"
      ? options.pullRateLimit ?? profile.pullLimits.anonymous
      : options.personalPullRateLimit ?? profile.pullLimits.personal
    // Counted per address (anonymous) or per account; the header names the address either way, as
    // Docker Hub's answers to an account's token do (seed 000's DELETE).
    const address = source(exchange.request)
    const key = `${plan}\u0000${plan === "anonymous" ? address : subject}`
    let bucket = buckets.get(key)
    if (bucket === undefined || now() - bucket.windowStart >= WINDOW * 1000) {
      bucket = { used: 0, windowStart: now() }
      buckets.set(key, bucket)
    }
    const headers = (remaining: number) => ({
      "ratelimit-limit": `${limit};w=${WINDOW}`,
      "ratelimit-remaining": `${remaining};w=${WINDOW}`,
      "docker-ratelimit-source": address
    })
    if (exchange.method === "GET") {
      if (bucket.used >= limit) {
        return {
          headers: { ...headers(0), "retry-after": "60" },
          // The 2025 wording for anonymous pulls (docker/hub-feedback#2464); the accounts' wording is
          // the one every report before 2025 quotes (unverified for 2025).
          exceeded: plan === "anonymous"
            ? "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"
            : "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
        }
      }
      bucket.used++
    }
    return { headers: headers(limit - bucket.used) }
  }

  return { source, count }
}
