/**
 * What a token request is granted: the scopes asked for, narrowed to the
 * policy silently (the spec, Docker Hub) or refused (GHCR's `deny`) — or the
 * answer refusing the request as a whole.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Scope } from "@ociauth/core"
import type { Grant, Options } from "../TokenServer.js"
import * as Answer from "./tokenAnswer.js"
import type { TokenRequest } from "./tokenRequest.js"
import { EXPIRED } from "./tokenRequest.js"

/** Without `grants`: every account gets `*` on every repository and the catalog; anonymous gets `pull` everywhere. */
export const defaultGrants = (users: Readonly<Record<string, string>>): ReadonlyArray<Grant> => [
  ...Object.keys(users).flatMap((account) => [
    { account, name: "*", actions: ["*"] },
    { account, type: "registry", name: "catalog", actions: ["*"] }
  ]),
  { name: "*", actions: ["pull"] }
]

export interface Granted {
  readonly subject: string
  readonly access: ReadonlyArray<Scope.ResourceScope>
}

/**
 * The subject of a request served, or the answer refusing it before its scopes
 * are looked at: credentials, and anonymous requests the server does not serve.
 */
const admitted = (options: Options, request: TokenRequest): string | Answer.Answer => {
  if (request.subject === EXPIRED) {
    const expired = options.expiredCredential ?? { status: 401, code: "UNAUTHORIZED", message: "authentication required" }
    return Answer.errors(expired.status, expired.code, expired.message)
  }
  if (request.subject === undefined) {
    const refusal = options.refusal ?? Answer.ociRefusal
    switch (refusal.shape) {
      case "details":
        return Answer.details(401, refusal.details)
      case "text":
        return { status: 401, text: refusal.text }
      default:
        return Answer.errors(401, refusal.code, refusal.message, refusal.detail)
    }
  }
  if (request.subject !== "") return request.subject
  if (options.requireCredentials === true) return Answer.errors(401, "UNAUTHORIZED", "authentication required")
  if (request.scopes.length === 0 && options.anonymousNeedsScope === "denied") {
    return Answer.errors(403, "DENIED", "requested access to the resource is denied")
  }
  if (request.scopes.length === 0 && options.anonymousNeedsScope === true) {
    return Answer.errors(401, "UNAUTHORIZED", "anonymous requests need a scope")
  }
  return ""
}

/** The scopes granted to `request` by `allowed` (the actions a subject may have on a resource), or the answer refusing it. */
export const grant = (
  options: Options,
  allowed: (subject: string, type: string, name: string) => ReadonlyArray<string>,
  request: TokenRequest
): Granted | Answer.Answer => {
  const subject = admitted(options, request)
  if (typeof subject !== "string") return subject
  const access: Array<Scope.ResourceScope> = []
  for (const text of request.scopes) {
    if (options.opaqueScopes?.includes(text) === true) continue
    const parsed = Effect.runSync(Effect.option(Scope.parse(text)))
    if (Option.isNone(parsed) || parsed.value._tag !== "Resource") return Answer.details(400, "invalid scope")
    const scope = parsed.value
    if (scope.type === "registry" && options.rejectRegistryScopes === true) return Answer.details(400, "unknown resource type")
    const invalid = scope.type === "repository" ? options.invalidName?.(scope.name) : undefined
    if (invalid !== undefined) return Answer.errors(invalid.status, invalid.code, invalid.message, invalid.detail)
    const may = allowed(subject, scope.type, scope.name)
    const actions = scope.actions.filter((a) => may.includes("*") || may.includes(a))
    if (options.pushRefusal !== undefined && subject !== "" && scope.actions.includes("push") && !actions.includes("push")) {
      const refusal = options.pushRefusal(subject, scope.name)
      return Answer.errors(refusal.status, refusal.code, refusal.message, refusal.detail)
    }
    const denies = options.narrowing === "deny" || (options.narrowing === "denyAnonymous" && subject === "")
    if (denies && actions.length < scope.actions.length) {
      if (subject === "" && may.length === 0 && options.anonymousRefusal?.(scope.name) === 401) {
        return Answer.errors(401, "UNAUTHORIZED", "authentication required")
      }
      return Answer.errors(403, "DENIED", "requested access to the resource is denied")
    }
    if (actions.length > 0 || options.omitEmptyAccess !== true) access.push({ ...scope, actions })
  }
  if (options.maxScopes !== undefined) access.splice(options.maxScopes)
  return { subject, access }
}
