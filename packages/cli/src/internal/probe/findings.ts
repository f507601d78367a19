/**
 * The probe's findings, assembled from its steps: what each answer showed,
 * the refusals and rate limits met, and the quirks they add up to.
 */
import * as Option from "effect/Option"
import type * as Findings from "../../Findings.js"
import type { Capabilities } from "./capabilities.js"
import type { Discovery } from "./discovery.js"
import { refusals } from "./refusal.js"
import { bodyKind } from "./reply.js"
import type { Repository } from "./repository.js"
import { credentialsRefused, type Session } from "./session.js"
import type { TokenEndpoint } from "./tokenEndpoint.js"

/** What each step of a run found. */
export interface Steps {
  readonly discovery: Discovery
  readonly repository: Repository
  readonly tokenEndpoint: TokenEndpoint
  readonly capabilities: Capabilities
  readonly catalog: Findings.Findings["catalog"]
}

/** The findings of a run; server text in them is not yet scrubbed of secrets. */
export const assemble = (session: Session, steps: Steps): Findings.Findings => {
  const { discovery, repository, tokenEndpoint, capabilities, catalog } = steps
  const refused = credentialsRefused(session)
  const { root, base, bare, auth } = discovery
  const { origin } = session
  return {
    registry: session.registry,
    origin,
    repository: repository.name,
    identity: session.primary,
    root: { status: root.status, contentType: root.headers["content-type"] ?? null, location: root.headers["location"] ?? null },
    base: { status: base.status, apiVersion: base.headers["docker-distribution-api-version"] ?? null, body: bodyKind(base), withToken: capabilities.baseWithToken },
    bareV2: {
      status: bare.status,
      apiVersion: bare.headers["docker-distribution-api-version"] ?? null,
      body: bodyKind(bare),
      location: bare.headers["location"] ?? null,
      withToken: capabilities.bareWithToken
    },
    challenges: { base: discovery.baseChallenge, catalog: discovery.catalogChallenge, repository: repository.challenge },
    auth: {
      scheme: auth.scheme,
      realm: auth.realm,
      realmElsewhere: auth.realm !== null && URL.canParse(auth.realm, origin) && new URL(auth.realm, origin).origin !== origin,
      realmRefused: auth.realmRefused,
      service: auth.service,
      hostAsService: capabilities.hostAsService
    },
    placeholder: tokenEndpoint.placeholder,
    library: repository.library,
    tokenEndpoint: tokenEndpoint.findings,
    grants: capabilities.grants,
    catalog,
    delete: capabilities.deletion,
    rateLimit: capabilities.rateLimit,
    rateLimited: session.limits,
    tokenRefusals: refusals(session.attempts),
    credentialsRefused: refused,
    quirks: quirksOf(steps, refused)
  }
}

/**
 * The quirks the steps' answers show, in `Findings.quirks`' order. With the credentials refused, none comes from
 * a check made with them (the repository's names, DELETE): what it saw is the refusal, not the registry.
 */
const quirksOf = ({ capabilities, catalog, discovery, repository, tokenEndpoint }: Steps, refused: boolean): ReadonlyArray<Findings.Quirk> => {
  const { baseWithToken, bareWithToken, grants, deletion } = capabilities
  const post = tokenEndpoint.findings.post
  const quirks: Array<Findings.Quirk> = []
  if (!refused && repository.library?.required === true) quirks.push("library-prefix")
  if (tokenEndpoint.placeholder !== null) quirks.push("placeholder-scope")
  if (baseWithToken?.status === 200 && baseWithToken.body === "empty") quirks.push("empty-base-body")
  if (discovery.base.status === 200 && bodyKind(discovery.base) === "empty" && !quirks.includes("empty-base-body")) quirks.push("empty-base-body")
  if (bareWithToken === 404) quirks.push("bare-v2-not-found")
  if (Option.isSome(tokenEndpoint.sample.response) && tokenEndpoint.findings.expiresIn === null) quirks.push("no-expires-in")
  if (grants?.outcome === "denied") quirks.push("denied-not-narrowed")
  if (catalog.supported === "no" && discovery.catalogChallenge.status === 401) quirks.push("catalog-unsupported")
  if (!refused && deletion?.supported === "no") quirks.push("delete-unsupported")
  if (post !== null && (post === 404 || post === 405)) quirks.push("token-get-only")
  return quirks
}
