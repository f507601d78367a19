/**
 * The one bounded map of the SDK's in-process memos (the runtime's plans, realm
 * verdicts, token indexes): least recently used first out, synchronous. Values
 * that expire, or that other processes share, live in a `Cache`-backed store
 * instead. For runtimes built on the engine; not re-exported from the index.
 *
 * @since 0.3.0
 */

/**
 * @since 0.3.0
 * @category models
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>()
  /** The most recently used key, while it is in the map: a hit on it reorders nothing. */
  private newest: K | undefined = undefined
  private hasNewest = false

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size
  }

  /** The value under `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined && !(this.hasNewest && this.newest === key)) {
      this.entries.delete(key)
      this.entries.set(key, value)
      this.newest = key
      this.hasNewest = true
    }
    return value
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  set(key: K, value: V): this {
    this.entries.delete(key)
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K)
    this.entries.set(key, value)
    this.newest = key
    this.hasNewest = true
    return this
  }

  /** The value under `key`, made by `make` and kept when absent. */
  getOrSet(key: K, make: () => V): V {
    const found = this.get(key)
    if (found !== undefined) return found
    const value = make()
    this.set(key, value)
    return value
  }

  delete(key: K): boolean {
    if (this.hasNewest && this.newest === key) this.forgetNewest()
    return this.entries.delete(key)
  }

  clear(): void {
    this.forgetNewest()
    this.entries.clear()
  }

  private forgetNewest(): void {
    this.newest = undefined
    this.hasNewest = false
  }

  keys(): IterableIterator<K> {
    return this.entries.keys()
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]()
  }
}
