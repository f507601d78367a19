/**
 * Registry API paths as values: `/v2/<name>/manifests/<reference>`,
 * `/v2/<name>/blobs/uploads/<id>`, … Names may have any number of components, so
 * a path is read from its end. A prefix before `/v2/` (as Artifactory's
 * `/artifactory/api/docker/<repo>`) is kept.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Option from "effect/Option"
/**
 * @since 0.1.0
 * @category models
 */
export type Route = Data.TaggedEnum<{
  Base: { readonly prefix: string }
  Catalog: { readonly prefix: string }
  Manifest: { readonly prefix: string; readonly name: string; readonly reference: string }
  Blob: { readonly prefix: string; readonly name: string; readonly digest: string }
  Upload: { readonly prefix: string; readonly name: string; readonly id: string }
  Tags: { readonly prefix: string; readonly name: string }
  Referrers: { readonly prefix: string; readonly name: string; readonly digest: string }
}>

const { Base, Blob, Catalog, Manifest, Referrers, Tags, Upload } = Data.taggedEnum<Route>()

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * Reads an API path; `None` for paths outside the registry API.
 *
 * @example
 * ```ts
 * import * as Route from "@ociauth/core/Route"
 *
 * Route.parse("/v2/library/alpine/manifests/latest")
 * // Some({ _tag: "Manifest", prefix: "", name: "library/alpine", reference: "latest" })
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (pathname: string): Option.Option<Route> => {
  const segments = pathname.split("/")
  const v2 = segments.indexOf("v2")
  if (v2 === -1) return Option.none()
  const prefix = segments.slice(0, v2).join("/")
  const rest = segments.slice(v2 + 1)
  const n = rest.length
  if (n === 0 || (n === 1 && rest[0] === "")) return Option.some(Base({ prefix }))
  if (rest[0] === "_catalog" && n === 1) return Option.some(Catalog({ prefix }))
  const at = (i: number) => rest[n - i]
  const nameOf = (end: number): string | undefined => {
    if (end < 1) return undefined
    const parts = rest.slice(0, end).map(decode)
    return parts.some((p) => p === "") ? undefined : parts.join("/")
  }
  const route = (end: number, make: (name: string) => Route) => {
    const name = nameOf(end)
    return name === undefined ? Option.none() : Option.some(make(name))
  }
  if (at(2) === "blobs" && at(1) === "uploads") return route(n - 2, (name) => Upload({ prefix, name, id: "" }))
  if (at(3) === "blobs" && at(2) === "uploads") return route(n - 3, (name) => Upload({ prefix, name, id: decode(at(1)!) }))
  if (at(2) === "manifests" && at(1) !== "") return route(n - 2, (name) => Manifest({ prefix, name, reference: decode(at(1)!) }))
  if (at(2) === "blobs" && at(1) !== "") return route(n - 2, (name) => Blob({ prefix, name, digest: decode(at(1)!) }))
  if (at(2) === "referrers" && at(1) !== "") return route(n - 2, (name) => Referrers({ prefix, name, digest: decode(at(1)!) }))
  if (at(2) === "tags" && at(1) === "list") return route(n - 2, (name) => Tags({ prefix, name }))
  return Option.none()
}

/**
 * The repository a route is about, if any.
 *
 * @since 0.1.0
 * @category getters
 */
export const repository = (route: Route): string | undefined => ("name" in route ? route.name : undefined)

/**
 * The route with another repository name (e.g. after `library/` normalisation).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withRepository = (route: Route, name: string): Route => ("name" in route ? { ...route, name } : route)

/** Encodes a path segment, keeping `:` and `@` (valid in paths, and in every digest). */
const segment = (text: string) => encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%40/g, "@")

/**
 * The path of a route.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (route: Route): string => {
  const base = `${route.prefix}/v2/`
  switch (route._tag) {
    case "Base":
      return base
    case "Catalog":
      return `${base}_catalog`
    case "Manifest":
      return `${base}${route.name}/manifests/${segment(route.reference)}`
    case "Blob":
      return `${base}${route.name}/blobs/${segment(route.digest)}`
    case "Upload":
      return `${base}${route.name}/blobs/uploads/${segment(route.id)}`
    case "Tags":
      return `${base}${route.name}/tags/list`
    case "Referrers":
      return `${base}${route.name}/referrers/${segment(route.digest)}`
  }
}

export {
  /**
   * @since 0.1.0
   * @category constructors
   */
  Base,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Blob,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Catalog,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Manifest,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Referrers,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Tags,
  /**
   * @since 0.1.0
   * @category constructors
   */
  Upload
}
