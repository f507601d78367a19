import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientError, HttpClientResponse } from "effect/http"
import { AuthEvent, Challenge } from "@ociauth/core"
import * as ChallengeStore from "@ociauth/core/ChallengeStore"
import * as Route from "@ociauth/core/Route"
import type { RegistryAdapter, Scope } from "@ociauth/core"
import { Lru } from "@ociauth/core/Lru"
import * as Unstable from "@ociauth/core/Unstable"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Send } from "./send.js"
import type { Budget, RegistryTimeout } from "./timeout.js"

/** What the first request to an API found out. */
export interface Discovery {
  /** The API's challenge (realm, service), if it asks for credentials. */
  readonly challenge: Option.Option<Challenge.AuthChallenge>
  /** The scopes this request's own 401 offered (never remembered for the API). */
  readonly offered: ReadonlyArray<Scope.Scope>
  /** The probe was the request itself and needed no credentials: its answer is the answer. */
  readonly response: Option.Option<HttpClientResponse.HttpClientResponse>
}

/** The preferred challenge of a response's `WWW-Authenticate`, leniently parsed. */
export const challengeOf = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Option.Option<Challenge.AuthChallenge>> => {
  const header = response.headers["www-authenticate"]
  if (header === undefined) return Effect.succeedNone
  return Challenge.parse(header, { lenient: true }).pipe(
    Effect.map(Challenge.preferred),
    Effect.orElseSucceed(() => Option.none<Challenge.AuthChallenge>())
  )
}

/** The challenge as an event shows it: server text, so scrubbed of the secrets the SDK sent. */
const describe = (challenge: Challenge.AuthChallenge): string =>
  Unstable.scrub(
    challenge.scheme === "bearer"
      ? Unstable.formatBearer({ ...challenge, realm: Unstable.redactUrl(challenge.realm) })
      : `Basic realm="${Unstable.redactUrl(challenge.realm ?? "")}"`
  )

const sameChallenge = (a: Challenge.AuthChallenge, b: Challenge.AuthChallenge): boolean =>
  a.scheme === b.scheme && (a.scheme === "basic" || (b.scheme === "bearer" && a.realm === b.realm && a.service === b.service))

/** How long the runtime serves what the `ChallengeStore` said of an API before asking it again. */
const STORE_MEMO_MILLIS = 30_000

export interface DiscoveryOptions {
  readonly challenges: ChallengeStore.Service
  readonly send: Send
  readonly emit: AuthEvent.Emitter
}

/**
 * What the runtime knows of each API's challenge: the `ChallengeStore` (read at
 * most every 30 s per API), the adapter's own, or one discovery request per API
 * at a time, whose answer every waiting request shares.
 */
export const makeDiscovery = (options: DiscoveryOptions) => {
  const { challenges, emit, send } = options
  const memo = new Lru<string, { readonly entry: Option.Option<ChallengeStore.Entry>; readonly until: number }>(1024)
  const pending = new Map<string, Deferred.Deferred<Option.Option<Challenge.AuthChallenge>>>()

  /** What the runtime read of an API within the last 30 s, if anything: no effect, nothing allocated. */
  const peek = (base: string, now: number): Option.Option<ChallengeStore.Entry> | undefined => {
    const memoised = memo.get(base)
    return memoised !== undefined && now < memoised.until ? memoised.entry : undefined
  }

  /** What the store (or else the adapter) says of an API; whatever the runtime learns itself is written through. */
  const known = (base: string, adapter: RegistryAdapter.RegistryAdapter, now: number): Effect.Effect<Option.Option<ChallengeStore.Entry>> => {
    const memoised = peek(base, now)
    if (memoised !== undefined) return Effect.succeed(memoised)
    return Effect.map(challenges.get(base), (stored) => {
      const entry = Option.isSome(stored) ? stored : Option.isSome(adapter.challenge) ? Option.some(adapter.challenge) : Option.none()
      if (Option.isSome(entry)) memo.set(base, { entry, until: now + STORE_MEMO_MILLIS })
      return entry
    })
  }

  /** Remembers an API's challenge (realm and service only) and says so once. */
  const learn = (base: string, challenge: Challenge.AuthChallenge): Effect.Effect<void> =>
    Effect.flatMap(challenges.get(base), (previous) => {
      const learned = ChallengeStore.forOrigin(challenge)
      const remembered = Option.flatten(previous)
      const same = Option.isSome(remembered) && sameChallenge(remembered.value, learned)
      // A Basic challenge on one route (Harbor's catalog) answers that request only: it never
      // replaces the API's Bearer challenge.
      const downgrade = Option.isSome(remembered) && remembered.value.scheme === "bearer" && learned.scheme === "basic"
      return same || downgrade
        ? Effect.void
        : Effect.andThen(
            Effect.andThen(Effect.sync(() => memo.delete(base)), challenges.set(base, Option.some(learned))),
            emit(AuthEvent.AuthEvent.ChallengeDiscovered({ origin: Unstable.redactUrl(base), challenge: describe(learned) }))
          )
    })

  /** The first request to an API whose challenge is unknown finds it out; the others wait for it. */
  const discover = (
    base: string,
    url: URL,
    route: Route.Route,
    request: HttpClientRequest.HttpClientRequest,
    replayable: boolean,
    budget: Budget
  ): Effect.Effect<Discovery, HttpClientError.HttpClientError | RegistryTimeout> =>
    Effect.suspend(() => {
      const waiting = pending.get(base)
      if (waiting !== undefined) {
        return Effect.map(Deferred.await(waiting), (challenge): Discovery => ({ challenge, offered: [], response: Option.none() }))
      }
      const deferred = Deferred.makeUnsafe<Option.Option<Challenge.AuthChallenge>>()
      pending.set(base, deferred)
      // A body that cannot be sent twice is not used to discover: ask /v2/ instead.
      const probe = replayable
        ? Unstable.withoutAuthorization(request)
        : HttpClientRequest.get(new URL(Route.format(Route.Base({ prefix: route.prefix })), url))
      return send(probe, true, budget).pipe(
        Effect.flatMap((response) => found(base, response, replayable, deferred)),
        Effect.onExit(() =>
          Effect.suspend(() => {
            pending.delete(base)
            return Deferred.succeed(deferred, Option.none())
          })
        ),
        Effect.withSpan("ociauth.discover", { attributes: { "ociauth.api": Unstable.redactUrl(base) } }, { captureStackTrace: false })
      )
    })

  const found = (
    base: string,
    response: HttpClientResponse.HttpClientResponse,
    replayable: boolean,
    deferred: Deferred.Deferred<Option.Option<Challenge.AuthChallenge>>
  ): Effect.Effect<Discovery> =>
    Effect.gen(function*() {
      const challenge = response.status === 401 ? yield* challengeOf(response) : Option.none<Challenge.AuthChallenge>()
      if (Option.isSome(challenge)) yield* learn(base, challenge.value)
      // An answer without a challenge means "no credentials needed" — unless it is a failure that says nothing.
      else if (response.status !== 401 && !Unstable.isTransientStatus(response.status)) {
        memo.delete(base)
        yield* challenges.set(base, Option.none())
      }
      yield* Deferred.succeed(deferred, Option.map(challenge, ChallengeStore.forOrigin))
      const answer = replayable && Option.isNone(challenge)
      if (!answer) yield* Unstable.discard(response)
      const offered = Option.match(challenge, {
        onNone: () => [],
        onSome: (c) => (replayable && c.scheme === "bearer" ? c.scopes : [])
      })
      return { challenge, offered, response: answer ? Option.some(response) : Option.none() }
    })

  return { peek, known, learn, discover } as const
}

export type Discoveries = ReturnType<typeof makeDiscovery>
