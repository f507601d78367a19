/**
 * `ociauth probe`'s run, one step after another: each step is a module of
 * `./probe/` (discovery, repository, token endpoint, capabilities, catalog),
 * sharing the run's `Session` (its exchanges, secrets, limits and attempts).
 */
import * as Unstable from "@ociauth/core/Unstable"
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import type { HttpClient } from "effect/http"
import type * as Probe from "../Probe.js"
import * as Capabilities from "./probe/capabilities.js"
import * as Catalog from "./probe/catalog.js"
import * as Discovery from "./probe/discovery.js"
import { assemble } from "./probe/findings.js"
import * as Repository from "./probe/repository.js"
import * as Session from "./probe/session.js"
import * as TokenEndpoint from "./probe/tokenEndpoint.js"
import * as Sanitize from "./sanitize.js"
import type { ProbeError } from "./probeError.js"

export { ABSENT_DIGEST } from "./probe/capabilities.js"
export { DEFAULT_DEADLINE, originOf } from "./probe/session.js"

export const run = (options: Probe.Options): Effect.Effect<Probe.Result, ProbeError | RegistryClient.RegistryTimeout, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const session = yield* Session.make(options)
    const discovery = yield* Discovery.discover(session)
    const repository = yield* Repository.probe(session, discovery.auth, options.repository)
    const tokenEndpoint = yield* TokenEndpoint.probe(session, discovery, repository)
    const capabilities = yield* Capabilities.probe(session, discovery.auth, repository, tokenEndpoint.noScope)
    const catalog = yield* Catalog.probe(session, discovery, repository, tokenEndpoint.placeholderScope)
    const findings = assemble(session, { discovery, repository, tokenEndpoint, capabilities, catalog })
    const { exchanges, secrets } = session
    // Findings hold server text (challenge parameters, error codes, headers, token fields): no secret in any form.
    return { findings: Sanitize.deep(findings, (text) => Unstable.redact(text, secrets)), exchanges, secrets }
  })
