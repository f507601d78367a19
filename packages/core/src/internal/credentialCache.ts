import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { identity } from "effect/Function"
import type { FiberSet } from "effect"
import type * as Authenticator from "../Authenticator.js"
import * as Credential from "../Credential.js"
import * as CredentialLookup from "./credentialLookup.js"
import type { CredentialProvider } from "../CredentialProvider.js"
import type { RegistryAdapter } from "../RegistryAdapter.js"
import type { CredentialError } from "../RegistryError.js"
import type { Send } from "./http.js"
import { type LeasePolicy, Leases } from "./lease.js"
import { makeMemoryStore } from "./memoryStore.js"
import { basicValue } from "./answerMemo.js"
import * as secrets from "./secrets.js"

/** A credential as obtained from its source, with when it was obtained. */
export interface CredentialLease {
  readonly credential: Credential.Credential
  readonly issuedAt: number
  readonly expiresAt: number
}

/** What `get` hands out: the credential and its cache key (adapter and credential host). */
export interface HeldCredential {
  readonly key: string
  readonly credential: Credential.Credential
}

const policy: LeasePolicy = { refreshRatio: 0.1, refreshMinimum: 60_000, leeway: 30_000 }

/** Whether `authorization` is what `credential` sends to a registry itself (Basic, or a registry token). */
export const sends = (credential: Credential.Credential, authorization: Authenticator.Authorization): boolean => {
  const sent = Redacted.value(authorization.credentials)
  switch (credential._tag) {
    case "Basic":
      return authorization.scheme === "Basic" && sent === Redacted.value(basicValue(credential))
    case "RegistryToken":
      return authorization.scheme === "Bearer" && sent === Redacted.value(credential.token)
    default:
      return false
  }
}

export interface CredentialCacheOptions {
  readonly provider: CredentialProvider["Service"]
  readonly send: Send
  readonly fibers: FiberSet.FiberSet<unknown, unknown>
  /** How long a credential without an expiry is used before its source is asked again (ms). */
  readonly lifetime: number
  readonly onRenewalFailure: (host: string, cause: import("effect").Cause.Cause<CredentialError>) => Effect.Effect<void>
}

/**
 * The credentials the engine uses, per (adapter, credential host): from the
 * `CredentialProvider`, or the adapter's own source when the provider has
 * none; kept until shortly before they expire, renewed in the background, and
 * forgotten when a registry or token server refuses them.
 */
export const makeCredentialCache = Effect.fnUntraced(function* (options: CredentialCacheOptions) {
  const leases = new Leases<CredentialLease, CredentialError>(
    yield* makeMemoryStore<CredentialLease>({
      capacity: 256,
      timeToLive: (lease) => Duration.millis(lease.expiresAt - lease.issuedAt),
      expiresAt: (lease) => lease.expiresAt
    }),
    (lease) => lease,
    policy,
    options.fibers,
    (key, cause) => options.onRenewalFailure(key.split("\u0000")[1] ?? key, cause)
  )
  const remembered = new WeakSet<Credential.Credential>()

  const obtain = (adapter: RegistryAdapter, host: string, origin: string) =>
    CredentialLookup.obtain(options.provider, adapter, host, { origin, send: options.send }, identity).pipe(
      Effect.flatMap((credential) =>
        Effect.map(Clock.currentTimeMillis, (now): CredentialLease => ({
          credential,
          issuedAt: now,
          expiresAt: credential._tag !== "Anonymous" && credential.expiresAt !== undefined
            ? DateTime.toEpochMillis(credential.expiresAt)
            : now + options.lifetime
        }))
      )
    )

  /** The credential for `host` through `adapter`; never the one that sent `refused`. */
  const get = (
    adapter: RegistryAdapter,
    host: string,
    origin: string,
    refused?: Authenticator.Authorization
  ): Effect.Effect<HeldCredential, CredentialError> => {
    const key = `${adapter.name}\u0000${adapter.credentialHost(host)}`
    const fetch = () => obtain(adapter, host, origin)
    const refuse = refused === undefined ? {} : { refuse: (lease: CredentialLease) => sends(lease.credential, refused) }
    return Effect.map(leases.get(key, fetch, refuse), (lease) => {
      if (!remembered.has(lease.credential)) {
        remembered.add(lease.credential)
        for (const secret of Credential.secrets(lease.credential)) secrets.remember(secret)
      }
      return { key, credential: lease.credential }
    })
  }

  /**
   * Forgets a credential; with `refused`, only if it is still the one that sent
   * it: a credential another fiber renewed meanwhile stays (many requests
   * refused at once cost one renewal).
   */
  const forget = (key: string, refused?: Authenticator.Authorization): Effect.Effect<void> =>
    refused === undefined ? leases.remove(key) : Effect.asVoid(leases.removeIf(key, (lease) => sends(lease.credential, refused)))

  return { get, forget } as const
})

export type CredentialCache = Effect.Success<ReturnType<typeof makeCredentialCache>>
