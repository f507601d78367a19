/**
 * Every request a test server answered, in order: what tests and the bench count
 * round trips with.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  /** Which server answered: `registry`, `token`, `cdn`. */
  readonly server: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  /** The scheme of the `Authorization` header, lower-case, or `none`. */
  readonly authorization: string
}

/**
 * @since 0.1.0
 * @category models
 */
export class RequestLog {
  readonly #entries: Array<Entry> = []

  /** @since 0.1.0 */
  get entries(): ReadonlyArray<Entry> {
    return this.#entries
  }

  /** @since 0.1.0 */
  record(entry: Entry): void {
    this.#entries.push(entry)
  }

  /** How many requests match; all of them without a filter. @since 0.1.0 */
  count(filter?: Partial<Entry> | ((entry: Entry) => boolean)): number {
    return this.#entries.filter(matcher(filter)).length
  }

  /** @since 0.1.0 */
  filter(filter?: Partial<Entry> | ((entry: Entry) => boolean)): ReadonlyArray<Entry> {
    return this.#entries.filter(matcher(filter))
  }

  /** @since 0.1.0 */
  clear(): void {
    this.#entries.length = 0
  }

  /** One line per request, for failure messages and the demo. @since 0.1.0 */
  format(): string {
    return this.#entries
      .map((e) => `${e.server.padEnd(8)} ${e.method.padEnd(6)} ${e.path}${e.query} → ${e.status} (auth: ${e.authorization})`)
      .join("\n")
  }
}

const matcher = (filter?: Partial<Entry> | ((entry: Entry) => boolean)) => (entry: Entry): boolean => {
  if (filter === undefined) return true
  if (typeof filter === "function") return filter(entry)
  return Object.entries(filter).every(([key, value]) => entry[key as keyof Entry] === value)
}
