/**
 * The probe's repository step: the repository's challenge, whether Docker
 * Hub's `library/` prefix is needed (a bare name and its prefixed form are
 * both tried), the token that lists its tags, and a tag to HEAD.
 */
import type { RegistryClient } from "@ociauth/fetch"
import * as Effect from "effect/Effect"
import type * as Findings from "../../Findings.js"
import { challengeOf, type Auth } from "./discovery.js"
import { send } from "./exchange.js"
import type { Session } from "./session.js"
import * as Token from "./token.js"

export interface Repository {
  /** The name that answered, else the last one tried; `null` when no repository was given. */
  readonly name: string | null
  /** The challenge of the first name tried. */
  readonly challenge: Findings.ChallengeSeen | null
  readonly library: Findings.Findings["library"]
  /** The token that listed the tags. */
  readonly token: Token.Issued | null
  /** The first tag listed, when it is one a URL may carry. */
  readonly tag: string | null
}

/** A tag as the distribution spec writes it: a tag list's first entry is used in a URL only when it is one. */
const TAG = /^[\w][\w.-]{0,127}$/

const none: Repository = { name: null, challenge: null, library: null, token: null, tag: null }

/** The names to try for what the user typed: `python` and `library/python`, either way round for Docker Hub's. */
const candidatesOf = (given: string): ReadonlyArray<string> => {
  const parts = given.split("/")
  return parts.length === 1 ? [given, `library/${given}`] : parts.length === 2 && parts[0] === "library" ? [parts[1]!, given] : [given]
}

const firstTag = (text: string): string | null => {
  try {
    const first: unknown = ((JSON.parse(text) as { tags?: Array<unknown> }).tags ?? [])[0]
    return typeof first === "string" && TAG.test(first) ? first : null
  } catch {
    return null
  }
}

/** Lists the tags of each candidate name, anonymously (for its challenge) and with a pull token. */
export const probe = (session: Session, auth: Auth, repository: string | undefined): Effect.Effect<Repository, RegistryClient.RegistryTimeout> =>
  Effect.gen(function* () {
    if (repository === undefined || repository === "") return none
    const given = repository.replace(/^\/+|\/+$/g, "")
    const candidates = candidatesOf(given)
    yield* session.step(`the repository ${given}`)
    const statuses: Array<number | null> = []
    let challenge: Findings.ChallengeSeen | null = null
    let listed: Pick<Repository, "name" | "token" | "tag"> | null = null
    for (const [i, name] of candidates.entries()) {
      const anonymous = yield* send(session, `Get the /v2/${name}/tags/list endpoint`, "GET", `${session.origin}/v2/${name}/tags/list`)
      if (i === 0) challenge = yield* challengeOf(anonymous)
      const issued = yield* Token.request(session, auth, { title: `Authenticate for repository:${name}:pull`, scopes: [`repository:${name}:pull`], identity: session.primary })
      const tags = yield* send(session, `List the tags of ${name}`, "GET", `${session.origin}/v2/${name}/tags/list`, Token.authorization(session, auth, issued))
      statuses.push(tags.status)
      if (tags.status === 200 && listed === null) listed = { name, token: issued, tag: firstTag(tags.text) }
    }
    return {
      name: listed?.name ?? candidates[candidates.length - 1]!,
      challenge,
      library: candidates.length === 2 ? { bare: statuses[0] ?? null, prefixed: statuses[1] ?? null, required: statuses[0] !== 200 && statuses[1] === 200 } : null,
      token: listed?.token ?? null,
      tag: listed?.tag ?? null
    }
  })
