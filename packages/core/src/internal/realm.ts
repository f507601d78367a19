/**
 * Where credentials may go: address classification and the realm rule.
 *
 * For the engine and the runtime (signatures, not code):
 *
 * ```
 * validateRealm(realm: string, registryOrigin: string, options?: RealmOptions): Result<URL, RealmRejected>
 * mayUsePlainHttp(url: URL | string, insecure?: InsecureHosts): boolean
 * isInternalAddress(hostname: string): boolean
 * isLoopback(hostname: string): boolean
 *
 * type InsecureHosts = ReadonlySet<string> | ReadonlyArray<string>  // "host" or "host:port", as the user declared them
 * interface RealmOptions { readonly insecure?: InsecureHosts }
 * ```
 *
 * `mayUsePlainHttp` is the one plain-HTTP rule: loopback (by address or by the
 * name `localhost`) or a host the user declared insecure. The runtime asks it
 * for registries, `validateRealm` for realms; pass `validateRealm` the same
 * `insecure` hosts the runtime was given (the two-argument call treats the list
 * as empty).
 *
 * Every check runs on the WHATWG-normalised hostname, so `2130706433`, `0x7f.1`,
 * `0177.0.0.1`, `127.0.0.1.` and `[::ffff:7f00:1]` are all 127.0.0.1.
 */
import * as Result from "effect/Result"
import { RealmRejected } from "../RegistryError.js"
import { redactUrl } from "./errorBody.js"

/** Hosts the user declared reachable over plain HTTP: `host` or `host:port`. */
export type InsecureHosts = ReadonlySet<string> | ReadonlyArray<string>

export interface RealmOptions {
  /** The runtime's insecure hosts; the realm may use plain HTTP on them. */
  readonly insecure?: InsecureHosts
}

type Octets = readonly [number, number, number, number]

const parseIpv4 = (host: string): Octets | undefined => {
  const parts = host.split(".")
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined
  const octets = parts.map(Number)
  return octets.every((o) => o <= 255) ? (octets as unknown as Octets) : undefined
}

/** Eight 16-bit groups, or undefined. Accepts `::`, an embedded dotted quad and a zone. */
const parseIpv6 = (text: string): ReadonlyArray<number> | undefined => {
  let s = text
  const zone = s.indexOf("%")
  if (zone !== -1) s = s.slice(0, zone)
  const lastColon = s.lastIndexOf(":")
  if (lastColon === -1) return undefined
  if (s.includes(".", lastColon)) {
    const v4 = parseIpv4(s.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
  }
  const halves = s.split("::")
  if (halves.length > 2) return undefined
  const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"))
  const head = groups(halves[0])
  const tail = groups(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined
  return all.map((g) => parseInt(g, 16))
}

const octetsOf = (hi: number, lo: number): Octets => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]

/** Addresses no registry's realm should send us to unless the registry lives there itself. */
const isInternalIpv4 = ([a, b, c]: Octets): boolean =>
  a === 0 || // "this network", 0.0.0.0
  a === 10 || // private
  (a === 100 && b >= 64 && b <= 127) || // CGNAT (Alibaba's metadata at 100.100.100.200)
  a === 127 || // loopback
  (a === 169 && b === 254) || // link-local (cloud metadata at 169.254.169.254)
  (a === 172 && b >= 16 && b <= 31) || // private
  (a === 192 && b === 0 && c === 0) || // IETF protocol assignments (Oracle's metadata at 192.0.0.192)
  (a === 192 && b === 168) || // private
  (a === 198 && (b === 18 || b === 19)) || // benchmarking
  a >= 224 // multicast, reserved, broadcast

const zeros = (g: ReadonlyArray<number>, from: number, to: number): boolean => {
  for (let k = from; k < to; k++) if (g[k] !== 0) return false
  return true
}

/** An IPv4 address embedded in an IPv6 one by a translation or tunnelling scheme. */
const embeddedIpv4 = (g: ReadonlyArray<number>): Octets | undefined => {
  if (zeros(g, 0, 5) && g[5] === 0xffff) return octetsOf(g[6]!, g[7]!) // mapped ::ffff:a.b.c.d
  if (zeros(g, 0, 4) && g[4] === 0xffff && g[5] === 0) return octetsOf(g[6]!, g[7]!) // translated ::ffff:0:a.b.c.d
  if (zeros(g, 0, 6)) return octetsOf(g[6]!, g[7]!) // compatible ::a.b.c.d (and :: and ::1)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(g, 2, 6)) return octetsOf(g[6]!, g[7]!) // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return octetsOf(g[1]!, g[2]!) // 6to4 2002:aabb:ccdd::/48
  return undefined
}

const isInternalIpv6 = (g: ReadonlyArray<number>): boolean => {
  if (zeros(g, 0, 7) && (g[7] === 0 || g[7] === 1)) return true // :: and ::1
  const v4 = embeddedIpv4(g)
  if (v4 !== undefined) return isInternalIpv4(v4)
  const first = g[0]!
  if (first === 0x64 && g[1] === 0xff9b && g[2] === 1) return true // local-use NAT64 64:ff9b:1::/48
  if (first === 0x2001 && g[1] === 0) {
    // Teredo 2001:0::/32: the server's IPv4, then the client's, inverted
    return isInternalIpv4(octetsOf(g[2]!, g[3]!)) || isInternalIpv4(octetsOf(g[6]! ^ 0xffff, g[7]! ^ 0xffff))
  }
  return (
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xffc0) === 0xfec0 || // site-local fec0::/10 (deprecated, still routed on some networks)
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7 (AWS metadata at fd00:ec2::254)
    (first & 0xff00) === 0xff00 // multicast
  )
}

/**
 * A hostname as a WHATWG URL serialises it (lower case, IPv4 in dotted
 * decimal, IPv6 compressed hex in brackets); the input itself when it is not a
 * valid host.
 */
const canonicalHostname = (hostname: string): string => {
  const raw = hostname.trim()
  if (raw === "" || /[/?#@\\\s]/.test(raw)) return raw.toLowerCase()
  const bracketed = raw.includes(":") && !raw.startsWith("[") ? `[${raw}]` : raw
  try {
    return new URL(`http://${bracketed}/`).hostname
  } catch {
    return raw.toLowerCase()
  }
}

type Host =
  | { readonly _tag: "Name"; readonly name: string } // lower case, no trailing dot
  | { readonly _tag: "Ipv4"; readonly octets: Octets }
  | { readonly _tag: "Ipv6"; readonly groups: ReadonlyArray<number> }

const classify = (hostname: string): Host => {
  const host = canonicalHostname(hostname)
  const inner = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  if (inner.includes(":")) {
    // a zone (`fe80::1%eth0`) makes WHATWG refuse the host; the address is read all the same
    const groups = parseIpv6(inner)
    if (groups !== undefined) return { _tag: "Ipv6", groups }
  }
  const octets = parseIpv4(host)
  if (octets !== undefined) return { _tag: "Ipv4", octets }
  return { _tag: "Name", name: host.endsWith(".") ? host.slice(0, -1) : host }
}

/**
 * Loopback by definition: 127.0.0.0/8, `::1`, `::ffff:127.x.x.x`, and the
 * names `localhost` and `localhost.`. Subdomains of `localhost` are not here:
 * Node resolves names with the system resolver, which may ask DNS for them, so
 * they are internal (see `isInternalAddress`) but never loopback.
 */
export const isLoopback = (hostname: string): boolean => {
  const host = classify(hostname)
  switch (host._tag) {
    case "Name":
      return host.name === "localhost"
    case "Ipv4":
      return host.octets[0] === 127
    case "Ipv6": {
      const g = host.groups
      if (zeros(g, 0, 7) && g[7] === 1) return true
      return zeros(g, 0, 5) && g[5] === 0xffff && g[6]! >> 8 === 127
    }
  }
}

/**
 * Where a realm must not point unless it is the registry's own host: loopback,
 * private, link-local, CGNAT, unspecified, multicast and reserved IPv4; `::`,
 * `::1`, link-local, site-local, unique-local and multicast IPv6; IPv6 forms
 * that embed an internal IPv4 (mapped, translated, compatible, NAT64, 6to4,
 * Teredo) and the local-use NAT64 prefix; and the names `localhost` and
 * `*.localhost` (RFC 6761), with or without a trailing dot.
 */
export const isInternalAddress = (hostname: string): boolean => {
  const host = classify(hostname)
  switch (host._tag) {
    case "Name":
      return host.name === "localhost" || host.name.endsWith(".localhost")
    case "Ipv4":
      return isInternalIpv4(host.octets)
    case "Ipv6":
      return isInternalIpv6(host.groups)
  }
}

/**
 * Names that only a private network answers: single-label names (resolved
 * through the machine's search domains: `metadata` on GCE, a compose service,
 * `kubernetes`), `*.internal` (ICANN's private-use TLD; cloud metadata such as
 * `metadata.google.internal`, `*.ec2.internal`), `*.local` (mDNS, RFC 6762) and
 * the other names RFC 6762 (appendix G) lists as used privately (`*.localdomain`,
 * `*.lan`, `*.home`, `*.corp`, `*.intranet`, `*.private`), `*.home.arpa`
 * (RFC 8375) and Kubernetes' `*.svc`. `localhost` is loopback, not here.
 */
export const isPrivateUseName = (hostname: string): boolean => {
  const host = classify(hostname)
  if (host._tag !== "Name" || host.name === "localhost") return false
  return !host.name.includes(".") || /\.(internal|local|localdomain|lan|home|corp|intranet|private|home\.arpa|svc)$/.test(host.name)
}

/**
 * Names of a cloud's instance metadata service, a cluster's API server or a
 * container host's gateway, wherever they resolve: never a realm, unless they
 * are the registry's own host.
 */
const SENSITIVE_NAMES: ReadonlySet<string> = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
  "host.docker.internal",
  "gateway.docker.internal",
  "host.containers.internal"
])

const isSensitiveName = (hostname: string): boolean => {
  const host = classify(hostname)
  return host._tag === "Name" && SENSITIVE_NAMES.has(host.name)
}

/** `host[:port]` as an http URL serialises it, without a trailing dot on the name. */
const hostKey = (host: string): string | undefined => {
  let url: URL
  try {
    url = new URL(`http://${host.trim()}/`)
  } catch {
    return undefined
  }
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    return undefined
  }
  const name = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname
  return url.port === "" ? name : `${name}:${url.port}`
}

/**
 * Whether `url`'s host may receive credentials over plain HTTP: it is loopback
 * (see `isLoopback`) or the user declared it insecure (`host` or `host:port`,
 * compared after normalisation, the port as the URL has it). The scheme of
 * `url` is not looked at: an https URL needs no permission.
 */
export const mayUsePlainHttp = (url: URL | string, insecure: InsecureHosts = []): boolean => {
  let parsed: URL
  try {
    parsed = typeof url === "string" ? new URL(url) : url
  } catch {
    return false
  }
  if (isLoopback(parsed.hostname)) return true
  const key = hostKey(parsed.host)
  if (key === undefined) return false
  for (const entry of insecure) {
    if (hostKey(entry) === key) return true
  }
  return false
}

/** The same host, or both loopback (one machine: a token server beside a local registry). */
const sameHost = (a: URL, b: URL): boolean =>
  classifiedEqual(classify(a.hostname), classify(b.hostname)) || (isLoopback(a.hostname) && isLoopback(b.hostname))

const classifiedEqual = (a: Host, b: Host): boolean =>
  a._tag === "Name" && b._tag === "Name"
    ? a.name === b.name
    : a._tag === "Ipv4" && b._tag === "Ipv4"
    ? a.octets.every((o, k) => o === b.octets[k])
    : a._tag === "Ipv6" && b._tag === "Ipv6"
    ? a.groups.every((g, k) => g === b.groups[k])
    : false

/**
 * Checks a realm before any credential goes to it. It resolves against the
 * registry origin (so `/token` and `//host/token` are read as a browser would),
 * and then:
 * - is `https`, or `http` only for a registry reached over plain HTTP and only
 *   on a host that `mayUsePlainHttp` allows (or the registry's own origin);
 * - carries no userinfo;
 * - points at an internal address or a loopback name (`isInternalAddress`)
 *   only when that is the registry's own host;
 * - names no cloud metadata service, cluster API server or container gateway
 *   (`metadata`, `instance-data`, `kubernetes.default.svc`, …) unless it is the
 *   registry's own host;
 * - points at a private-use name (`isPrivateUseName`) only for a registry on a
 *   private network itself (such a name, or an internal address that is not
 *   loopback).
 */
export const validateRealm = (
  realm: string,
  registryOrigin: string,
  options: RealmOptions = {}
): Result.Result<URL, RealmRejected> => {
  let origin: URL
  let url: URL
  try {
    origin = new URL(registryOrigin)
    url = new URL(realm, origin)
  } catch {
    return Result.fail(new RealmRejected({ realm: redactUrl(realm), reason: "not a URL" }))
  }
  const reject = (reason: string) => Result.fail(new RealmRejected({ realm: redactUrl(url), reason }))
  if (url.protocol !== "https:" && url.protocol !== "http:") return reject(`scheme ${url.protocol} is not allowed`)
  if (url.username !== "" || url.password !== "") return reject("the realm URL carries userinfo")
  if (url.protocol === "http:") {
    if (origin.protocol !== "http:") return reject("plain-HTTP realm for a registry reached over https")
    // The registry's own origin is already reached over plain HTTP, with the runtime's consent.
    if (url.origin !== origin.origin && !mayUsePlainHttp(url, options.insecure)) {
      return reject(`plain-HTTP realm on ${url.host}, which is neither loopback nor declared insecure`)
    }
  }
  if (isInternalAddress(url.hostname) && !sameHost(url, origin)) {
    return reject("the realm points at an internal address that is not the registry's own")
  }
  // A registry on a private network may send its clients to a token server there; a public one may not,
  // nor one on loopback (a local registry's token server is on loopback too).
  const onPrivateNetwork = isPrivateUseName(origin.hostname) || (isInternalAddress(origin.hostname) && !isLoopback(origin.hostname))
  if (isPrivateUseName(url.hostname) && !onPrivateNetwork) {
    return reject("the realm points at a private-network name (single-label, *.internal, *.local, *.lan, *.svc, *.home.arpa, …) for a registry that is not on one")
  }
  if (isSensitiveName(url.hostname) && !sameHost(url, origin)) {
    return reject("the realm is a cloud metadata, cluster API or container gateway name that is not the registry's own")
  }
  return Result.succeed(url)
}
