import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Route from "../Route.js"
import { ScopeParseError } from "../RegistryError.js"
import type * as Scope from "../Scope.js"
import { validateRepositoryName } from "./reference.js"

const TYPE = /^[a-z0-9]+$/
const ACTION = /^(?:\*|[a-z][a-z0-9_-]*)$/

const hasWhitespaceOrControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c <= 0x20 || c === 0x7f || c === 0x22) return true
  }
  return false
}

/** Sorted, de-duplicated, empty entries removed, `*` absorbing every other action. */
export const normalizeActions = (actions: Iterable<string>): ReadonlyArray<string> => {
  const set = new Set<string>()
  for (const action of actions) {
    if (action === "*") return ["*"]
    if (action !== "") set.add(action)
  }
  return [...set].sort()
}

export const resource = (
  type: string,
  name: string,
  actions: Iterable<string>,
  resourceClass?: string
): Scope.ResourceScope =>
  resourceClass === undefined
    ? { _tag: "Resource", type, name, actions: normalizeActions(actions) }
    : { _tag: "Resource", type, resourceClass, name, actions: normalizeActions(actions) }

/** A repository scope whose name follows the distribution grammar. */
export const makeRepository = (
  name: string,
  actions: Iterable<string>
): Result.Result<Scope.ResourceScope, ScopeParseError> => {
  const scope = resource("repository", name, actions)
  const invalid = validateRepositoryName(name)
  return invalid === undefined
    ? Result.succeed(scope)
    : Result.fail(new ScopeParseError({ input: format(scope).slice(0, 256), reason: invalid }))
}

/** `makeRepository`, total: an invalid name gives a scope that asks for nothing. */
export const repository = (name: string, actions: Iterable<string>): Scope.ResourceScope =>
  Result.getOrElse(makeRepository(name, actions), () => resource("repository", name, []))

export const opaque = (value: string): Scope.OpaqueScope => ({ _tag: "Opaque", value })

export const parseEither = (input: string): Result.Result<Scope.Scope, ScopeParseError> => {
  const fail = (reason: string) => Result.fail(new ScopeParseError({ input: input.slice(0, 256), reason }))
  if (input.length === 0) return fail("empty scope")
  if (input.length > 4096) return fail("longer than 4096 characters")
  if (hasWhitespaceOrControl(input)) return fail("contains whitespace, a quote or a control character")
  const first = input.indexOf(":")
  const last = input.lastIndexOf(":")
  // Fewer than two colons: not of the `type:name:actions` form. Registries send such
  // opaque scopes (ECR Public's `aws`); they are kept verbatim.
  if (first === -1 || first === last) return Result.succeed(opaque(input))
  const typePart = input.slice(0, first)
  const name = input.slice(first + 1, last)
  const actionPart = input.slice(last + 1)
  let type = typePart
  let resourceClass: string | undefined
  const open = typePart.indexOf("(")
  if (open !== -1) {
    if (!typePart.endsWith(")")) return fail("unterminated resource class")
    type = typePart.slice(0, open)
    resourceClass = typePart.slice(open + 1, -1)
    if (!TYPE.test(resourceClass)) return fail(`invalid resource class ${JSON.stringify(resourceClass)}`)
  }
  if (!TYPE.test(type)) return fail(`invalid resource type ${JSON.stringify(type)}`)
  if (name.length === 0) return fail("empty resource name")
  const actions = actionPart.split(",")
  for (const action of actions) {
    if (action !== "" && !ACTION.test(action)) return fail(`invalid action ${JSON.stringify(action)}`)
  }
  return Result.succeed(resource(type, name, actions, resourceClass))
}

export const resourceKey = (scope: Scope.ResourceScope): string =>
  scope.resourceClass === undefined ? `${scope.type}:${scope.name}` : `${scope.type}(${scope.resourceClass}):${scope.name}`

export const format = (scope: Scope.Scope): string =>
  scope._tag === "Opaque" ? scope.value : `${resourceKey(scope)}:${scope.actions.join(",")}`

const byFormat = (a: Scope.Scope, b: Scope.Scope): number => {
  const fa = format(a)
  const fb = format(b)
  return fa < fb ? -1 : fa > fb ? 1 : 0
}

export const merge = (scopes: Iterable<Scope.Scope>): ReadonlyArray<Scope.Scope> => {
  const resources = new Map<string, { readonly first: Scope.ResourceScope; readonly actions: Array<string> }>()
  const opaques = new Map<string, Scope.OpaqueScope>()
  for (const scope of scopes) {
    if (scope._tag === "Opaque") {
      opaques.set(scope.value, scope)
      continue
    }
    const key = resourceKey(scope)
    const entry = resources.get(key)
    if (entry === undefined) resources.set(key, { first: scope, actions: [...scope.actions] })
    else for (const action of scope.actions) entry.actions.push(action)
  }
  const out: Array<Scope.Scope> = [...opaques.values()]
  for (const { actions, first } of resources.values()) {
    const merged = resource(first.type, first.name, actions, first.resourceClass)
    if (merged.actions.length > 0) out.push(merged)
  }
  return out.sort(byFormat)
}

const grants = (granted: ReadonlyArray<string>, action: string): boolean =>
  granted.includes("*") || granted.includes(action)

export const missing = (
  granted: Iterable<Scope.Scope>,
  needed: Iterable<Scope.Scope>
): ReadonlyArray<Scope.Scope> => {
  const have = merge(granted)
  const out: Array<Scope.Scope> = []
  for (const scope of merge(needed)) {
    if (scope._tag === "Opaque") {
      if (!have.some((h) => h._tag === "Opaque" && h.value === scope.value)) out.push(scope)
      continue
    }
    const key = resourceKey(scope)
    const match = have.find((h): h is Scope.ResourceScope => h._tag === "Resource" && resourceKey(h) === key)
    const absent = scope.actions.filter((action) => match === undefined || !grants(match.actions, action))
    if (absent.length > 0) out.push(resource(scope.type, scope.name, absent, scope.resourceClass))
  }
  return out
}

// ---------------------------------------------------------------------------
// Scope inference from a request
// ---------------------------------------------------------------------------

const actionsFor = (method: string): ReadonlyArray<string> | undefined => {
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      return ["pull"]
    case "PUT":
    case "POST":
    case "PATCH":
      return ["pull", "push"]
    case "DELETE":
      return ["delete"]
    default:
      return undefined
  }
}

export const fromRoute = (method: string, route: Route.Route, searchParams?: URLSearchParams): ReadonlyArray<Scope.Scope> => {
  if (route._tag === "Base") return []
  if (route._tag === "Catalog") return [resource("registry", "catalog", ["*"])]
  const actions = actionsFor(method)
  const name = Route.repository(route)
  if (actions === undefined || name === undefined) return []
  const repository = resource("repository", name, actions)
  const from = searchParams?.get("from")
  if (route._tag === "Upload" && searchParams?.has("mount") === true && from != null && from !== "") {
    return merge([repository, resource("repository", from, ["pull"])])
  }
  return [repository]
}

export const fromRequest = (method: string, url: string | URL): ReadonlyArray<Scope.Scope> => {
  let parsed: URL
  try {
    parsed = typeof url === "string" ? new URL(url, "http://localhost") : url
  } catch {
    return []
  }
  const route = Route.parse(parsed.pathname)
  return Option.isNone(route) ? [] : fromRoute(method, route.value, parsed.searchParams)
}
