/**
 * What `docker-credential-ociauth` says about itself: the usage docker's
 * helpers print for an unknown verb, and the help of `--help`.
 */
import * as sources from "./sources.js"

/** Whether a verb reads standard input (`get`, `store`, `erase`): the others never wait on a terminal. */
export const readsInput = (verb: string | undefined): boolean => verb === "get" || verb === "store" || verb === "erase"

/** The usage docker's helpers print for an unknown verb. */
export const usage = `Usage: ${sources.executable} <store|get|erase|list|version>`

/** What `--help` (`-h`, `help`) prints: the verbs, their standard input and output, the configuration, the docs. */
export const help = `${usage}

docker's credential-helper protocol, answered from what the ociauth SDK knows: your logins, the
environment (OCIAUTH_*), docker's and podman's files, and the cloud identity of ECR, ECR Public, ACR
and GAR. Docker, podman, skopeo and buildah run it; you rarely need to.

Commands (standard input → standard output):
  get       the server URL          → {"ServerURL","Username","Secret"}, or
                                      "credentials not found in native keychain" (exit 1)
  store     {"ServerURL","Username","Secret"} → nothing (keeps the login, sealed)
  erase     the server URL          → nothing (forgets the login and any cached cloud answer)
  list      nothing                 → {"<server>": "<username>"} of the logins kept
  version   nothing                 → the version

Configure docker (~/.docker/config.json): "credHelpers": {"<host>": "ociauth"} or "credsStore": "ociauth".
Hosts the adapters do not know by name: ~/.config/ociauth/hosts.json ($OCIAUTH_HOSTS_FILE).
On failure: one line without a secret, exit 1.
Docs: the README of @ociauth/cli (npm), and docs/credential-helper.md in the ociauth repository.
`

