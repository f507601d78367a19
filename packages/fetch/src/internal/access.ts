import type { Registries } from "@ociauth/core"
import { Scope } from "@ociauth/core"
import type * as RegistryClient from "../RegistryClient.js"

const none: ReadonlyArray<Scope.Scope> = []

/**
 * An access plan's scopes for an API host: the client's own plan and the one
 * in context, merged once per plan and host (the same array every time, so the
 * engine's work per scope list is done once too).
 */
export const makeAccessScopes = (registries: Registries.Service, configured: ReadonlyArray<RegistryClient.Access>) => {
  const byPlan = new WeakMap<ReadonlyArray<RegistryClient.Access>, Map<string, ReadonlyArray<Scope.Scope>>>()
  const scopesByHost = (access: ReadonlyArray<RegistryClient.Access>): Map<string, ReadonlyArray<Scope.Scope>> => {
    let byHost = byPlan.get(access)
    if (byHost === undefined) {
      byHost = new Map()
      for (const entry of configured.length === 0 || access === configured ? access : [...configured, ...access]) {
        const host = entry.registry.toLowerCase()
        const adapter = registries.resolve(host)
        let api: string
        try {
          api = new URL(adapter.origin(host)).host
        } catch {
          continue
        }
        const scope = Scope.repository(adapter.normalizeRepository(entry.repository), entry.actions ?? ["pull"])
        byHost.set(api, Scope.merge([...(byHost.get(api) ?? []), scope]))
      }
      byPlan.set(access, byHost)
    }
    return byHost
  }
  /** The optional scopes for `apiHost` under the access plan in context. */
  return (inContext: ReadonlyArray<RegistryClient.Access>, apiHost: string): ReadonlyArray<Scope.Scope> => {
    const access = inContext.length === 0 ? configured : inContext
    return access.length === 0 ? none : scopesByHost(access).get(apiHost) ?? none
  }
}
