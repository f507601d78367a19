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
