/**
 * Docker image references (`alpine`, `user/app:1`, `ghcr.io/o/r@sha256:…`,
 * `localhost:5000/x`), normalised with docker's rules: a first component is a
 * registry only when it holds a `.` or a `:`, is `localhost`, or has upper case;
 * otherwise the registry is `docker.io`; `index.docker.io` is `docker.io`; a
 * one-component Docker Hub name gets `library/`; no tag and no digest means
 * `latest`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as internal from "./internal/reference.js"
import type { ReferenceParseError } from "./RegistryError.js"

/**
 * A normalised image reference.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reference {
  /** The registry's name, `docker.io` for Docker Hub (not its API host). */
  readonly registry: string
  readonly repository: string
  readonly tag?: string
  readonly digest?: string
}

/**
 * Parses and normalises an image reference.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reference } from "@ociauth/core"
 *
 * Effect.runSync(Reference.parse("alpine"))
 * // { registry: "docker.io", repository: "library/alpine", tag: "latest" }
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Effect.Effect<Reference, ReferenceParseError> => Effect.fromResult(internal.parse(input))

/**
 * The fully qualified form: `docker.io/library/alpine:latest`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (reference: Reference) => string = internal.format

/**
 * The short form people type: `alpine:latest`, `user/app:1`, `ghcr.io/o/r@sha256:…`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const familiar: (reference: Reference) => string = internal.familiar

/**
 * The reference's manifest identifier: its digest when it has one, else its tag.
 *
 * @since 0.1.0
 * @category getters
 */
export const identifier = (reference: Reference): string => reference.digest ?? reference.tag ?? "latest"
