/**
 * How an emulated registry refuses: 401 with the `Bearer` challenge its profile
 * words (`scope`, `error`), with the second realm's challenge (NGC), with a
 * `Basic` challenge (Harbor, ECR); 405 `UNSUPPORTED`; 404 for paths outside the API.
 */
import type * as http from "node:http"
import { Challenge, Scope } from "@ociauth/core"
import type { Profile } from "../Profile.js"
import type { TokenServer } from "../TokenServer.js"
import { ociError, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

export interface Refusals {
  /** A challenge in the spec's wording; on an open `/v2/` (`asWritten`), in the profile's own (Zot's `bearer realm=<bare>`). */
  readonly challenge: (scope: string | undefined, error?: string, asWritten?: boolean) => string
  /** 401 with the challenge for `scopes` (or `scope` as given), naming the access needed in `detail` where the profile does. */
  readonly unauthorized: (response: http.ServerResponse, scopes: ReadonlyArray<Scope.Scope>, error?: string, scope?: string) => void
  /** 401 naming the second realm (NGC's `authn.nvidia.com/token`, `service="registry"`). */
  readonly unauthorizedSecond: (response: http.ServerResponse, scopes: ReadonlyArray<Scope.Scope>, error: string) => void
  /** 401 with a `Basic` challenge. */
  readonly unauthorizedBasic: (response: http.ServerResponse) => void
  readonly unsupported: (response: http.ServerResponse) => void
  readonly notFound: (exchange: Exchange) => void
}

export const make = (
  profile: Profile,
  realms: { readonly registryOrigin: string; readonly tokenServer: TokenServer; readonly second: TokenServer | undefined }
): Refusals => {
  const { realm, service } = realms.tokenServer
  /** An OCI error body; without `detail` where the profile leaves it out (GHCR). */
  const errorBody = (code: string, message: string, detail: unknown = null) =>
    profile.errorDetail ? ociError(code, message, detail) : { errors: [{ code, message }] }

  const challenge: Refusals["challenge"] = (scope, error, asWritten = false) => {
    const params: Record<string, string> = { realm }
    if (profile.challenge.service === true || (profile.challenge.service === "repository" && scope?.startsWith("repository:") === true)) {
      params.service = service
    }
    if (scope !== undefined) params.scope = scope
    if (error !== undefined) params.error = error
    let header = Challenge.format({ scheme: "bearer", params })
    if (!asWritten) return header
    if (!profile.challenge.quoteRealm) header = header.replace(`realm=${JSON.stringify(realm)}`, `realm=${realm}`)
    return profile.challenge.scheme === "bearer" ? header.replace(/^Bearer/, "bearer") : header
  }

  const unauthorized: Refusals["unauthorized"] = (response, scopes, error, scope) => {
    const detail = scopes.flatMap((s) =>
      s._tag === "Resource" ? s.actions.map((action) => ({ Type: s.type, Class: "", Name: s.name, Action: action })) : []
    )
    const wanted = scope ?? (scopes.length === 0 ? undefined : scopes.map(Scope.format).join(" "))
    sendJson(response, 401, errorBody("UNAUTHORIZED", "authentication required", detail.length === 0 ? null : detail), { "www-authenticate": challenge(wanted, error) })
  }

  const unauthorizedSecond: Refusals["unauthorizedSecond"] = (response, scopes, error) => {
    const params: Record<string, string> = { realm: realms.second!.realm, service: realms.second!.service }
    if (scopes.length > 0) params.scope = scopes.map(Scope.format).join(" ")
    params.error = error
    sendJson(response, 401, ociError("UNAUTHORIZED", "authentication required"), {
      "www-authenticate": Challenge.format({ scheme: "bearer", params })
    })
  }

  const unauthorizedBasic: Refusals["unauthorizedBasic"] = (response) => {
    const basicRealm = typeof profile.basicRealm === "function" ? profile.basicRealm(realms.registryOrigin) : profile.basicRealm ?? "registry"
    const params: Record<string, string> = profile.basicChallengeService ? { realm: basicRealm, service } : { realm: basicRealm }
    sendJson(response, 401, ociError("UNAUTHORIZED", "authentication required"), {
      "www-authenticate": Challenge.format({ scheme: "basic", params })
    })
  }

  const unsupported: Refusals["unsupported"] = (response) => sendJson(response, 405, errorBody("UNSUPPORTED", "The operation is unsupported."))

  const notFound: Refusals["notFound"] = ({ request, response }) => {
    request.resume()
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8", "content-length": "19" })
    response.end("404 page not found\n")
  }

  return { challenge, unauthorized, unauthorizedSecond, unauthorizedBasic, unsupported, notFound }
}
