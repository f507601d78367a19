/**
 * Google's container registry hosts (registry reference §9): Artifact
 * Registry's `<location>-docker.pkg.dev` (regions such as `us-central1`,
 * multi-regions `us`, `europe`, `asia`) and regional endpoints
 * `docker.<region>.rep.pkg.dev`, and the `gcr.io` family (`gcr.io`, `us.gcr.io`,
 * `eu.gcr.io`, `asia.gcr.io`, `marketplace.gcr.io`), served by Artifact
 * Registry since Container Registry's shutdown.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
/**
 * @since 0.1.0
 * @category models
 */
export interface GarHost {
  /** `artifactRegistry`: `<location>-docker.pkg.dev`; `regional`: `docker.<region>.rep.pkg.dev`; `gcr`: the gcr.io family. */
  readonly kind: "artifactRegistry" | "regional" | "gcr"
  /** The location or region, for Artifact Registry hosts. */
  readonly location: Option.Option<string>
}

/**
 * The gcr.io hosts.
 *
 * @since 0.1.0
 * @category constants
 */
export const gcrHosts: ReadonlyArray<string> = ["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "marketplace.gcr.io"]

const LOCATION = /^(?:us|europe|asia|northamerica|southamerica|australia|me|africa)(?:-[a-z]+[0-9]+)?$/

/**
 * Reads a host (`host[:port]`, any case); `None` when it is not one of Google's registry hosts.
 *
 * @example
 * ```ts
 * import { GarHost } from "@ociauth/gar"
 *
 * GarHost.parse("europe-west4-docker.pkg.dev") // Some({ kind: "artifactRegistry", location: Some("europe-west4") })
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (host: string): Option.Option<GarHost> => {
  const lower = host.toLowerCase()
  if (gcrHosts.includes(lower)) return Option.some({ kind: "gcr", location: Option.none() })
  const ar = /^([a-z0-9-]+)-docker\.pkg\.dev$/.exec(lower)
  if (ar !== null && LOCATION.test(ar[1]!)) return Option.some({ kind: "artifactRegistry", location: Option.some(ar[1]!) })
  const regional = /^docker\.([a-z0-9-]+)\.rep\.pkg\.dev$/.exec(lower)
  if (regional !== null && LOCATION.test(regional[1]!)) return Option.some({ kind: "regional", location: Option.some(regional[1]!) })
  return Option.none()
}

/**
 * Whether a host is one of Google's registry hosts.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isGarHost = (host: string): boolean => Option.isSome(parse(host))
