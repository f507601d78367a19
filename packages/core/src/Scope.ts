/**
 * Access scopes in the grammar of the distribution token spec:
 * `type[(class)]:name:action[,action]`. Names may hold a `host:port`, so a scope
 * is split at its first and last colon, never at every colon.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Result } from "effect"
import * as internal from "./internal/scope.js"
import type { ScopeParseError } from "./RegistryError.js"

/**
 * A scope on a named resource, e.g. `repository:library/alpine:pull`.
 * `actions` are sorted and unique; `["*"]` stands for every action.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResourceScope {
  readonly _tag: "Resource"
  /** `repository`, `registry`, … */
  readonly type: string
  /** The deprecated resource class, as in `repository(plugin)`. */
  readonly resourceClass?: string
  readonly name: string
  readonly actions: ReadonlyArray<string>
}

/**
 * A scope that is not of the `type:name:actions` form, kept verbatim (ECR Public
 * sends `scope="aws"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface OpaqueScope {
  readonly _tag: "Opaque"
  readonly value: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type Scope = ResourceScope | OpaqueScope

/**
 * Parses one scope. Strings with fewer than two colons are opaque scopes; the
 * others must follow the grammar.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Scope } from "@ociauth/core"
 *
 * const scope = Effect.runSync(Scope.parse("repository:localhost:5000/app:push,pull"))
 * // { _tag: "Resource", type: "repository", name: "localhost:5000/app", actions: ["pull", "push"] }
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string): Effect.Effect<Scope, ScopeParseError> => Effect.fromResult(internal.parseEither(text))

/**
 * Formats a scope as it goes on the wire.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (scope: Scope) => string = internal.format

/**
 * A scope on any resource type, e.g. `Scope.resource("registry", "catalog", ["*"])`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resource = (type: string, name: string, actions: Iterable<string>, resourceClass?: string): ResourceScope =>
  internal.resource(type, name, actions, resourceClass)

/**
 * A repository scope from a name that may come from outside: a
 * `ScopeParseError` when the name is empty or breaks the distribution grammar
 * (lower-case path components, optionally after a `host[:port]/`). The result
 * is a `Result` (`Effect.fromResult` makes it an `Effect`).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Scope } from "@ociauth/core"
 *
 * Scope.makeRepository("team/app", ["pull"]) // Success(repository:team/app:pull)
 * Result.isFailure(Scope.makeRepository("", ["pull"])) // true: never `repository::pull`
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRepository: (name: string, actions: Iterable<string>) => Result.Result<ResourceScope, ScopeParseError> =
  internal.makeRepository

/**
 * A repository scope, for names known to be valid (literals, names from a
 * parsed `Reference` or route). It validates with `makeRepository` and never
 * throws: an invalid name gives a scope with no actions, which asks for
 * nothing (`merge` drops it, so it never reaches a token request). Use
 * `makeRepository` to get the error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const repository: (name: string, actions: Iterable<string>) => ResourceScope = internal.repository

/**
 * `registry:catalog:*`, the scope `/v2/_catalog` needs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const catalog: ResourceScope = internal.resource("registry", "catalog", ["*"])

/**
 * An opaque scope, sent verbatim.
 *
 * @since 0.1.0
 * @category constructors
 */
export const opaque: (value: string) => OpaqueScope = internal.opaque

/**
 * Cleans a list of scopes: one scope per resource with the union of its actions,
 * sorted; `*` absorbs the other actions; scopes left without actions are dropped;
 * opaque scopes are kept once, verbatim; the result is sorted by its wire form.
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge: (scopes: Iterable<Scope>) => ReadonlyArray<Scope> = internal.merge

/**
 * The parts of `needed` that `granted` does not cover, each reduced to its
 * missing actions. Empty when the grant suffices.
 *
 * @since 0.1.0
 * @category combinators
 */
export const missing: (granted: Iterable<Scope>, needed: Iterable<Scope>) => ReadonlyArray<Scope> = internal.missing

/**
 * Whether `granted` covers every action of `needed`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const covers = (granted: Iterable<Scope>, needed: Iterable<Scope>): boolean =>
  internal.missing(granted, needed).length === 0

/**
 * The scopes a registry API request needs, from its method and path:
 * GET/HEAD → `pull`; PUT/POST/PATCH → `pull,push`; DELETE → `delete`;
 * `/v2/_catalog` → `registry:catalog:*`; a cross-repository mount
 * (`POST …/blobs/uploads/?mount=…&from=other`) also needs `repository:other:pull`.
 * `/v2/`, unknown paths and other methods need no scope. Paths may carry a prefix
 * before `/v2/` (as Artifactory's do).
 *
 * @example
 * ```ts
 * import { Scope } from "@ociauth/core"
 *
 * Scope.fromRequest("POST", "https://r.example/v2/team/app/blobs/uploads/?mount=sha256:ab&from=team/base")
 *   .map(Scope.format)
 * // ["repository:team/app:pull,push", "repository:team/base:pull"]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRequest: (method: string, url: string | URL) => ReadonlyArray<Scope> = internal.fromRequest
