import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
/**
 * Values that expire (tokens, credentials) kept in a store, with one fetch in
 * flight per key, renewal ahead of expiry in the background (a failed renewal
 * keeps the value while it is still valid), and a way to refuse a value (the
 * one a server just rejected) so that a fresh one is fetched instead.
 *
 * Fibers run one at a time between yields, so the synchronous check-and-claim
 * sections below are atomic without locks. A storage with `singleFlight` extends
 * the one fetch per key to every process that shares it.
 */
export interface Timing {
  /** When the value was obtained and when it stops being valid, in epoch milliseconds. */
  readonly issuedAt: number
  readonly expiresAt: number
}

export interface LeasePolicy {
  /** Renew once this share of the lifetime is left… */
  readonly refreshRatio: number
  /** …or this long before expiry (ms), whichever is earlier; never more than half the lifetime. */
  readonly refreshMinimum: number
  /** A value is not handed out when it expires within this leeway (ms); at most a quarter of its lifetime. */
  readonly leeway: number
}

export interface Storage<V> {
  readonly get: (key: string) => Effect.Effect<Option.Option<V>>
  readonly set: (key: string, value: V) => Effect.Effect<void>
  readonly remove: (key: string) => Effect.Effect<void>
  /** For a storage in memory: the value under `key` at `now`, read in place (what `get` would answer). */
  readonly peek?: (key: string, now: number) => Option.Option<V>
  /** Single-flight across processes: runs `fetch` (or waits for another process's) and stores the result itself. */
  readonly singleFlight?: <E>(key: string, fetch: Effect.Effect<V, E>) => Effect.Effect<V, E>
}

export type Lookup = "hit" | "refresh-ahead" | "fetch" | "joined"

export interface GetOptions<V> {
  /** A value that must not be handed out (the one a server just refused). */
  readonly refuse?: (value: V) => boolean
  readonly onLookup?: (lookup: Lookup) => Effect.Effect<void>
  /**
   * Asked when nothing usable is stored under the key and no fetch is under
   * way, before one is started: a value found elsewhere (a token that covers
   * the request) is handed out as a hit instead.
   */
  readonly otherwise?: () => Effect.Effect<Option.Option<V>>
}

/** How to obtain a value: built only when a fetch starts, so a hit builds nothing. */
export type Fetch<V, E> = () => Effect.Effect<V, E>

interface Flight<V, E> {
  readonly deferred: Deferred.Deferred<V, E>
}

export const refreshAt = (timing: Timing, policy: LeasePolicy): number => {
  const lifetime = Math.max(0, timing.expiresAt - timing.issuedAt)
  const margin = Math.min(Math.max(lifetime * policy.refreshRatio, policy.refreshMinimum), lifetime / 2)
  return timing.expiresAt - margin
}

export const usable = (timing: Timing, policy: LeasePolicy, now: number): boolean => {
  const lifetime = Math.max(0, timing.expiresAt - timing.issuedAt)
  return now + Math.min(policy.leeway, lifetime / 4) < timing.expiresAt
}

export class Leases<V, E> {
  private readonly flights = new Map<string, Flight<V, E>>()

  constructor(
    private readonly storage: Storage<V>,
    private readonly timing: (value: V) => Timing,
    private readonly policy: LeasePolicy,
    private readonly fibers: FiberSet.FiberSet<unknown, unknown>,
    /** A background renewal failed; the current value is kept while it is valid. */
    private readonly onRenewalFailure: (key: string, cause: Cause.Cause<E>) => Effect.Effect<void>
  ) {}

  /** Whether the value can be handed out now, and whether it is due for renewal. */
  state(value: V, now: number): "fresh" | "renew" | "expired" {
    const timing = this.timing(value)
    if (!usable(timing, this.policy, now)) return "expired"
    return now >= refreshAt(timing, this.policy) ? "renew" : "fresh"
  }

  /** Starts `fetch` for `key` in the background; every waiter gets its result. */
  private start(key: string, fetch: Fetch<V, E>, background: boolean): Effect.Effect<Deferred.Deferred<V, E>> {
    const deferred = Deferred.makeUnsafe<V, E>()
    const flight: Flight<V, E> = { deferred }
    this.flights.set(key, flight)
    const shared = this.storage.singleFlight !== undefined
    const settle = (exit: Exit.Exit<V, E>) =>
      Effect.suspend(() => {
        if (this.flights.get(key) === flight) this.flights.delete(key)
        const store = Exit.isSuccess(exit) && !shared ? this.storage.set(key, exit.value) : Effect.void
        const report = Exit.isFailure(exit) && background && !Cause.hasInterruptsOnly(exit.cause)
          ? this.onRenewalFailure(key, exit.cause)
          : Effect.void
        return Effect.andThen(Effect.andThen(store, report), Deferred.done(deferred, exit))
      })
    const run = (this.storage.singleFlight === undefined ? fetch() : this.storage.singleFlight(key, fetch())).pipe(
      Effect.exit,
      Effect.flatMap(settle),
      Effect.onInterrupt(() => settle(Exit.interrupt()))
    )
    return Effect.as(FiberSet.run(this.fibers, run), deferred)
  }

  /**
   * The value for `key`: a usable stored one (renewed in the background when due),
   * the result of a fetch under way, or a new fetch. A refused value is never
   * handed out: a fetch joined before the refusal that yields it is not trusted,
   * and a new one is started.
   */
  get(key: string, fetch: Fetch<V, E>, options: GetOptions<V> = {}): Effect.Effect<V, E> {
    const peek = this.storage.peek
    // A storage in memory is read in place; any other through its effect. Either way `decide` decides.
    return peek !== undefined
      ? Effect.clockWith((clock) => {
          const now = clock.currentTimeMillisUnsafe()
          return this.decide(key, peek(key, now), now, fetch, options)
        })
      : Effect.flatMap(Effect.zip(this.storage.get(key), Clock.currentTimeMillis), ([stored, now]) => this.decide(key, stored, now, fetch, options))
  }

  /** What `get` does with what is stored under `key` at `now`. */
  private decide(key: string, stored: Option.Option<V>, now: number, fetch: Fetch<V, E>, options: GetOptions<V>): Effect.Effect<V, E> {
    const onLookup = options.onLookup ?? (() => Effect.void)
    const refuse = options.refuse
    if (Option.isSome(stored) && (refuse === undefined || !refuse(stored.value))) {
      const state = this.state(stored.value, now)
      if (state !== "expired") {
        if (state === "renew" && !this.flights.has(key)) {
          return this.start(key, fetch, true).pipe(Effect.andThen(onLookup("refresh-ahead")), Effect.as(stored.value))
        }
        return Effect.as(onLookup("hit"), stored.value)
      }
    }
    const flight = this.flights.get(key)
    if (flight === undefined && options.otherwise !== undefined) {
      return Effect.flatMap(options.otherwise(), (found) =>
        Option.isSome(found) ? Effect.as(onLookup("hit"), found.value) : this.join(key, fetch, options)
      )
    }
    return this.join(key, fetch, options)
  }

  /** The result of the fetch under way for `key`, or of a new one. */
  private join(key: string, fetch: Fetch<V, E>, options: GetOptions<V>): Effect.Effect<V, E> {
    const onLookup = options.onLookup ?? (() => Effect.void)
    const refuse = options.refuse
    const fresh = (): Effect.Effect<V, E> =>
      this.start(key, fetch, false).pipe(
        Effect.tap(() => onLookup("fetch")),
        Effect.flatMap(Deferred.await)
      )
    // Called synchronously from a check of `get`'s: claiming the flight is atomic with it.
    const flight = this.flights.get(key)
    if (flight !== undefined) {
      const joined = Effect.andThen(onLookup("joined"), Deferred.await(flight.deferred))
      return refuse === undefined
        ? joined
        : Effect.flatMap(joined, (value) => (refuse(value) ? Effect.suspend(fresh) : Effect.succeed(value)))
    }
    return fresh()
  }

  /** Forgets the value under `key` (a fetch under way still completes and is stored). */
  remove(key: string): Effect.Effect<void> {
    return this.storage.remove(key)
  }

  /**
   * Forgets the value under `key` only if it is the one `refused` matches: a
   * value renewed meanwhile by another fiber stays.
   */
  removeIf(key: string, refused: (value: V) => boolean): Effect.Effect<boolean> {
    return Effect.flatMap(this.storage.get(key), (stored) =>
      Option.isSome(stored) && refused(stored.value) ? Effect.as(this.storage.remove(key), true) : Effect.succeed(false)
    )
  }
}
