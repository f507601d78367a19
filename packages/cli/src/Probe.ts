/**
 * `ociauth probe`: the seed documents' investigation, automated for any
 * registry. Over raw HTTP (the `HttpClient` in context, which must not follow
 * redirects: the probe sees every status), it asks the root, `/v2/` and `/v2`,
 * `_catalog` and a repository, anonymously and with the credentials given; it
 * reads every challenge; it asks the token endpoint with GET and the OAuth2
 * POST, with the challenge's service and with the registry's host, for the
 * placeholder scope and for more than it may have; it HEADs a manifest (rate
 * limits) and DELETEs a manifest digest that does not exist. Nothing is ever
 * written or deleted. The answers become `Findings`; every exchange is kept
 * for the `Transcript`. Every `429` met is read as the SDK reads it
 * (`Unstable.rateLimitedFrom`: Docker Hub's pull limit, its HAP429 abuse
 * protection, a service's throttling; when to retry, how to raise it), and
 * every token refusal as the SDK would word it (`TokenRequestError`'s reason
 * and the server's words, whatever the body's shape); no secret in either.
 * Each request has the SDK's deadline (`Options.deadline`, 30 s): a registry
 * that lets one pass without an answer ends the probe with `RegistryTimeout`.
 *
 * @since 0.2.0
 */
import type { Credential } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import type { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type * as Findings from "./Findings.js"
import * as internal from "./internal/probe.js"
import { ProbeError } from "./internal/probeError.js"
import type { Exchange } from "./Transcript.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** `host[:port]` (Docker Hub's names map to registry-1.docker.io) or an origin URL. */
  readonly registry: string
  /** A repository to probe (`library/python`, `python`, `owner/app`): most findings need one. */
  readonly repository?: string
  /** Credentials to probe with besides anonymous access: `Basic` or `IdentityToken`. */
  readonly credential?: Credential.Credential
  /** Plain HTTP for a host given without a scheme. */
  readonly insecure?: boolean
  /** Called as each step starts, for a progress indicator. */
  readonly onStep?: (title: string) => Effect.Effect<void>
  /**
   * The time each of the probe's requests has for its answer (status, headers and the body read), as
   * `RegistryClient.Options.deadline` for a request of the SDK; default 30 seconds, the SDK's. The first
   * request without an answer by then ends the probe with `RegistryTimeout`: a registry that accepts
   * connections and never answers is given up after one deadline. The probe retries nothing.
   *
   * @since 1.0.0
   */
  readonly deadline?: RegistryClient.Options["deadline"]
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Result {
  readonly findings: Findings.Findings
  readonly exchanges: ReadonlyArray<Exchange>
  /** Every secret the probe sent or received, for `Transcript.format` to scrub. */
  readonly secrets: ReadonlyArray<string>
}

export {
  /**
   * The registry could not be probed: it did not answer (`Network`), or what
   * was given is not a registry (`Usage`).
   *
   * @since 0.2.0
   * @category errors
   */
  ProbeError
}

/**
 * The digest `DELETE` is probed with: no registry holds it.
 *
 * @since 0.2.0
 * @category constants
 */
export const absentDigest: string = internal.ABSENT_DIGEST

/**
 * Runs the investigation. It fails with `ProbeError` when the registry cannot
 * be probed, and with `RegistryTimeout` (`@ociauth/fetch`) when one of its
 * requests got no answer within `Options.deadline`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const run: (options: Options) => Effect.Effect<Result, ProbeError | RegistryClient.RegistryTimeout, HttpClient.HttpClient> =
  internal.run
