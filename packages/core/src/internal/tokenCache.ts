import { Clock, DateTime, Deferred, Duration, Effect, Exit, FiberId, FiberSet, Option, Redacted } from "effect"
import type * as Scope from "../Scope.js"
import type * as Token from "../Token.js"
import * as scope from "./scope.js"

export interface CachePolicy {
  /** Renew in the background once this share of the lifetime is left… */
  readonly refreshRatio: number
  /** …or this long before expiry, whichever is earlier. */
  readonly refreshMinimum: Duration.Duration
  /** A token is not handed out when it expires within this leeway. */
  readonly leeway: Duration.Duration
  readonly maxEntries: number
}

interface Entry<E> {
  readonly key: string
  /** Entries of one group (realm, service, credential) may serve each other's scopes. */
  readonly group: string
  /** The realm, for events. */
  readonly label: string
  readonly scopes: ReadonlyArray<Scope.Scope>
  token: Option.Option<Token.Token>
  inflight: Option.Option<Deferred.Deferred<Token.Token, E>>
}

export type Lookup = "hit" | "refresh-ahead" | "fetch" | "joined"

const millis = DateTime.toEpochMillis

/**
 * Token cache with one in-flight fetch per key, renewal ahead of expiry, reuse
 * of a cached token whose grant covers the needed scopes, and a size bound.
 *
 * Fibers run one at a time between yields, so the synchronous sections below
 * (check and claim) are atomic without locks.
 */
export class TokenCache<E> {
  private readonly entries = new Map<string, Entry<E>>()

  constructor(
    private readonly policy: CachePolicy,
    private readonly fibers: FiberSet.FiberSet<unknown, unknown>
  ) {}

  get size(): number {
    return this.entries.size
  }

  private refreshAt(token: Token.Token): number {
    const expires = millis(token.expiresAt)
    const lifetime = expires - millis(token.issuedAt)
    const margin = Math.max(lifetime * this.policy.refreshRatio, Duration.toMillis(this.policy.refreshMinimum))
    return expires - margin
  }

  private usable(token: Token.Token, now: number): boolean {
    return now + Duration.toMillis(this.policy.leeway) < millis(token.expiresAt)
  }

  private covers(token: Token.Token, needed: ReadonlyArray<Scope.Scope>): boolean {
    return (
      scope.missing(token.scopes, needed).length === 0 &&
      Option.match(token.granted, { onNone: () => true, onSome: (granted) => scope.missing(granted, needed).length === 0 })
    )
  }

  private touch(entry: Entry<E>): void {
    this.entries.delete(entry.key)
    this.entries.set(entry.key, entry)
  }

  private evict(): void {
    for (const entry of this.entries.values()) {
      if (this.entries.size <= this.policy.maxEntries) return
      if (Option.isNone(entry.inflight)) this.entries.delete(entry.key)
    }
  }

  /** Starts `fetch` for the entry in the background; every waiter gets its result. */
  private start(entry: Entry<E>, fetch: Effect.Effect<Token.Token, E>): Effect.Effect<Deferred.Deferred<Token.Token, E>> {
    const deferred = Deferred.unsafeMake<Token.Token, E>(FiberId.none)
    entry.inflight = Option.some(deferred)
    const settle = (exit: Exit.Exit<Token.Token, E>) =>
      Effect.suspend(() => {
        entry.inflight = Option.none()
        if (Exit.isSuccess(exit)) {
          entry.token = Option.some(exit.value)
          if (!this.entries.has(entry.key)) this.entries.set(entry.key, entry)
          this.evict()
        } else if (Option.isNone(entry.token)) {
          this.entries.delete(entry.key)
        }
        return Deferred.done(deferred, exit)
      })
    const run = fetch.pipe(
      Effect.exit,
      Effect.flatMap(settle),
      Effect.onInterrupt(() => settle(Exit.interrupt(FiberId.none)))
    )
    return Effect.as(FiberSet.run(this.fibers, run), deferred)
  }

  /**
   * The token for `key`: a usable cached one (renewed in the background when near
   * expiry), one of the same group that covers `scopes`, the result of a fetch
   * already under way, or a new fetch.
   */
  get(
    key: string,
    group: string,
    label: string,
    scopes: ReadonlyArray<Scope.Scope>,
    fetch: Effect.Effect<Token.Token, E>,
    onLookup: (lookup: Lookup) => Effect.Effect<void>
  ): Effect.Effect<Token.Token, E> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      let entry = this.entries.get(key)
      if (entry !== undefined && Option.isSome(entry.token) && this.usable(entry.token.value, now)) {
        const current = entry.token.value
        this.touch(entry)
        if (now >= this.refreshAt(current) && Option.isNone(entry.inflight)) {
          return this.start(entry, fetch).pipe(Effect.zipRight(onLookup("refresh-ahead")), Effect.as(current))
        }
        return Effect.as(onLookup("hit"), current)
      }
      if (entry === undefined || Option.isNone(entry.inflight)) {
        for (const other of this.entries.values()) {
          if (other.group !== group || other === entry || Option.isNone(other.token)) continue
          const candidate = other.token.value
          if (this.usable(candidate, now) && now < this.refreshAt(candidate) && this.covers(candidate, scopes)) {
            this.touch(other)
            return Effect.as(onLookup("hit"), candidate)
          }
        }
      }
      if (entry !== undefined && Option.isSome(entry.inflight)) {
        return Effect.zipRight(onLookup("joined"), Deferred.await(entry.inflight.value))
      }
      if (entry === undefined) {
        entry = { key, group, label, scopes, token: Option.none(), inflight: Option.none() }
        this.entries.set(key, entry)
      }
      return this.start(entry, fetch).pipe(
        Effect.tap(() => onLookup("fetch")),
        Effect.flatMap(Deferred.await)
      )
    })
  }

  /** Drops every cached copy of this token value; returns what was dropped. */
  invalidate(value: Redacted.Redacted<string>): ReadonlyArray<{ readonly label: string; readonly scopes: ReadonlyArray<Scope.Scope> }> {
    const dropped: Array<{ readonly label: string; readonly scopes: ReadonlyArray<Scope.Scope> }> = []
    const secret = Redacted.value(value)
    for (const entry of this.entries.values()) {
      if (Option.isSome(entry.token) && Redacted.value(entry.token.value.value) === secret) {
        entry.token = Option.none()
        dropped.push({ label: entry.label, scopes: entry.scopes })
        if (Option.isNone(entry.inflight)) this.entries.delete(entry.key)
      }
    }
    return dropped
  }
}
