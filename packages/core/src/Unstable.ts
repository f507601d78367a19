/**
 * The plumbing the `@ociauth/*` packages share: the token exchange's and the
 * runtime's HTTP steps, the secret scrubber, error-body readers, the adapter
 * rules the runtime applies. It is for those packages, not for programs:
 * **not covered by semver** — any release may change or remove what is here
 * (as Effect's own `effect/unstable/*`). Import it as
 * `import * as Unstable from "@ociauth/core/Unstable"`; programs use the
 * modules of `@ociauth/core`'s index and the combinators of `RegistryHttp`.
 *
 * @since 1.0.0
 */
export {
  /** Adapter rules the runtime applies: API paths, scopes needed and grantable, capabilities, reauth triggers, page size. */
  apiRoute,
  challengeScopes,
  checkCapabilities,
  clampPageSize,
  defaultTokenRequest,
  isReauthTrigger,
  matchesTrigger,
  operationOf,
  scopesFor,
  unsupported
} from "./internal/adapterRules.js"
export type { Operation } from "./internal/adapterRules.js"
export { formatBearer } from "./internal/challenge.js"
export { dockerConfigPath } from "./internal/credentialFiles.js"
export { obtain as obtainCredential } from "./internal/credentialLookup.js"
export type { SourceAnswer } from "./internal/credentialLookup.js"
export {
  /** Error bodies and URLs as the SDK repeats them, scrubbed. */
  decodeErrorEntries,
  readErrorBody,
  redactUrl,
  refusalReason
} from "./internal/errorBody.js"
export { identityTokenUsername, normalizeHost } from "./internal/host.js"
export {
  /** The HTTP steps of the token exchange and the runtime. */
  CREDENTIAL_HEADERS as credentialHeaders,
  discard,
  hasNoBody,
  makeSender,
  propagating,
  readText,
  withoutAuthorization,
  withoutCredentials
} from "./internal/http.js"
export type { BodyLimits, Send, SenderOptions } from "./internal/http.js"
export { followRedirects, isRedirect } from "./internal/redirects.js"
export type { RedirectOptions } from "./internal/redirects.js"
export { current as currentConfigProvider } from "./internal/liveEnvironment.js"
export { readRateLimited, rateLimitedFrom } from "./internal/rateLimited.js"
export {
  /** The one retry loop: its schedule (with an optional deadline) and its driver. */
  afterFirstFailure,
  schedule as retrySchedule
} from "./internal/retryLoop.js"
export type { LoopOptions as RetryLoopOptions } from "./internal/retryLoop.js"
export { mayUsePlainHttp } from "./internal/realm.js"
export { fromRoute } from "./internal/scope.js"
export {
  /** The one scrubber: every secret the SDK sent, in every form, replaced by `<redacted>`. */
  redact,
  scrub
} from "./internal/secrets.js"
export { isConnectFailure, isTransient, isTransientStatus, parseRetryAfter } from "./internal/transient.js"
export { BAD_PORT, isTlsPlain, isTlsUntrusted, transportCause, transportText } from "./internal/transportFailure.js"
export { TypeId as RegistryErrorTypeId } from "./internal/typeId.js"
