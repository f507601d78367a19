import * as Result from "effect/Result"
import type * as Reference from "../Reference.js"
import { ReferenceParseError } from "../RegistryError.js"
import { redactUrl } from "./errorBody.js"

export const DOCKER_HUB = "docker.io"
const LEGACY_DOCKER_HUB = "index.docker.io"
const OFFICIAL_NAMESPACE = "library"
const MAX_NAME_LENGTH = 255

// distribution/reference grammar
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const IPV6 = /^\[[a-fA-F0-9:.]+\]$/
const PORT = /^[0-9]+$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/
const HEX = /^[a-f0-9]+$/
// docker's anchoredIdentifierRegexp: an image ID, never a name; with its algorithm, as `docker images --digests` prints it
/**
 * A bare 64-hex image ID, refused as distribution's `ParseNormalizedNamed` refuses
 * it. `sha256:<64 hex>` is not one: distribution and containers/image read it as
 * repository `sha256` with that tag (`docker.io/library/sha256:<hex>`), and so do we.
 */
const IMAGE_ID = /^[a-f0-9]{64}$/
const URL_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//

const validDomain = (domain: string): string | undefined => {
  let host = domain
  const colon = domain.lastIndexOf(":")
  const bracket = domain.lastIndexOf("]")
  if (colon > bracket) {
    const port = domain.slice(colon + 1)
    if (!PORT.test(port) || Number(port) > 65535) return `invalid port in registry ${JSON.stringify(domain)}`
    host = domain.slice(0, colon)
  }
  if (host.startsWith("[")) return IPV6.test(host) ? undefined : `invalid IPv6 address ${JSON.stringify(host)}`
  const components = host.split(".")
  return components.every((c) => DOMAIN_COMPONENT.test(c)) ? undefined : `invalid registry host ${JSON.stringify(host)}`
}

export const validateDigest = (digest: string): string | undefined => {
  const match = DIGEST.exec(digest)
  if (match === null) return `invalid digest ${JSON.stringify(digest)}`
  const [, algorithm, encoded] = match
  const expected = algorithm === "sha256" ? 64 : algorithm === "sha512" ? 128 : undefined
  if (expected !== undefined && (encoded!.length !== expected || !HEX.test(encoded!))) {
    return `invalid ${algorithm} digest: expected ${expected} lower-case hex characters`
  }
  return undefined
}

/** docker's rule: the first component is a registry when it has a "." or ":", is "localhost", or has upper case. */
const domainOf = (name: string): string | undefined => {
  const slash = name.indexOf("/")
  if (slash === -1) return undefined
  const first = name.slice(0, slash)
  return first.includes(".") || first.includes(":") || first === "localhost" || first.toLowerCase() !== first
    ? first
    : undefined
}

/** docker's splitDockerDomain, with its Docker Hub normalisation. */
const splitDomain = (name: string): readonly [string, string] => {
  const first = domainOf(name)
  let domain = first ?? DOCKER_HUB
  let remainder = first === undefined ? name : name.slice(first.length + 1)
  if (domain === LEGACY_DOCKER_HUB) domain = DOCKER_HUB
  if (domain === DOCKER_HUB && !remainder.includes("/")) remainder = `${OFFICIAL_NAMESPACE}/${remainder}`
  return [domain, remainder]
}

/** A repository path (`team/app`): lower-case components of the distribution grammar, at most 255 characters. */
const validatePath = (path: string): string | undefined => {
  if (path.length > MAX_NAME_LENGTH) return `repository name longer than ${MAX_NAME_LENGTH} characters`
  for (const component of path.split("/")) {
    if (PATH_COMPONENT.test(component)) continue
    if (PATH_COMPONENT.test(component.toLowerCase())) return "repository name must be lower-case"
    return `invalid repository path component ${JSON.stringify(component)}`
  }
  return undefined
}

/**
 * A repository name as scopes carry it: a path, optionally after a registry
 * host (`localhost:5000/team/app`), as the distribution grammar has it. The
 * reason it is invalid, or undefined.
 */
export const validateRepositoryName = (name: string): string | undefined => {
  if (name === "") return "empty repository name"
  const domain = domainOf(name)
  if (domain === undefined) return validatePath(name)
  return validDomain(domain) ?? validatePath(name.slice(domain.length + 1))
}

/** Inputs that are something else than a reference, with what to type instead. */
const notAReference = (input: string): ReferenceParseError | undefined => {
  if (IMAGE_ID.test(input)) {
    return new ReferenceParseError({
      input,
      reason: "invalid repository name: cannot specify 64-byte hexadecimal strings (an image ID is not a reference; " +
        "to pin content, add a digest to a name: name@sha256:<hex>)"
    })
  }
  if (URL_SCHEME.test(input)) {
    let suggestion: string | undefined
    let shown = input.slice(0, input.indexOf("://") + 3) + "…"
    try {
      const url = new URL(input)
      // Never echo userinfo, query or fragment: they may hold credentials.
      shown = redactUrl(url)
      const path = url.pathname.replace(/\/+$/, "")
      suggestion = url.host === "" ? undefined : `${url.host}${path}`
    } catch {
      // not even a URL: say what it looks like all the same
    }
    return new ReferenceParseError({
      input: shown.slice(0, 512),
      reason: `a URL is not an image reference: drop the scheme${suggestion === undefined ? "" : ` (${JSON.stringify(suggestion)})`}`
    })
  }
  return undefined
}

export const parse = (input: string): Result.Result<Reference.Reference, ReferenceParseError> => {
  const fail = (reason: string) => Result.fail(new ReferenceParseError({ input: input.slice(0, 512), reason }))
  if (input.length === 0) return fail("empty reference")
  if (input.length > 1024) return fail("longer than 1024 characters")
  const other = notAReference(input)
  if (other !== undefined) return Result.fail(other)
  let rest = input
  let digest: string | undefined
  const at = rest.indexOf("@")
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    const invalid = validateDigest(digest)
    if (invalid !== undefined) return fail(invalid)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(":")
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) return fail(`invalid tag ${JSON.stringify(tag)}`)
  }
  if (rest === "") return fail("missing repository name")
  const [registry, repository] = splitDomain(rest)
  const domainError = validDomain(registry)
  if (domainError !== undefined) return fail(domainError)
  const pathError = validatePath(repository)
  if (pathError !== undefined) return fail(pathError)
  return Result.succeed({
    registry,
    repository,
    ...(tag === undefined && digest === undefined ? { tag: "latest" } : tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest })
  })
}

export const format = (ref: Reference.Reference): string =>
  `${ref.registry}/${ref.repository}${ref.tag === undefined ? "" : `:${ref.tag}`}${
    ref.digest === undefined ? "" : `@${ref.digest}`
  }`

export const familiar = (ref: Reference.Reference): string => {
  let name = `${ref.registry}/${ref.repository}`
  // Drop docker.io/ only when the rest cannot be read as a registry (`docker.io/a.b/app` stays whole).
  if (ref.registry === DOCKER_HUB && domainOf(ref.repository) === undefined) {
    name = ref.repository.startsWith(`${OFFICIAL_NAMESPACE}/`) && ref.repository.split("/").length === 2
      ? ref.repository.slice(OFFICIAL_NAMESPACE.length + 1)
      : ref.repository
  }
  return `${name}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`
}
