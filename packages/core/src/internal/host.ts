/** Registry hosts as docker keys them, and docker's identity-token username. */

/**
 * The username docker's convention puts beside an identity token: in credential
 * helpers' answers (`Username: "<token>"`) and as the Basic username when a token
 * endpoint is asked for one by GET.
 */
export const identityTokenUsername = "<token>"

const DOCKER_HUB_KEYS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.docker.io"])

/**
 * Normalises a credential key the way docker does: a URL key
 * (`https://index.docker.io/v1/`, `http://host:5000/v2/`) becomes its `host[:port]`,
 * every Docker Hub host becomes `docker.io`, and hosts are lower-cased. Keys are
 * then compared exactly — never by prefix or suffix.
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizeHost = (key: string): string => {
  let host = key.trim()
  const scheme = host.indexOf("://")
  if (scheme !== -1) host = host.slice(scheme + 3)
  const slash = host.indexOf("/")
  if (slash !== -1) host = host.slice(0, slash)
  host = host.toLowerCase()
  return DOCKER_HUB_KEYS.has(host) ? "docker.io" : host
}
