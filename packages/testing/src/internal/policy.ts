/**
 * Who may do what on an emulator. Every account owns `<username>/*` (every
 * action there) and has what `grants` give it. Elsewhere: with `accounts:
 * "pullAll"` (distribution) accounts pull everything and list the catalog,
 * anonymous users pull what is not private; otherwise everyone pulls the public
 * repositories that exist.
 */
import type { Profile } from "../Profile.js"
import type { Grant } from "../TokenServer.js"
import type { ContentStore } from "./content.js"
import { grantedActions, matchesPattern } from "./server.js"

export interface Policy {
  /** The actions `subject` (empty for anonymous) may have on a resource: the token server's `authorize`. */
  readonly actions: (subject: string, type: string, name: string) => ReadonlyArray<string>
  /** Whether `subject` may pull `name` (and so see it in a `visible` catalog). */
  readonly maySee: (subject: string, name: string) => boolean
  /** The repository of the profile's `baseScope` (GHCR's placeholder), which accounts may pull. */
  readonly placeholder: string | undefined
}

export const make = (
  profile: Profile,
  content: ContentStore,
  options: { readonly grants?: ReadonlyArray<Grant> | undefined; readonly privateRepositories?: ReadonlyArray<string> | undefined }
): Policy => {
  const grants = options.grants ?? []
  const isPrivate = (name: string) => (options.privateRepositories ?? []).some((p) => matchesPattern(p, name))
  const mayPull = (subject: string, name: string) =>
    content.exists(name) && (!isPrivate(name) || (subject !== "" && name.startsWith(`${subject}/`)))
  const placeholder = profile.baseScope === undefined || profile.baseScope === "" ? undefined : profile.baseScope.split(":")[1]

  const actions = (subject: string, type: string, name: string): ReadonlyArray<string> => {
    const granted = grantedActions(grants, subject, type, name)
    if (type === "registry") return subject !== "" && profile.accounts === "pullAll" ? ["*"] : granted
    if (type !== "repository") return []
    if (subject !== "" && name.startsWith(`${subject}/`)) return ["*"]
    if (subject !== "" && name === placeholder) return ["pull"]
    const pull = profile.accounts === "pullAll" ? subject !== "" || !isPrivate(name) : mayPull(subject, name)
    // Whoever may pull may list the tags, whatever action that takes (ACR's metadata_read).
    return pull ? [...new Set(["pull", profile.tagsAction, ...granted])] : granted
  }
  const maySee = (subject: string, name: string) => actions(subject, "repository", name).some((a) => a === "pull" || a === "*")

  return { actions, maySee, placeholder }
}
