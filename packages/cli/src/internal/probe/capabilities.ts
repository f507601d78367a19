/**
 * The probe's steps with a token: `/v2/` and `/v2`, a manifest HEAD (rate
 * limits), the service the token server takes, asking for more than allowed,
 * and DELETE of a manifest digest no registry holds (nothing is deleted).
 */
import { Scope } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Findings from "../../Findings.js"
import { MANIFEST_ACCEPT } from "../manifestAccept.js"
import type { Auth } from "./discovery.js"
import { send } from "./exchange.js"
import { bodyKind, errorOf } from "./reply.js"
import type { Repository } from "./repository.js"
import type { Session } from "./session.js"
import * as Token from "./token.js"

/** A digest no registry holds: DELETE is probed with it, so nothing is ever deleted. */
export const ABSENT_DIGEST = "sha256:0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a0c1a"

export interface Capabilities {
  readonly baseWithToken: Findings.Findings["base"]["withToken"]
  readonly bareWithToken: number | null
  readonly rateLimit: Findings.Findings["rateLimit"]
  readonly hostAsService: Findings.Findings["auth"]["hostAsService"]
  readonly grants: Findings.Findings["grants"]
  readonly deletion: Findings.Findings["delete"]
}

const none: Capabilities = { baseWithToken: null, bareWithToken: null, rateLimit: null, hostAsService: null, grants: null, deletion: null }

/** With the repository's token (else the one without a scope): `/v2/` and `/v2`, then the repository's checks. */
export const probe = (session: Session, auth: Auth, repository: Repository, noScope: Token.Issued): Effect.Effect<Capabilities, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const repositoryToken = repository.token
    const authorized = repositoryToken !== null && (Option.isSome(repositoryToken.value) || auth.scheme === "basic")
      ? repositoryToken
      : Option.isSome(noScope.value) ? noScope : null
    const base = authorized === null ? none : yield* apiWithToken(session, auth, authorized)
    if (repository.name === null || repositoryToken === null) return base
    const name = repository.name
    const rateLimit = yield* manifest(session, auth, name, repository.tag ?? "latest", repositoryToken)
    const hostAsService = auth.scheme === "bearer" && auth.service !== null && auth.service !== session.host ? yield* askWithHostAsService(session, auth, name) : null
    const grants = auth.scheme === "bearer" ? yield* moreThanAllowed(session, auth, name) : null
    const deletion = yield* deleteAbsent(session, auth, name, repositoryToken)
    return { ...base, rateLimit, hostAsService, grants, deletion }
  })

/** `/v2/` and `/v2` with a token. */
const apiWithToken = (session: Session, auth: Auth, authorized: Token.Issued): Effect.Effect<Capabilities, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    yield* session.step("/v2/ with a token")
    const b = yield* send(session, "Get the /v2/ endpoint with a token", "GET", `${session.origin}/v2/`, Token.authorization(session, auth, authorized))
    const bare = yield* send(session, "Get the /v2 endpoint (no trailing slash) with a token", "GET", `${session.origin}/v2`, Token.authorization(session, auth, authorized))
    return { ...none, baseWithToken: { status: b.status, body: bodyKind(b) }, bareWithToken: bare.status }
  })

/** HEADs a manifest for its rate limit headers. */
const manifest = (
  session: Session,
  auth: Auth,
  name: string,
  tag: string,
  token: Token.Issued
): Effect.Effect<Findings.Findings["rateLimit"], RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    yield* session.step("a manifest and rate limits")
    const url = `${session.origin}/v2/${name}/manifests/${tag}`
    const head = yield* send(session, `HEAD the manifest ${name}:${tag}`, "HEAD", url, { ...Token.authorization(session, auth, token), accept: MANIFEST_ACCEPT })
    const limit = head.headers["ratelimit-limit"] ?? null
    const remaining = head.headers["ratelimit-remaining"] ?? null
    const source = head.headers["docker-ratelimit-source"] ?? null
    // A HEAD's 429 has no body, and a HEAD is never refused for the pull limit (Docker Hub): when it is refused,
    // or says no pull remains, one GET reads the server's words (kind, wording, Retry-After). A refused GET
    // counts no pull.
    if (head.status === 429 || (remaining !== null && /^\s*0\s*(;|$)/.test(remaining))) {
      yield* session.step("the rate limit's answer")
      const why = head.status === 429 ? "the HEAD was refused" : "no pull remains"
      yield* send(session, `GET the manifest ${name}:${tag} (${why}: the rate limit's words)`, "GET", url, { ...Token.authorization(session, auth, token), accept: MANIFEST_ACCEPT })
    }
    return limit !== null || remaining !== null || source !== null ? { limit, remaining, source } : null
  })

/** Whether a token asked for with the registry's host as the service (not the challenge's) is taken. */
const askWithHostAsService = (session: Session, auth: Auth, name: string): Effect.Effect<"accepted" | "refused", RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const { host } = session
    yield* session.step("the service the token server wants")
    const other = yield* Token.request(session, auth, {
      title: `Authenticate with service=${host} (the registry's host)`,
      scopes: [`repository:${name}:pull`],
      identity: session.primary,
      service: host
    })
    if (Option.isNone(other.value)) return "refused"
    const used = yield* send(session, `List the tags of ${name} with the service=${host} token`, "GET", `${session.origin}/v2/${name}/tags/list`, Token.authorization(session, auth, other))
    return used.status === 200 ? "accepted" : "refused"
  })

/** Asks anonymously for pull,push,delete: granted, narrowed (per the JWT), denied, or unknown (an opaque token). */
const moreThanAllowed = (session: Session, auth: Auth, name: string): Effect.Effect<Findings.Findings["grants"], RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    yield* session.step("asking for more than allowed")
    const wide = yield* Token.request(session, auth, { title: `Authenticate anonymously for pull,push,delete on ${name}`, scopes: [`repository:${name}:pull,push,delete`], identity: "anonymous" })
    const outcome = wide.attempt.status !== null && wide.attempt.status >= 400
      ? "denied"
      : Option.match(wide.granted, {
        onNone: () => "unknown" as const,
        onSome: (granted) => (Scope.covers(granted, [Scope.repository(name, ["pull", "push", "delete"])]) ? "granted" as const : "narrowed" as const)
      })
    return { ...wide.attempt, outcome }
  })

/** DELETEs a manifest digest no registry holds: 404 or 202 says DELETE is supported, 405 or UNSUPPORTED that it is not. */
const deleteAbsent = (session: Session, auth: Auth, name: string, repositoryToken: Token.Issued): Effect.Effect<Findings.Findings["delete"], RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    yield* session.step("DELETE (of a manifest that does not exist)")
    const forDelete = auth.scheme === "bearer"
      ? yield* Token.request(session, auth, { title: `Authenticate for pull,delete on ${name}`, scopes: [`repository:${name}:pull,delete`], identity: session.primary })
      : repositoryToken
    const token = Option.isSome(forDelete.value) ? forDelete : repositoryToken
    const del = yield* send(session, `DELETE a manifest that does not exist in ${name}`, "DELETE", `${session.origin}/v2/${name}/manifests/${ABSENT_DIGEST}`, Token.authorization(session, auth, token))
    const code = errorOf(del.text)
    return {
      digest: ABSENT_DIGEST,
      status: del.status,
      code,
      supported: del.status === 405 || code === "UNSUPPORTED" ? "no" : del.status === 404 || del.status === 202 ? "yes" : "unknown"
    }
  })
