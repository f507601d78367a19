import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { RegistryAdapter } from "@ociauth/core"
import type { Registries, RegistryError } from "@ociauth/core"
import { Scope } from "@ociauth/core"
import * as Route from "@ociauth/core/Route"
import * as Option from "effect/Option"
import { Lru } from "@ociauth/core/Lru"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * What a request means, computed once per method and URL: where it really goes,
 * which registry route it is, the scopes it implies. Immutable, and pure: the
 * same request always gets the same plan.
 */
export interface Plan {
  readonly adapter: RegistryAdapter.RegistryAdapter
  /** The host the request named (credentials are looked up for it). */
  readonly host: string
  /** Where it is sent: the adapter's API origin, the repository normalised, pages clamped. */
  readonly url: URL
  /** The registry API route, if it is one (otherwise the request passes through untouched). */
  readonly route: Route.Route | undefined
  readonly implied: ReadonlyArray<Scope.Scope>
  readonly unsupported: RegistryError.Unsupported | undefined
  /** The request's own URL is the one to send: no new request needs building. */
  readonly unchanged: boolean
  /** The key of what the runtime learns about the API: its origin, and the adapter's path prefix if any. */
  readonly base: string
  /** Credentials may go to `url` (https, loopback, or declared insecure). */
  readonly credentialsAllowed: boolean
  /** The options of the request's `ociauth.request` span: built with the plan, not per request. */
  readonly span: {
    readonly kind: "client"
    readonly captureStackTrace: false
    readonly attributes: Readonly<Record<string, unknown>>
  }
}

/** The failure of a request whose URL does not parse: typed (`InvalidUrlError`), not a defect. */
export const invalidUrl = (request: HttpClientRequest.HttpClientRequest): HttpClientError.HttpClientError =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.InvalidUrlError({ request, description: "the URL does not parse" })
  })

/** Where a request really goes: the adapter's API origin; for a registry API route, the registry's repository name too. */
const rewrite = (url: URL, adapter: RegistryAdapter.RegistryAdapter, insecure: ReadonlySet<string>): { readonly url: URL; readonly route: Route.Route | undefined } => {
  const target = new URL(url)
  const apiOrigin = new URL(adapter.origin(url.host))
  if (apiOrigin.host !== url.host) {
    target.protocol = insecure.has(apiOrigin.host) ? "http:" : apiOrigin.protocol
    target.host = apiOrigin.host
  }
  const parsed = Unstable.apiRoute(adapter, target.pathname)
  if (Option.isNone(parsed)) return { url: target, route: undefined }
  let route = parsed.value
  const name = Route.repository(route)
  if (name !== undefined) {
    const normalized = adapter.normalizeRepository(name)
    if (normalized !== name) {
      route = Route.withRepository(route, normalized)
      target.pathname = Route.format(route)
    }
  }
  if (route._tag === "Upload" && target.searchParams.has("from")) {
    target.searchParams.set("from", adapter.normalizeRepository(target.searchParams.get("from")!))
  }
  const paged = route._tag === "Tags" || route._tag === "Catalog" ? Unstable.clampPageSize(adapter, target) : target
  return { url: paged, route }
}

const make = (
  registries: Registries.Service,
  insecure: ReadonlySet<string>,
  request: HttpClientRequest.HttpClientRequest,
  requested: URL,
  plain: boolean
): Plan => {
  const method = request.method
  const adapter = registries.resolve(requested.host)
  const { route, url } = rewrite(requested, adapter, insecure)
  return {
    adapter,
    host: requested.host,
    url,
    route,
    implied: route === undefined ? [] : Unstable.scopesFor(adapter, method, url, route),
    unsupported: route === undefined ? undefined : Option.getOrUndefined(Unstable.unsupported(adapter, method, route)),
    unchanged: plain && url.href === request.url,
    base: route === undefined || route.prefix === "" ? url.origin : `${url.origin}${route.prefix}`,
    credentialsAllowed: url.protocol === "https:" || Unstable.mayUsePlainHttp(url, insecure),
    span: {
      kind: "client",
      captureStackTrace: false,
      attributes: { "http.request.method": method, "ociauth.registry": url.host, "ociauth.route": route?._tag }
    }
  }
}

/**
 * Plans, memoised for requests whose URL is a plain string (no separate
 * parameters or hash) by URL and method; others are planned each time.
 * `undefined` when the URL does not parse (`invalidUrl`). A known plan is
 * returned as it is: no effect, no key, nothing allocated.
 */
export const makePlanner = (registries: Registries.Service, insecure: ReadonlySet<string>) => {
  // By URL, then method: the caller's own URL string is the key (no key is built per request).
  const plans = new Lru<string, Map<string, Plan>>(1024)
  return (request: HttpClientRequest.HttpClientRequest): Plan | undefined => {
    const plain = request.urlParams.params.length === 0 && Option.isNone(request.hash)
    if (plain) {
      const known = plans.get(request.url)?.get(request.method)
      if (known !== undefined) return known
    }
    const url = Option.getOrUndefined(HttpClientRequest.toUrl(request))
    if (url === undefined) return undefined
    const plan = make(registries, insecure, request, url, plain)
    if (plain) plans.getOrSet(request.url, () => new Map()).set(request.method, plan)
    return plan
  }
}
