/**
 * The probe's token endpoint step: a token without a scope, the challenge's
 * placeholder scope (`repository:user/image:pull`), GET against the OAuth2
 * POST, and what a token response says of the token (fields, format, lifetime).
 */
import { Token as CoreToken } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Findings from "../../Findings.js"
import type { Discovery } from "./discovery.js"
import type { Repository } from "./repository.js"
import type { Session } from "./session.js"
import * as Token from "./token.js"

export interface TokenEndpoint {
  /** The anonymous token without a scope. */
  readonly noScope: Token.Issued
  /** The first `repository:` scope the challenges name: a placeholder, not the repository asked for. */
  readonly placeholderScope: string | undefined
  readonly placeholder: Findings.Findings["placeholder"]
  /** The token the endpoint's findings read: the repository's, else the one without a scope. */
  readonly sample: Token.Issued
  readonly findings: Findings.Findings["tokenEndpoint"]
}

/** Asks for a token without a scope, for the placeholder scope, and with the OAuth2 POST. */
export const probe = (session: Session, discovery: Discovery, repository: Repository): Effect.Effect<TokenEndpoint, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const { auth, baseChallenge, catalogChallenge } = discovery
    const { credential } = session
    yield* session.step("the token endpoint")
    const noScope = yield* Token.request(session, auth, { title: "Authenticate without a scope", scopes: [], identity: "anonymous" })
    const placeholderScope = [baseChallenge.scope, catalogChallenge.scope]
      .flatMap((s) => (s === null ? [] : s.split(" ")))
      .find((s) => s.startsWith("repository:"))
    let placeholder: Findings.Findings["placeholder"] = null
    if (placeholderScope !== undefined) {
      const scopes = [placeholderScope]
      const anonymous = yield* Token.request(session, auth, { title: `Authenticate for the challenge's scope ${placeholderScope}`, scopes, identity: "anonymous" })
      const withCredentials = session.hasCredentials
        ? yield* Token.request(session, auth, { title: `Authenticate for ${placeholderScope} with credentials`, scopes, identity: "credentials" })
        : null
      placeholder = { scope: placeholderScope, anonymous: anonymous.attempt, credentials: withCredentials?.attempt ?? null }
    }
    const sample = repository.token ?? noScope
    const scopesForPost = repository.name === null ? [] : [`repository:${repository.name}:pull`]
    const post = credential._tag === "Basic" || credential._tag === "IdentityToken"
      ? (credential._tag === "IdentityToken"
        ? sample
        : yield* Token.request(session, auth, { title: "Authenticate with the OAuth2 POST", scopes: scopesForPost, identity: "credentials", method: "POST" })).attempt.status
      : null
    const lifetime = lifetimeOf(sample, yield* Clock.currentTimeMillis)
    const findings: Findings.Findings["tokenEndpoint"] = {
      get: credential._tag === "IdentityToken" ? null : sample.attempt.status,
      post,
      fields: sample.fields,
      expiresIn: Option.getOrNull(Option.flatMap(sample.response, (r) => Option.fromNullishOr(r.expires_in))),
      issuedAt: Option.getOrNull(Option.flatMap(sample.response, (r) => Option.fromNullishOr(r.issued_at))),
      format: Option.isNone(sample.value) ? null : sample.attempt.granted !== null || Option.getOrElse(sample.value, () => "").split(".").length === 3 ? "jwt" : "opaque",
      lifetimeSeconds: lifetime.seconds,
      lifetimeSource: lifetime.source
    }
    return { noScope, placeholderScope, placeholder, sample, findings }
  })

/** A token's lifetime: its response's `expires_in`, else its JWT's `exp` less `iat`. */
const lifetimeOf = (
  sample: Token.Issued,
  now: number
): { readonly seconds: number | null; readonly source: Findings.Findings["tokenEndpoint"]["lifetimeSource"] } =>
  Option.match(sample.response, {
    onNone: () => ({ seconds: null, source: null }),
    onSome: (response) => {
      if (response.expires_in !== undefined && response.expires_in > 0) return { seconds: response.expires_in, source: "expires_in" }
      const parsed = CoreToken.fromResponse(response, { now: DateTime.makeUnsafe(now) })
      const isJwt = Option.isSome(Option.flatMap(sample.value, (v) => (v.split(".").length === 3 ? Option.some(v) : Option.none())))
      return isJwt ? { seconds: Math.round(Duration.toMillis(DateTime.distance(parsed.issuedAt, parsed.expiresAt)) / 1000), source: "jwt" } : { seconds: null, source: null }
    }
  })
