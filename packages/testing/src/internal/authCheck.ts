/**
 * The front of an emulated registry: its token endpoint and identity exchange
 * where the profile mounts them, 404 outside the API, and the v2 API's auth
 * check — Basic credentials on the registry itself (Harbor, ECR), bearer tokens
 * of its realm or the second one (NGC), the open `/v2/` (Zot), each profile's
 * catalog rule, DELETE as the profile serves it — before `serve` answers.
 */
import * as Option from "effect/Option"
import { Scope } from "@ociauth/core"
import * as Route from "@ociauth/core/Route"
import type { Profile } from "../Profile.js"
import type { Options } from "../RegistryEmulator.js"
import type { Grantee } from "../TokenServer.js"
import type { Policy } from "./policy.js"
import type { PullLimits } from "./pullLimits.js"
import type { Realms } from "./realms.js"
import type { Refusals } from "./refusals.js"
import type { Serve } from "./routes.js"
import { basicCredentials, bearerToken, goJson, ociError, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

/** The server a request is logged under: the mounted token endpoint, the identity exchange, or the registry. */
export const logName = (profile: Profile) => (path: string): string =>
  profile.realm.origin === "registry" && path === profile.realm.path ? "token" : path === profile.exchange ? "exchange" : "registry"

/** The access a request needs; the tag list asks for the profile's action (ACR's `metadata_read`). */
const neededScopes = (profile: Profile, route: Route.Route, method: string, url: URL): ReadonlyArray<Scope.Scope> =>
  route._tag === "Catalog"
    ? [Scope.catalog]
    : route._tag === "Tags" && profile.tagsAction !== "pull"
      ? [Scope.repository(route.name, [profile.tagsAction])]
      : Scope.fromRequest(method, url)

export const handler = (parts: {
  readonly profile: Profile
  readonly options: Options
  readonly realms: Realms
  readonly policy: Policy
  readonly pullLimits: PullLimits
  readonly refusals: Refusals
  readonly serve: Serve
  readonly exchangeIdentity: (exchange: Exchange) => Promise<void>
}) => {
  const { profile, options, realms, policy, refusals, serve } = parts
  const { mounted, second, tokenServer } = realms
  const prefix = profile.apiPrefix
  const users = options.users ?? {}

  /** The account of Basic credentials sent to a registry that takes them (`basicRealm`): `users` or issued passwords. */
  const basicAccount = (header: string | undefined): string | undefined => {
    const credentials = profile.basicRealm === undefined ? undefined : basicCredentials(header)
    if (credentials === undefined) return undefined
    if (users[credentials.username] === credentials.password) return credentials.username
    return options.issuedPasswords?.check(credentials.username, credentials.password) === "valid" ? credentials.username : undefined
  }
  const expiredBasic = (header: string | undefined): boolean => {
    const credentials = profile.basicRealm === undefined ? undefined : basicCredentials(header)
    return credentials !== undefined && options.issuedPasswords?.check(credentials.username, credentials.password) === "expired"
  }

  /**
   * Who a request stands for: its Basic account, or what its bearer token grants — a token of
   * the second realm (NGC's authn.nvidia.com) is taken too, and its refusals name that realm.
   */
  const identify = ({ request, fault }: Exchange, basic: string | undefined) => {
    const presented = bearerToken(request.headers.authorization)
    const fromSecond = presented !== undefined && second !== undefined && second.inspect(presented) !== "unknown"
    const grantee: Option.Option<Grantee> = basic !== undefined
      ? Option.some({ subject: basic, access: [], expiresAt: Infinity })
      : presented === undefined || fault?.expireToken === true
        ? Option.none()
        : fromSecond ? second!.verify(presented) : tokenServer.verify(presented)
    return { presented, fromSecond, grantee }
  }

  /** The access needed and not held: Basic accounts act with their policy; tokens with what they grant. */
  const missingAccess = (basic: string | undefined, grantee: Grantee, needed: ReadonlyArray<Scope.Scope>) =>
    basic !== undefined
      ? needed.filter((s) => s._tag === "Resource" && !s.actions.every((a) => policy.actions(basic, s.type, s.name).some((g) => g === a || g === "*")))
      : Scope.missing(grantee.access, needed)

  const check = (exchange: Exchange, route: Route.Route, bare: boolean) => {
    const { request, response, method, url, fault } = exchange
    const needed = neededScopes(profile, route, method, url)
    const atBase = route._tag === "Base" || route._tag === "Catalog"
    const offered = atBase ? profile.baseScope : undefined

    // Basic credentials on the registry itself (Harbor), and its Basic catalog.
    const basic = basicAccount(request.headers.authorization)
    if (profile.catalog === "basic" && route._tag === "Catalog") {
      request.resume()
      if (basic === undefined || !policy.actions(basic, "registry", "catalog").includes("*")) return refusals.unauthorizedBasic(response)
      return serve(exchange, route, basic)
    }
    if (profile.basicOnly && basic === undefined) {
      request.resume()
      if (profile.expiredCredential !== undefined && expiredBasic(request.headers.authorization)) {
        const { code, message, status } = profile.expiredCredential
        return sendJson(response, status, ociError(code, message))
      }
      return refusals.unauthorizedBasic(response)
    }
    if (bare && profile.bareV2 === "spec" && method !== "GET" && method !== "HEAD") {
      request.resume()
      response.writeHead(301, { location: `${prefix}/v2/`, "content-length": "0" })
      return void response.end()
    }
    const { presented, fromSecond, grantee } = identify(exchange, basic)
    if (Option.isNone(grantee)) {
      if (route._tag === "Base" && profile.base.open && presented === undefined) {
        response.setHeader("www-authenticate", refusals.challenge(offered, undefined, true))
        return serve(exchange, route, "")
      }
      request.resume()
      const expired = presented !== undefined && (fault?.expireToken === true || fromSecond || tokenServer.inspect(presented) === "expired")
      if (second !== undefined && expired) return refusals.unauthorizedSecond(response, needed, "invalid_token")
      return refusals.unauthorized(response, atBase && offered !== undefined ? [] : needed, presented === undefined ? undefined : "invalid_token", offered)
    }
    const subject = grantee.value.subject
    if (bare && profile.bareV2 === "notFound") {
      request.resume()
      return sendJson(response, 404, ociError("NOT_FOUND", "404 page not found"))
    }
    if (method === "DELETE" && (profile.delete === "none" || (profile.delete !== "all" && route._tag === "Blob"))) {
      request.resume()
      return refusals.unsupported(response)
    }
    if (route._tag === "Catalog") {
      switch (profile.catalog) {
        case "never":
          request.resume()
          return refusals.unauthorized(response, needed, "insufficient_scope", offered)
        case "accounts":
          if (subject === "") return refusals.unauthorized(response, [], undefined, offered)
          return serve(exchange, route, subject)
        case "visible":
          return serve(exchange, route, subject)
        default:
          break
      }
    }
    if (missingAccess(basic, grantee.value, needed).length > 0) {
      request.resume()
      if (fromSecond) return refusals.unauthorizedSecond(response, needed, "insufficient_scope")
      return refusals.unauthorized(response, needed, "insufficient_scope")
    }
    return serve(exchange, route, subject)
  }

  return async (exchange: Exchange): Promise<void> => {
    const { request, response } = exchange
    response.setHeader("docker-distribution-api-version", "registry/2.0")
    if (profile.jsonNewline) goJson(response)
    const path = exchange.url.pathname
    if (mounted !== undefined && path === mounted.path) return mounted.handle(exchange)
    if (profile.exchange !== undefined && path === profile.exchange) return parts.exchangeIdentity(exchange)
    const bare = path === `${prefix}/v2`
    const route = Option.filter(bare ? Option.some(Route.Base({ prefix })) : Route.parse(path), (r) => r.prefix === prefix)
    if (Option.isNone(route)) return refusals.notFound(exchange)
    // Docker Hub names the pull-limit source on every manifest answer, refusals and DELETEs included (seed 000).
    if (profile.rateLimit && route.value._tag === "Manifest") response.setHeader("docker-ratelimit-source", parts.pullLimits.source(request))
    return check(exchange, route.value, bare)
  }
}
