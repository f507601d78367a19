/**
 * The probe's catalog step: a token for `_catalog` and the listing it
 * allows, anonymously and with the credentials, and whether the registry
 * serves a catalog at all.
 */
import { Scope } from "@ociauth/core"
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Findings from "../../Findings.js"
import type { Discovery } from "./discovery.js"
import { send } from "./exchange.js"
import type { Repository } from "./repository.js"
import { credentialsRefused, type Session } from "./session.js"
import * as Token from "./token.js"

type Listing = Findings.Findings["catalog"]["anonymous"]

/**
 * Lists the catalog anonymously, then with the credentials. The scope asked for is the catalog challenge's
 * when it is not a repository's, else the repository's, the placeholder, or `registry:catalog:*`.
 */
export const probe = (
  session: Session,
  discovery: Discovery,
  repository: Repository,
  placeholderScope: string | undefined
): Effect.Effect<Findings.Findings["catalog"], RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    yield* session.step("the catalog")
    const challenged = discovery.catalogChallenge.scope
    const scopes = challenged !== null && !challenged.startsWith("repository:")
      ? challenged.split(" ")
      : repository.name !== null ? [`repository:${repository.name}:pull`] : placeholderScope !== undefined ? [placeholderScope] : [Scope.format(Scope.catalog)]
    const anonymous = yield* list(session, discovery, scopes, "anonymous")
    const credentials = session.hasCredentials ? yield* list(session, discovery, scopes, "credentials") : null
    // The credentials tell the catalog is not served only when the catalog itself answered them and they were not
    // refused: refused (or a 401 to them as Basic, which may be the refusal), they tell nothing.
    const told = credentials !== null && credentials.catalogStatus !== null && !credentialsRefused(session) &&
      !(discovery.auth.scheme === "basic" && credentials.catalogStatus === 401)
    const supported: Findings.Findings["catalog"]["supported"] = anonymous.catalogStatus === 200
      ? "yes"
      : credentials?.catalogStatus === 200
        ? "credentials only"
        : told || anonymous.status === 400 || anonymous.status === 404
          ? "no"
          : "unknown"
    return { anonymous, credentials, supported }
  })

/** A token for the catalog, and the catalog's status with it (the anonymous one's where nothing authenticates). */
const list = (session: Session, discovery: Discovery, scopes: ReadonlyArray<string>, identity: "anonymous" | "credentials"): Effect.Effect<Listing, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    const { auth } = discovery
    const issued = yield* Token.request(session, auth, { title: `Authenticate for the catalog (${identity})`, scopes, identity })
    const listed = Option.isSome(issued.value) || (auth.scheme === "basic" && identity === "credentials")
      ? (yield* send(session, `Get the /v2/_catalog endpoint (${identity})`, "GET", `${session.origin}/v2/_catalog?n=5`, Token.authorization(session, auth, issued))).status
      : auth.scheme === "none"
        ? discovery.catalog.status
        : null
    return { ...issued.attempt, catalogStatus: listed }
  })
