/**
 * Fault injection for the test servers: errors, `Retry-After`, latency, dropped
 * connections, expired tokens. A fault applies to the requests it matches, a
 * given number of times (or until removed).
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface Fault {
  /** Only requests with this method (upper-case). */
  readonly method?: string
  /** Only requests whose path matches. */
  readonly path?: RegExp | string
  /** How many requests it applies to; unbounded when left out. */
  readonly times?: number
  /** Delay the answer (ms), whatever else happens. */
  readonly latencyMs?: number
  /** Destroy the connection without an answer. */
  readonly drop?: boolean
  /** Answer with this status (and an OCI error body) instead of serving the request. */
  readonly status?: number
  /** `Retry-After` header for `status`: seconds, or an HTTP-date string. */
  readonly retryAfter?: number | string
  /** Treat the bearer token of the request as expired: 401 `error="invalid_token"` (registry only). */
  readonly expireToken?: boolean
  /**
   * Answer with exactly this response instead of serving the request (takes
   * precedence over `status`): a real server's refusal as it is written, e.g.
   * `dockerHubAbuse` (a `text/plain` body, not OCI JSON). @since 1.0.0
   */
  readonly answer?: Answer
}

/**
 * A canned response: status, headers and body, written as they are.
 *
 * @since 1.0.0
 * @category models
 */
export interface Answer {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/**
 * Docker Hub's anti-abuse 429 (not the pull limit): a `text/plain` body
 * `Too Many Requests (HAP429).` and `Retry-After: 60` (docker/hub-feedback#1907).
 * Arm it with `faults.add({ answer: dockerHubAbuse, … })`.
 *
 * @since 1.0.0
 * @category answers
 */
export const dockerHubAbuse: Answer = {
  status: 429,
  headers: { "content-type": "text/plain", "retry-after": "60" },
  body: "Too Many Requests (HAP429).\n"
}

/**
 * Docker Hub's anonymous pull-limit 429 as written since 2025 (docker/hub-feedback#2464):
 * `TOOMANYREQUESTS` "You have reached your unauthenticated pull rate limit.
 * https://www.docker.com/increase-rate-limit", with `ratelimit-*` at 0. The
 * `dockerHub` profile answers it by itself past the limit; this is the same
 * answer as a fault, for a test that needs it at once.
 *
 * @since 1.0.0
 * @category answers
 */
export const dockerHubPullLimit: Answer = {
  status: 429,
  headers: {
    "content-type": "application/json",
    "ratelimit-limit": "100;w=21600",
    "ratelimit-remaining": "0;w=21600",
    "docker-ratelimit-source": "127.0.0.1"
  },
  body: JSON.stringify({
    errors: [{ code: "TOOMANYREQUESTS", message: "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit" }]
  }) + "\n"
}

/**
 * Amazon ECR's registry throttling: `429 toomanyrequests: Rate exceeded`
 * (mitogen-hq/mitogen PR #790), an OCI error body with no `Retry-After`.
 *
 * @since 1.0.0
 * @category answers
 */
export const ecrRateExceeded: Answer = {
  status: 429,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "Rate exceeded" }] })
}

interface Armed {
  readonly fault: Fault
  remaining: number
}

/**
 * @since 0.1.0
 * @category models
 */
export class Faults {
  readonly #armed: Array<Armed> = []

  /** Arms a fault; returns a function that disarms it. @since 0.1.0 */
  add(fault: Fault): () => void {
    const armed = { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }
    this.#armed.push(armed)
    return () => {
      const i = this.#armed.indexOf(armed)
      if (i !== -1) this.#armed.splice(i, 1)
    }
  }

  /** @since 0.1.0 */
  clear(): void {
    this.#armed.length = 0
  }

  /** The fault for this request, consuming one use of it. @since 0.1.0 */
  take(method: string, path: string): Fault | undefined {
    for (const armed of this.#armed) {
      const { fault } = armed
      if (armed.remaining <= 0) continue
      if (fault.method !== undefined && fault.method !== method) continue
      if (fault.path !== undefined && !(typeof fault.path === "string" ? path === fault.path : fault.path.test(path))) continue
      armed.remaining--
      return fault
    }
    return undefined
  }
}
