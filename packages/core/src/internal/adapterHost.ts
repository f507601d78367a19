/**
 * The hosts an adapter declares (`RegistryAdapter.make`'s `hosts`, `retarget`'s
 * `extraHosts`), in the form the engine matches: the `host` of a request's URL
 * (`host[:port]`, lower-case, without https' default port 443, IDNs in punycode).
 * Matching is exact, so an entry that is no bare host (a URL, a path, a
 * trailing dot, a wildcard) could never match: it is refused with the spelling
 * to write instead.
 */

/** `text` quoted for a message, at most `max` characters of it (a file's or a caller's text may be huge). */
export const quote = (text: string, max = 100): string => JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text)

/** What a request to `https://<host>/` names, or `undefined` when `host` is no bare `host[:port]` (port 0 none names). */
export const canonicalHost = (host: string): string | undefined => {
  if (!/^[^\s/\\?#@*]+$/.test(host)) return undefined
  let url: URL
  try {
    url = new URL(`https://${host}/`)
  } catch {
    return undefined
  }
  return url.hostname === "" || url.hostname.endsWith(".") || url.port === "0" ? undefined : url.host
}

/** The host `entry` most likely means: its scheme, userinfo, path or trailing dot dropped. */
const suggestion = (entry: string): string | undefined => {
  const bare = entry
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/^[^/@]*@/, "")
    .replace(/[/\\?#].*$/, "")
    .replace(/\.(?=:\d*$|$)/, "")
  return bare === "" ? undefined : canonicalHost(bare)
}

/** Why `entry` is not a host, and what to write: the message of the error `make` throws, and of a host configuration's refusal. */
export const problem = (entry: string): string => {
  const quoted = quote(entry)
  if (/:0+$/.test(entry.trim())) return `${quoted} has port 0, which no request names`
  if (entry.includes("*")) return `${quoted} is a pattern; hosts match exactly: list each host, or give \`matches\` a predicate`
  const write = suggestion(entry)
  const instead = write === undefined ? "write a host[:port] such as \"registry.corp.example\"" : `write ${JSON.stringify(write)}`
  if (/:443$/.test(entry.trim()) && write !== undefined) return `${quoted}: 443 is https' default port, which requests do not name; write ${JSON.stringify(write)}`
  if (/^https?:\/\//i.test(entry.trim())) {
    const http = /^http:/i.test(entry.trim()) ? " (hosts carry no scheme: for a plain-HTTP API give `origin` too)" : ""
    return `${quoted} is a URL, not a host; ${instead}${http}`
  }
  return `${quoted} is not a host[:port] (no scheme, path, trailing dot or space); ${instead}`
}

/**
 * The entries in the engine's form; throws an `Error` naming the adapter, the
 * field and the entry, with the host to write, for an entry that could never match.
 */
export const canonicalHosts = (owner: string, field: string, hosts: ReadonlyArray<string>): ReadonlyArray<string> =>
  hosts.map((entry) => {
    const host = canonicalHost(entry)
    if (host === undefined) throw new Error(`${owner}: ${field}: ${problem(entry)}`)
    return host
  })

/** Whether `host` (a request's `host[:port]`, any case, `:443` or not) is one of `hosts` (canonical). */
export const hostMatcher = (hosts: ReadonlyArray<string>) => (host: string): boolean => {
  const key = host.toLowerCase()
  return hosts.includes(key) || (key.endsWith(":443") && hosts.includes(key.slice(0, -4)))
}
