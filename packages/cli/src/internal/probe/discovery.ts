/**
 * The probe's first step, anonymous: the registry's root, `/v2/`, `/v2` and
 * `_catalog`, the challenges they carry, and what they tell of the
 * registry's authentication (scheme, realm, service) — a realm the engine
 * would not send credentials to is reported and never asked.
 */
import { Challenge, Realm, type RegistryError, Scope } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Findings from "../../Findings.js"
import { ProbeError } from "../probeError.js"
import { send } from "./exchange.js"
import type { Reply } from "./reply.js"
import type { Session } from "./session.js"
import { badPortHint, isBadPortFailure } from "../badPort.js"

/** How the registry authenticates, as its challenges tell. */
export interface Auth {
  readonly scheme: "bearer" | "basic" | "none"
  readonly realm: string | null
  /** The realm's URL, or why it is refused (`null`: no realm). */
  readonly realmUrl: Result.Result<URL, RegistryError.RealmRejected | null>
  readonly realmRefused: string | null
  readonly service: string | null
}

export interface Discovery {
  readonly root: Reply
  /** `/v2/`, which answered: the probe goes no further without it. */
  readonly base: Reply & { readonly status: number }
  readonly bare: Reply
  readonly catalog: Reply
  readonly baseChallenge: Findings.ChallengeSeen
  readonly catalogChallenge: Findings.ChallengeSeen
  readonly auth: Auth
}

/** The challenge of a reply, as the findings show it: the Bearer one if any, else the first. */
export const challengeOf = (reply: Reply): Effect.Effect<Findings.ChallengeSeen> => {
  const header = reply.headers["www-authenticate"]
  const none: Findings.ChallengeSeen = { status: reply.status, scheme: null, realm: null, service: null, scope: null }
  if (header === undefined) return Effect.succeed(none)
  return Challenge.parse(header, { lenient: true }).pipe(
    Effect.map((challenges) => {
      const bearer = Challenge.bearer(challenges)
      if (Option.isSome(bearer)) {
        const b = bearer.value
        return { status: reply.status, scheme: "bearer", realm: b.realm, service: b.service ?? null, scope: b.scopes.length === 0 ? null : b.scopes.map(Scope.format).join(" ") }
      }
      const first = challenges[0]
      return first === undefined ? none : { ...none, scheme: first.scheme, realm: first.params.realm ?? null }
    }),
    Effect.orElseSucceed(() => none)
  )
}

const answered = (reply: Reply): reply is Reply & { readonly status: number } => reply.status !== null

/** Asks the root, `/v2/`, `/v2` and `_catalog`; a `/v2/` without an answer fails with `ProbeError` (`Network`). */
export const discover = (session: Session): Effect.Effect<Discovery, ProbeError | RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const { origin, host } = session
    yield* session.step("the registry root")
    const root = yield* send(session, "Get the registry root", "GET", `${origin}/`)
    yield* session.step("/v2/")
    const base = yield* send(session, "Get the /v2/ endpoint", "GET", `${origin}/v2/`)
    if (!answered(base)) {
      const failure = session.exchanges[session.exchanges.length - 1]?.error ?? "no answer"
      return yield* new ProbeError({
        reason: "Network",
        detail: isBadPortFailure(failure)
          ? `${origin}/v2/ did not answer (${failure}). ${badPortHint(origin)}`
          : `${origin}/v2/ did not answer (${failure}). Is ${host} the registry's API host?${origin.startsWith("https:") ? " For a plain-HTTP registry add --insecure." : ""}`
      })
    }
    const bare = yield* send(session, "Get the /v2 endpoint (no trailing slash)", "GET", `${origin}/v2`)
    yield* session.step("the catalog challenge")
    const catalog = yield* send(session, "Get the /v2/_catalog endpoint", "GET", `${origin}/v2/_catalog`)
    const baseChallenge = yield* challengeOf(base)
    const catalogChallenge = yield* challengeOf(catalog)
    return { root, base, bare, catalog, baseChallenge, catalogChallenge, auth: authOf(session, baseChallenge, catalogChallenge) }
  })

const authOf = (session: Session, base: Findings.ChallengeSeen, catalog: Findings.ChallengeSeen): Auth => {
  const realm = base.realm ?? catalog.realm
  const scheme = base.scheme === "bearer" || catalog.scheme === "bearer"
    ? "bearer"
    : base.scheme === "basic" || catalog.scheme === "basic"
      ? "basic"
      : "none"
  // A hostile realm (an internal address, a plain-HTTP host, a private-use name…) is reported, never asked: no
  // token request goes there, with credentials or without.
  const realmUrl = realm === null ? Result.fail(null) : Realm.validate(realm, session.origin, { insecure: session.insecureHosts })
  const realmRefused = Result.match(realmUrl, { onFailure: (rejected) => (rejected === null ? null : rejected.message), onSuccess: () => null })
  return { scheme, realm, realmUrl, realmRefused, service: base.service ?? catalog.service }
}
