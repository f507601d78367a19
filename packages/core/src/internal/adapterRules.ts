/**
 * The rules the engine and the runtime apply with an adapter: which paths are its
 * API, which scopes a request needs and may be granted, what it cannot do, when a
 * token must be renewed, how large a page may be.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ReauthTrigger, RegistryAdapter, TokenRequestPreferences } from "../RegistryAdapter.js"
import { Unsupported } from "../RegistryError.js"
import * as Route from "../Route.js"
import * as Scope from "../Scope.js"
import { fromRoute } from "./scope.js"

/**
 * The token request defaults: `auto`, `client_id=ociauth`, no offline token, and
 * containerd's POST→GET fallback statuses plus 403.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTokenRequest: TokenRequestPreferences = {
  method: "auto",
  clientId: "ociauth",
  offlineToken: false,
  postFallbackStatuses: [400, 401, 403, 404, 405],
  anonymousFallback: []
}

/**
 * The registry API route of a path, if the path is one for this adapter: rooted
 * at `/v2/`, or at the adapter's declared prefix. `None`: not a registry API
 * request, to be passed through without credentials.
 *
 * @since 0.2.0
 * @category getters
 */
export const apiRoute = (adapter: RegistryAdapter, pathname: string): Option.Option<Route.Route> =>
  Option.filter(Route.parse(pathname), (route) => adapter.apiPrefix(route.prefix))

/**
 * The scopes of a challenge that a request may ask for: only those its own needs
 * (and the caller's hints) already cover, and opaque scopes (ECR Public's `aws`),
 * which name no repository. A registry can never widen a request's access to
 * actions or repositories it did not need — neither through a challenge's
 * `scope`, nor an `insufficient_scope` answer. Nothing when the adapter does not
 * trust challenge scopes (GHCR's placeholder).
 *
 * @since 0.2.0
 * @category getters
 */
export const challengeScopes = (
  adapter: RegistryAdapter,
  needed: ReadonlyArray<Scope.Scope>,
  offered: ReadonlyArray<Scope.Scope>
): ReadonlyArray<Scope.Scope> =>
  adapter.trustChallengeScope
    ? offered.filter((s) => s._tag === "Opaque" || Scope.covers(needed, [s]))
    : []

/**
 * The operation a request performs, for capability checks.
 *
 * @since 0.1.0
 * @category models
 */
export type Operation = "catalog" | "delete" | "other"

/**
 * @since 0.1.0
 * @category getters
 */
export const operationOf = (method: string, target: string | URL | Route.Route): Operation => {
  const route = routeOf(target)
  if (Option.isNone(route)) return "other"
  if (route.value._tag === "Catalog") return "catalog"
  if (method.toUpperCase() === "DELETE" && Route.repository(route.value) !== undefined) return "delete"
  return "other"
}

const routeOf = (target: string | URL | Route.Route): Option.Option<Route.Route> =>
  typeof target === "string"
    ? Route.parse(new URL(target, "http://localhost").pathname)
    : target instanceof URL
      ? Route.parse(target.pathname)
      : Option.some(target)

/**
 * The `Unsupported` error for a request the adapter says the registry cannot
 * perform; `None` when it can.
 *
 * @since 0.2.0
 * @category getters
 */
export const unsupported = (
  adapter: RegistryAdapter,
  method: string,
  target: string | URL | Route.Route
): Option.Option<Unsupported> => {
  const operation = operationOf(method, target)
  if (operation === "catalog" && !adapter.capabilities.catalog) {
    return Option.some(new Unsupported({ operation: "catalog listing (/v2/_catalog)", registry: adapter.name }))
  }
  if (operation === "delete" && !adapter.capabilities.delete) {
    return Option.some(new Unsupported({ operation: "DELETE", registry: adapter.name }))
  }
  if (operation === "delete" && !adapter.capabilities.deleteBlobs && Option.exists(routeOf(target), (r) => r._tag === "Blob")) {
    return Option.some(new Unsupported({ operation: "DELETE of blobs", registry: adapter.name }))
  }
  return Option.none()
}

/**
 * Fails with `Unsupported` when the adapter says the registry cannot perform the
 * request, so that no request is sent.
 *
 * @since 0.1.0
 * @category combinators
 */
export const checkCapabilities = (
  adapter: RegistryAdapter,
  method: string,
  target: string | URL | Route.Route
): Effect.Effect<void, Unsupported> =>
  Option.match(unsupported(adapter, method, target), { onNone: () => Effect.void, onSome: Effect.fail })

/**
 * The scopes a request needs on this registry: `Scope.fromRequest`, with the
 * adapter's catalog scope for `/v2/_catalog`. Pass the parsed route to save
 * parsing the path again.
 *
 * @since 0.1.0
 * @category getters
 */
export const scopesFor = (
  adapter: RegistryAdapter,
  method: string,
  url: string | URL,
  route?: Route.Route
): ReadonlyArray<Scope.Scope> => {
  const parsed = route === undefined ? routeOf(url) : Option.some(route)
  if (Option.isNone(parsed)) return []
  if (parsed.value._tag === "Catalog") return Option.toArray(adapter.catalogScope)
  const searchParams = typeof url === "string" ? new URL(url, "http://localhost").searchParams : url.searchParams
  const scopes = fromRoute(method, parsed.value, searchParams)
  const name = Route.repository(parsed.value)
  const actions = name === undefined ? undefined : adapter.routeActions?.(method, parsed.value)
  if (actions === undefined) return scopes
  return Scope.merge(
    scopes.map((s) => (s._tag === "Resource" && s.type === "repository" && s.name === name ? Scope.repository(name, actions) : s))
  )
}

/**
 * Whether an answer (its status, and the codes and messages of its OCI error
 * body) is one of `triggers`.
 *
 * @since 0.2.0
 * @category predicates
 */
export const matchesTrigger = (
  triggers: ReadonlyArray<ReauthTrigger>,
  status: number,
  codes: ReadonlyArray<string>,
  messages: ReadonlyArray<string> = []
): boolean =>
  triggers.some((trigger) =>
    trigger.status === status &&
    (trigger.code === undefined || codes.includes(trigger.code)) &&
    (trigger.message === undefined || messages.some((m) => m.toLowerCase().includes(trigger.message!.toLowerCase())))
  )

/**
 * Whether a response means the token must be renewed, beyond 401 `invalid_token`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isReauthTrigger = (
  adapter: RegistryAdapter,
  status: number,
  codes: ReadonlyArray<string>,
  messages: ReadonlyArray<string> = []
): boolean => matchesTrigger(adapter.reauthOn, status, codes, messages)

/**
 * A request URL with its page size (`n`) lowered to the adapter's
 * `maxPageSize`; the same URL when it needs no change.
 *
 * @since 0.2.0
 * @category combinators
 */
export const clampPageSize = (adapter: RegistryAdapter, url: URL): URL => {
  if (Option.isNone(adapter.maxPageSize) || !url.searchParams.has("n")) return url
  const n = Number(url.searchParams.get("n"))
  if (!Number.isFinite(n) || n <= adapter.maxPageSize.value) return url
  const clamped = new URL(url)
  clamped.searchParams.set("n", String(adapter.maxPageSize.value))
  return clamped
}

