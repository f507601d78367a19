/**
 * An in-process registry that follows the OCI distribution spec (v1.1) — `/v2/`,
 * manifests (GET, HEAD, PUT, DELETE; sha256 and sha512 digests; `subject` and
 * `OCI-Subject`; non-distributable layers), blobs (GET with `Range`, HEAD,
 * DELETE), uploads (monolithic, chunked in order, streamed, progress, cancel,
 * cross-repository mount), tags and catalog with pagination, the referrers API
 * — over in-memory content. It checks the tokens of its own `TokenServer` and
 * answers with the challenges a real registry sends (`scope`,
 * `error="invalid_token"` / `"insufficient_scope"`).
 *
 * Profiles are data (`Profile`): a record per registry says where its token
 * endpoint lives, what its tokens and challenges look like, how it refuses and
 * what it serves. The built-in ones (`profiles/`): `distribution` (the spec, as
 * the CNCF registry implements it), `dockerHub` and `ghcr` (the seed
 * transcripts), `quay`, `gitlab`, `harbor`, `nvcr`, `artifactory`, `zot` (the
 * registry reference). `start({ profile })` takes a name or a record.
 *
 * Fault injection (`faults`) and a request log shared by every server of the
 * emulator (`log`) let tests count round trips and break things on purpose.
 *
 * @since 0.1.0
 */
import { createHmac, randomBytes } from "node:crypto"
import type * as http from "node:http"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Scope as EffectScope } from "effect"
import { Challenge, Scope } from "@ociauth/core"
import * as Route from "@ociauth/core/Route"
import { Faults } from "./Faults.js"
import * as Image from "./Image.js"
import * as ProfileModule from "./Profile.js"
import * as Profiles from "./profiles/index.js"
import * as Blobs from "./internal/blobs.js"
import { ContentStore } from "./internal/content.js"
import * as Digest from "./internal/digest.js"
import * as Manifests from "./internal/manifests.js"
import * as Referrers from "./internal/referrers.js"
import { Uploads } from "./internal/uploads.js"
import { basicCredentials, bearerToken, goJson, grantedActions, listen, matchesPattern, ociError, readBody, scopedOnClock, sendJson } from "./internal/server.js"
import type { Exchange } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"
import * as TokenServer from "./TokenServer.js"

/**
 * A built-in profile's name, or a profile record (`Profile.make`).
 *
 * @since 0.1.0
 * @category models
 */
export type Profile = Profiles.Name | ProfileModule.Profile

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly profile?: Profile
  /**
   * Accounts: username → password. Each owns the namespace `<username>/*`: push
   * and delete only there. Pull: on `distribution`, accounts pull every
   * repository; on the other profiles, public repositories, their own and what
   * `grants` give them.
   */
  readonly users?: Readonly<Record<string, string>>
  /**
   * Access beyond the accounts' own namespaces: project members, robot
   * accounts, read-only CI tokens, admins (`{ account, type: "registry", name: "catalog", actions: ["*"] }`).
   */
  readonly grants?: ReadonlyArray<TokenServer.Grant>
  /** Repositories (exact, `prefix/*`, or `*`) anonymous users may not pull. */
  readonly privateRepositories?: ReadonlyArray<string>
  /** The token service (JWT audience) the registry challenges with and accepts; the profile's by default. */
  readonly service?: string
  /** Token lifetime (also when it is not announced, as on GHCR); the profile's by default. */
  readonly tokenTtl?: Duration.Input
  /** Docker Hub profile: anonymous pulls (manifest GETs) allowed per window and source address. The profile's (100) by default. */
  readonly pullRateLimit?: number
  /** Docker Hub profile: pulls allowed per window to a Personal account. The profile's (200) by default. @since 1.0.0 */
  readonly personalPullRateLimit?: number
  /**
   * Docker Hub profile: the plan of each account (`personal` when left out). Paid plans (`pro`,
   * `team`, `business`) pull without limit and get no `ratelimit-*` headers (docker/docs `pulls.md`).
   * @since 1.0.0
   */
  readonly accountPlans?: Readonly<Record<string, "personal" | "pro" | "team" | "business">>
  /**
   * The address anonymous pulls are counted by (Docker Hub: per IPv4 address or IPv6 /64, see
   * `pullLimitSource`): the connection's remote address by default; a test may read it from a header.
   * @since 1.0.0
   */
  readonly clientAddress?: (request: http.IncomingMessage) => string
  /**
   * When the Basic credentials a registry token is issued on expire (epoch ms): the token dies with
   * them (GAR: `GoogleOAuthServer`'s `expiresAt`, 5 min with Workload Identity Federation).
   * @since 1.0.0
   */
  readonly credentialExpiry?: (username: string, password: string) => number | undefined
  /** Largest upload kept in memory; default 256 MiB. */
  readonly maxUploadBytes?: number
  /** Scopes granted per token at most (silently, the first ones); unlimited by default. */
  readonly maxTokenScopes?: number
  /**
   * Passwords issued by a cloud API (ECR's, from `AwsEcrApi`): accepted as Basic
   * credentials by a `basicOnly` registry (ECR) and by the token endpoint (ECR Public).
   */
  readonly issuedPasswords?: TokenServer.IssuedPasswords
  /**
   * The cloud identity side, for profiles with an `exchange` (ACR): the account
   * an identity token presented to the exchange stands for, or `undefined` when
   * it is not valid (unknown, expired). `EntraStandIn.verify` fits.
   */
  readonly identity?: (token: string) => string | undefined
  /**
   * Basic credentials checked by a function, besides `users` (GAR's
   * `oauth2accesstoken` with a live OAuth2 token: `GoogleOAuthServer.authenticate` fits).
   */
  readonly authenticate?: (username: string, password: string) => string | undefined
  /** Lifetime of the exchange's refresh tokens; the profile's by default. */
  readonly refreshTokenTtl?: Duration.Input
}

/**
 * An image pushed by `pushImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushedImage {
  readonly repository: string
  readonly tag: string
  readonly digest: string
  readonly config: string
  readonly layers: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RegistryEmulator {
  /** The profile's name. */
  readonly profile: string
  /** The profile's record. */
  readonly behaviour: ProfileModule.Profile
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly tokenServer: TokenServer.TokenServer
  /** The challenge the registry sends (without scope): realm and service (as the profile announces it). */
  readonly challenge: Challenge.BearerChallenge
  /** The origin blobs are redirected to (Docker Hub's CDN, GitLab's object storage, GHCR's `pkg-containers.githubusercontent.com`). */
  readonly cdnOrigin: string | undefined
  /** The second realm challenges name once a token has expired (NGC's `authn.nvidia.com`); `undefined` for most profiles. @since 1.0.0 */
  readonly expiredRealm: TokenServer.TokenServer | undefined
  /** Every request to the registry, its token server and its CDN. */
  readonly log: RequestLog
  /** Faults of the registry (the token server has its own: `tokenServer.faults`). */
  readonly faults: Faults
  /** The path before `/v2/` (Artifactory's repository path); `""` for most registries. */
  readonly apiPrefix: string
  /** Stores a blob in a repository; returns its digest. */
  readonly putBlob: (repository: string, bytes: Uint8Array) => string
  /** A blob of `size` bytes generated as it is read (nothing is kept in memory). */
  readonly generateBlob: (repository: string, size: number, seed?: number) => string
  /** Pushes a small image (config + layers + OCI manifest) under a tag. */
  readonly pushImage: (repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>) => PushedImage
  readonly tags: (repository: string) => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const HUB_WINDOW = 21600

/**
 * What Docker Hub counts anonymous pulls by, as its `docker-ratelimit-source`
 * header writes it: an IPv4 address as it is, an IPv6 address as its /64
 * network (`2001:41d0:801:2000::`, docker/hub-feedback#2464).
 *
 * @since 1.0.0
 * @category utils
 */
export const pullLimitSource = (address: string): string => {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (v4 !== null) return v4[1]!
  if (!address.includes(":")) return address
  const [head = "", tail = ""] = address.split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === "" ? [] : tail.split(":")
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left
  const prefix = groups.slice(0, 4).map((g) => (g.replace(/^0+/, "") || "0").toLowerCase())
  while (prefix.length > 0 && prefix[prefix.length - 1] === "0") prefix.pop()
  return `${prefix.join(":")}::`
}

/**
 * Starts an emulator on free loopback ports. `now` gives the time tokens are
 * issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, now: () => number = () => Date.now()): Promise<RegistryEmulator> => {
  const profile = resolveProfile(options.profile)
  const users = options.users ?? {}
  const grants = options.grants ?? []
  const log = new RequestLog()
  const faults = new Faults()
  const content = new ContentStore()
  const uploads = new Uploads(content, options.maxUploadBytes ?? 256 * 1024 * 1024)
  const isPrivate = (name: string) => (options.privateRepositories ?? []).some((p) => matchesPattern(p, name))
  const cdnSecret = randomBytes(32)
  const prefix = profile.apiPrefix
  const pulls = new Map<string, { used: number; windowStart: number }>()

  const mayPull = (subject: string, name: string) =>
    content.exists(name) && (!isPrivate(name) || (subject !== "" && name.startsWith(`${subject}/`)))

  // Every account owns `<username>/*` (every action there) and has what `grants` give it.
  // Elsewhere: with `accounts: "pullAll"` (distribution) accounts pull everything and list
  // the catalog, anonymous users pull what is not private; otherwise everyone pulls the
  // public repositories that exist.
  const placeholder = profile.baseScope === undefined || profile.baseScope === "" ? undefined : profile.baseScope.split(":")[1]
  const policy = (subject: string, type: string, name: string): ReadonlyArray<string> => {
    const granted = grantedActions(grants, subject, type, name)
    if (type === "registry") return subject !== "" && profile.accounts === "pullAll" ? ["*"] : granted
    if (type !== "repository") return []
    if (subject !== "" && name.startsWith(`${subject}/`)) return ["*"]
    if (subject !== "" && name === placeholder) return ["pull"]
    const pull = profile.accounts === "pullAll" ? subject !== "" || !isPrivate(name) : mayPull(subject, name)
    // Whoever may pull may list the tags, whatever action that takes (ACR's metadata_read).
    return pull ? [...new Set(["pull", profile.tagsAction, ...granted])] : granted
  }
  const maySee = (subject: string, name: string) => policy(subject, "repository", name).some((a) => a === "pull" || a === "*")

  const basicAccount = (header: string | undefined): string | undefined => {
    const credentials = profile.basicRealm === undefined ? undefined : basicCredentials(header)
    if (credentials === undefined) return undefined
    if (users[credentials.username] === credentials.password) return credentials.username
    return options.issuedPasswords?.check(credentials.username, credentials.password) === "valid" ? credentials.username : undefined
  }
  const expiredBasic = (header: string | undefined): boolean => {
    const credentials = profile.basicRealm === undefined ? undefined : basicCredentials(header)
    return credentials !== undefined && options.issuedPasswords?.check(credentials.username, credentials.password) === "expired"
  }

  // The registry listens first: a profile's service may name its host (Artifactory).
  let tokens: TokenServer.Endpoint | TokenServer.TokenServer | undefined
  let mounted: TokenServer.Endpoint | undefined
  let second: TokenServer.TokenServer | undefined
  let realm = ""

  /** A challenge in the spec's wording; on an open `/v2/` (`asWritten`), in the profile's own (Zot's `bearer realm=<bare>`). */
  const challengeFor = (scope: string | undefined, error?: string, asWritten = false): string => {
    const params: Record<string, string> = { realm }
    if (profile.challenge.service === true || (profile.challenge.service === "repository" && scope?.startsWith("repository:") === true)) {
      params.service = tokens!.service
    }
    if (scope !== undefined) params.scope = scope
    if (error !== undefined) params.error = error
    let header = Challenge.format({ scheme: "bearer", params })
    if (!asWritten) return header
    if (!profile.challenge.quoteRealm) header = header.replace(`realm=${JSON.stringify(realm)}`, `realm=${realm}`)
    return profile.challenge.scheme === "bearer" ? header.replace(/^Bearer/, "bearer") : header
  }

  const unauthorized = (response: http.ServerResponse, scopes: ReadonlyArray<Scope.Scope>, error?: string, scope?: string) => {
    const detail = scopes.flatMap((s) =>
      s._tag === "Resource" ? s.actions.map((action) => ({ Type: s.type, Class: "", Name: s.name, Action: action })) : []
    )
    const body = profile.errorDetail
      ? ociError("UNAUTHORIZED", "authentication required", detail.length === 0 ? null : detail)
      : { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }
    const wanted = scope ?? (scopes.length === 0 ? undefined : scopes.map(Scope.format).join(" "))
    sendJson(response, 401, body, { "www-authenticate": challengeFor(wanted, error) })
  }

  /** A refusal naming the second realm (NGC's `authn.nvidia.com/token`, `service="registry"`). */
  const unauthorizedSecond = (response: http.ServerResponse, scopes: ReadonlyArray<Scope.Scope>, error: string) => {
    const params: Record<string, string> = { realm: second!.realm, service: second!.service }
    if (scopes.length > 0) params.scope = scopes.map(Scope.format).join(" ")
    params.error = error
    sendJson(response, 401, ociError("UNAUTHORIZED", "authentication required"), {
      "www-authenticate": Challenge.format({ scheme: "bearer", params })
    })
  }

  const unauthorizedBasic = (response: http.ServerResponse) => {
    const basicRealm = typeof profile.basicRealm === "function" ? profile.basicRealm(registry.origin) : profile.basicRealm ?? "registry"
    const params: Record<string, string> = profile.basicChallengeService
      ? { realm: basicRealm, service: tokens!.service }
      : { realm: basicRealm }
    sendJson(response, 401, ociError("UNAUTHORIZED", "authentication required"), {
      "www-authenticate": Challenge.format({ scheme: "basic", params })
    })
  }

  const cdnSignature = (digest: string, expires: number) =>
    createHmac("sha256", cdnSecret).update(`${digest}:${expires}`).digest("base64url")

  const cdn = profile.blobRedirect
    ? await listen({
        name: "cdn",
        log,
        faults: new Faults(),
        handle: async ({ request, response, url }) => {
          if (!url.pathname.startsWith(profile.cdnPath)) return sendJson(response, 404, { code: "NoSuchKey" })
          const digest = decodeURIComponent(url.pathname.slice(profile.cdnPath.length))
          const expires = Number(url.searchParams.get("expires"))
          if (request.headers.authorization !== undefined) {
            return sendJson(response, 400, { code: "InvalidArgument", message: "Only one auth mechanism allowed" })
          }
          if (url.searchParams.get("signature") !== cdnSignature(digest, expires) || expires * 1000 < now()) {
            return sendJson(response, 403, { code: "AccessDenied", message: "Request has expired or is not signed" })
          }
          const blob = content.blobAnywhere(digest)
          if (blob === undefined) return sendJson(response, 404, { code: "NoSuchKey" })
          response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.size) })
          if (request.method === "HEAD") return void response.end()
          await pipeline(Readable.from(blob.chunks()), response)
        }
      })
    : undefined

  const cdnLocation = (digest: string): string | undefined => {
    if (cdn === undefined) return undefined
    const expires = Math.floor(now() / 1000) + 600
    return `${cdn.origin}${profile.cdnPath}${digest}?expires=${expires}&signature=${cdnSignature(digest, expires)}`
  }

  const sourceOf = (request: http.IncomingMessage) =>
    pullLimitSource(options.clientAddress?.(request) ?? request.socket.remoteAddress ?? "127.0.0.1")

  // Docker Hub (docker/docs `pulls.md`): rate-limit headers on manifest GET and HEAD; a GET past
  // the limit of its bucket is refused. Anonymous pulls count per IPv4 address or IPv6 /64,
  // Personal accounts' per account; paid plans pull without limit and without headers.
  const rateLimit = (exchange: Exchange, subject: string): { readonly headers: Record<string, string>; readonly exceeded?: string } => {
    if (!profile.rateLimit) return { headers: {} }
    const plan = subject === "" ? "anonymous" : options.accountPlans?.[subject] ?? "personal"
    if (plan !== "anonymous" && plan !== "personal") return { headers: {} }
    const limit = plan === "anonymous"
      ? options.pullRateLimit ?? profile.pullLimits.anonymous
      : options.personalPullRateLimit ?? profile.pullLimits.personal
    // Counted per address (anonymous) or per account; the header names the address either way, as
    // Docker Hub's answers to an account's token do (seed 000's DELETE).
    const source = sourceOf(exchange.request)
    const key = `${plan}\u0000${plan === "anonymous" ? source : subject}`
    let bucket = pulls.get(key)
    if (bucket === undefined || now() - bucket.windowStart >= HUB_WINDOW * 1000) {
      bucket = { used: 0, windowStart: now() }
      pulls.set(key, bucket)
    }
    const headers = (remaining: number) => ({
      "ratelimit-limit": `${limit};w=${HUB_WINDOW}`,
      "ratelimit-remaining": `${remaining};w=${HUB_WINDOW}`,
      "docker-ratelimit-source": source
    })
    if (exchange.method === "GET") {
      if (bucket.used >= limit) {
        return {
          headers: { ...headers(0), "retry-after": "60" },
          // The 2025 wording for anonymous pulls (docker/hub-feedback#2464); the accounts' wording is
          // the one every report before 2025 quotes (unverified for 2025).
          exceeded: plan === "anonymous"
            ? "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"
            : "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
        }
      }
      bucket.used++
    }
    return { headers: headers(limit - bucket.used) }
  }

  const paginate = (items: ReadonlyArray<string>, url: URL, path: string) => {
    const last = url.searchParams.get("last")
    const n = url.searchParams.has("n") ? Number(url.searchParams.get("n")) : undefined
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) return { error: true as const }
    if (n !== undefined && profile.maxPageSize !== undefined && n > profile.maxPageSize) return { error: "tooLarge" as const }
    const after = last === null ? items : items.filter((item) => item > last)
    const page = n === undefined ? after : after.slice(0, n)
    const more = n !== undefined && after.length > n && page.length > 0
    const link = more ? `<${path}?last=${encodeURIComponent(page[page.length - 1]!)}&n=${n}>; rel="next"` : undefined
    return { error: false as const, page, link }
  }

  // ECR (registry reference §6): n above 1000 is a 405 with the API's validation message.
  const pageTooLarge = (response: http.ServerResponse) =>
    sendJson(response, 405, ociError("UNSUPPORTED", `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to ${profile.maxPageSize}'`))
  // Google's tags/list: every manifest of the repository by digest, with its tags.
  const googleManifests = (name: string) => {
    const manifests: Record<string, unknown> = {}
    for (const manifest of content.manifests(name)) {
      const tags = (content.tags(name) ?? []).filter((tag) => content.manifest(name, tag)?.digest === manifest.digest)
      manifests[manifest.digest] = {
        imageSizeBytes: String(manifest.bytes.byteLength),
        layerId: "",
        mediaType: manifest.mediaType,
        tag: tags,
        timeCreatedMs: "0",
        timeUploadedMs: String(now())
      }
    }
    return manifests
  }

  const unsupported = (response: http.ServerResponse) =>
    sendJson(response, 405, profile.errorDetail ? ociError("UNSUPPORTED", "The operation is unsupported.") : { errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported." }] })

  const serve = async (exchange: Exchange, route: Route.Route, subject: string) => {
    const { request, response, method, url } = exchange
    switch (route._tag) {
      case "Base": {
        request.resume()
        const body = profile.base.body === "empty" ? "" : "{}"
        // Written as it is: Docker Hub's `/v2/` is `{}` without a newline (Content-Length 2, seed 000).
        response.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
        return void response.end(body)
      }
      case "Catalog": {
        if (method !== "GET" && method !== "HEAD") break
        const repositories = profile.catalog === "visible" ? content.catalog().filter((name) => maySee(subject, name)) : content.catalog()
        const result = paginate(repositories, url, `${prefix}/v2/_catalog`)
        if (result.error === "tooLarge") return pageTooLarge(response)
        if (result.error) return sendJson(response, 400, ociError("PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
        return sendJson(response, 200, { repositories: result.page }, result.link === undefined ? {} : { link: result.link })
      }
      case "Tags": {
        if (method !== "GET" && method !== "HEAD") break
        const tags = content.tags(route.name)
        if (tags === undefined) return sendJson(response, 404, ociError("NAME_UNKNOWN", "repository name not known to registry", { name: route.name }))
        const result = paginate(tags, url, `${prefix}/v2/${route.name}/tags/list`)
        if (result.error === "tooLarge") return pageTooLarge(response)
        if (result.error) return sendJson(response, 400, ociError("PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
        const body = profile.googleTagsList
          ? { child: [], manifests: googleManifests(route.name), name: route.name, tags: result.page }
          : { name: route.name, tags: result.page }
        return sendJson(response, 200, body, result.link === undefined ? {} : { link: result.link })
      }
      case "Manifest": {
        if (method === "GET" || method === "HEAD") {
          const { exceeded, headers } = rateLimit(exchange, subject)
          if (exceeded !== undefined) {
            request.resume()
            return sendJson(response, 429, { errors: [{ code: "TOOMANYREQUESTS", message: exceeded }] }, headers)
          }
          return Manifests.serve(exchange, content, route.name, route.reference, { negotiate: profile.negotiateIndex, headers })
        }
        if (method === "PUT") return Manifests.put(exchange, content, route.name, route.reference, prefix)
        if (method === "DELETE") {
          request.resume()
          // Docker Hub (its registry API reference): by digest only, and only a manifest no tag points at.
          if (profile.delete === "untagged") {
            const tagged = (content.tags(route.name) ?? []).some((tag) => content.manifest(route.name, tag)?.digest === route.reference)
            if (!route.reference.includes(":") || tagged) {
              return sendJson(response, 403, ociError("DENIED", "requested access to the resource is denied"))
            }
          }
          if (!content.deleteManifest(route.name, route.reference)) return sendJson(response, 404, ociError("MANIFEST_UNKNOWN", "manifest unknown"))
          response.writeHead(202, { "content-length": "0" })
          return void response.end()
        }
        break
      }
      case "Blob": {
        if (method === "GET" || method === "HEAD") return Blobs.serve(exchange, content, route.name, route.digest, cdnLocation)
        if (method === "DELETE" && profile.delete === "all") {
          request.resume()
          if (!content.deleteBlob(route.name, route.digest)) return sendJson(response, 404, ociError("BLOB_UNKNOWN", "blob unknown to registry"))
          response.writeHead(202, { "content-length": "0" })
          return void response.end()
        }
        break
      }
      case "Upload": {
        if (await uploads.handle(exchange, route.name, route.id, prefix)) return
        break
      }
      case "Referrers": {
        if (method !== "GET") break
        request.resume()
        if (Digest.parse(route.digest)._tag !== "Digest") {
          return sendJson(response, 400, ociError("DIGEST_INVALID", "invalid digest format", route.digest))
        }
        const { body, filtered } = Referrers.index(content.manifests(route.name), route.digest, url.searchParams.get("artifactType"))
        return sendJson(response, 200, body, { "content-type": Referrers.OCI_INDEX, ...(filtered ? { "oci-filters-applied": "artifactType" } : {}) })
      }
    }
    request.resume()
    unsupported(response)
  }

  const notFound = (exchange: Exchange) => {
    exchange.request.resume()
    exchange.response.writeHead(404, { "content-type": "text/plain; charset=utf-8", "content-length": "19" })
    exchange.response.end("404 page not found\n")
  }

  const registry = await listen({
    name: (path) => (mounted !== undefined && path === mounted.path ? "token" : path === profile.exchange ? "exchange" : "registry"),
    log,
    faults,
    handle: async (exchange) => {
      const { request, response, method, url, fault } = exchange
      response.setHeader("docker-distribution-api-version", "registry/2.0")
      if (profile.jsonNewline) goJson(response)
      const path = url.pathname
      if (mounted !== undefined && path === mounted.path) return mounted.handle(exchange)
      if (profile.exchange !== undefined && path === profile.exchange) return exchangeIdentity(exchange)
      const bare = path === `${prefix}/v2`
      const parsed = bare ? Option.some(Route.Base({ prefix })) : Route.parse(path)
      const route = Option.filter(parsed, (r) => r.prefix === prefix)
      if (Option.isNone(route)) return notFound(exchange)
      // Docker Hub names the pull-limit source on every manifest answer, refusals and DELETEs included (seed 000).
      if (profile.rateLimit && route.value._tag === "Manifest") response.setHeader("docker-ratelimit-source", sourceOf(request))
      const needed = route.value._tag === "Catalog"
        ? [Scope.catalog]
        : route.value._tag === "Tags" && profile.tagsAction !== "pull"
          ? [Scope.repository(route.value.name, [profile.tagsAction])]
          : Scope.fromRequest(method, url)
      const atBase = route.value._tag === "Base" || route.value._tag === "Catalog"
      const offered = atBase ? profile.baseScope : undefined

      // Basic credentials on the registry itself (Harbor), and its Basic catalog.
      const basic = basicAccount(request.headers.authorization)
      if (profile.catalog === "basic" && route.value._tag === "Catalog") {
        request.resume()
        if (basic === undefined || !policy(basic, "registry", "catalog").includes("*")) return unauthorizedBasic(response)
        return serve(exchange, route.value, basic)
      }
      if (profile.basicOnly && basic === undefined) {
        request.resume()
        if (profile.expiredCredential !== undefined && expiredBasic(request.headers.authorization)) {
          const { code, message, status } = profile.expiredCredential
          return sendJson(response, status, ociError(code, message))
        }
        return unauthorizedBasic(response)
      }
      if (bare && profile.bareV2 === "spec" && method !== "GET" && method !== "HEAD") {
        request.resume()
        response.writeHead(301, { location: `${prefix}/v2/`, "content-length": "0" })
        return void response.end()
      }
      const presented = bearerToken(request.headers.authorization)
      // A token of the second realm (NGC's authn.nvidia.com) is taken too; its refusals name that realm.
      const fromSecond = presented !== undefined && second !== undefined && second.inspect(presented) !== "unknown"
      const grantee: Option.Option<TokenServer.Grantee> = basic !== undefined
        ? Option.some({ subject: basic, access: [], expiresAt: Infinity })
        : presented === undefined || fault?.expireToken === true
          ? Option.none()
          : fromSecond ? second!.verify(presented) : tokens!.verify(presented)
      if (Option.isNone(grantee)) {
        if (route.value._tag === "Base" && profile.base.open && presented === undefined) {
          response.setHeader("www-authenticate", challengeFor(offered, undefined, true))
          return serve(exchange, route.value, "")
        }
        request.resume()
        const expired = presented !== undefined && (fault?.expireToken === true || fromSecond || tokens!.inspect(presented) === "expired")
        if (second !== undefined && expired) return unauthorizedSecond(response, needed, "invalid_token")
        return unauthorized(response, atBase && offered !== undefined ? [] : needed, presented === undefined ? undefined : "invalid_token", offered)
      }
      const subject = grantee.value.subject
      if (bare && profile.bareV2 === "notFound") {
        request.resume()
        return sendJson(response, 404, ociError("NOT_FOUND", "404 page not found"))
      }
      if (method === "DELETE" && (profile.delete === "none" || (profile.delete !== "all" && route.value._tag === "Blob"))) {
        request.resume()
        return unsupported(response)
      }
      if (route.value._tag === "Catalog") {
        switch (profile.catalog) {
          case "never":
            request.resume()
            return unauthorized(response, needed, "insufficient_scope", offered)
          case "accounts":
            if (subject === "") return unauthorized(response, [], undefined, offered)
            return serve(exchange, route.value, subject)
          case "visible":
            return serve(exchange, route.value, subject)
          default:
            break
        }
      }
      // Basic accounts act with their policy; tokens with what they grant.
      const missing = basic !== undefined
        ? needed.filter((s) => s._tag === "Resource" && !s.actions.every((a) => policy(basic, s.type, s.name).some((g) => g === a || g === "*")))
        : Scope.missing(grantee.value.access, needed)
      if (missing.length > 0) {
        request.resume()
        if (fromSecond) return unauthorizedSecond(response, needed, "insufficient_scope")
        return unauthorized(response, needed, "insufficient_scope")
      }
      return serve(exchange, route.value, subject)
    }
  })
  const host = `127.0.0.1:${registry.port}`

  // The token endpoint: on an origin of its own (Docker Hub's auth.docker.io, GitLab's
  // instance, Zot's issuer), or mounted on the registry (GHCR, Quay, Harbor, …).
  const tokenOptions: TokenServer.Options = {
    service: options.service ?? (typeof profile.service === "string" ? profile.service : profile.service(host)),
    path: profile.realm.path,
    users,
    authorize: policy,
    ttl: options.tokenTtl ?? profile.tokenLifetime,
    omitExpiresIn: !profile.expiresIn,
    tokenFormat: profile.tokenFormat,
    narrowing: profile.narrowing,
    rejectRegistryScopes: profile.rejectRegistryScopes,
    anonymousNeedsScope: profile.anonymousNeedsScope,
    oauth: profile.tokenPost,
    ...(options.maxTokenScopes === undefined ? {} : { maxScopes: options.maxTokenScopes }),
    log,
    ...(options.issuedPasswords === undefined ? {} : { issuedPasswords: options.issuedPasswords }),
    ...(profile.expiredCredential === undefined ? {} : { expiredCredential: profile.expiredCredential }),
    opaqueScopes: profile.opaqueScopes,
    postRefusal: profile.tokenPostRefusal,
    ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
    refusal: profile.tokenRefusal,
    tokenFields: profile.tokenFields,
    postNeedsClientId: profile.postNeedsClientId,
    ...(profile.refreshTokenUsername === undefined ? {} : { refreshTokenUsername: profile.refreshTokenUsername }),
    jsonNewline: profile.jsonNewline,
    omitEmptyAccess: profile.accessWithoutActions === "omit",
    ...(profile.repositoryNames === "namespaced" ? { invalidName: namespacedOnly } : {}),
    ...(profile.anonymousRefusal === "unauthorized"
      ? { anonymousRefusal: (name: string) => (name === placeholder ? 403 as const : 401 as const) }
      : {}),
    ...(profile.pushWithoutPermission === "refuse"
      ? {
          pushRefusal: (_subject: string, name: string): TokenServer.ErrorAnswer => {
            const namespace = name.split("/")[0]!
            const known = users[namespace] !== undefined || content.catalog().some((repository) => repository.split("/")[0] === namespace)
            return { status: 405, code: "UNSUPPORTED", message: known ? "No permission to modify repository" : "Unknown namespace", detail: {} }
          }
        }
      : {}),
    ...(options.credentialExpiry === undefined ? {} : { credentialExpiry: options.credentialExpiry })
  }
  mounted = profile.realm.origin === "registry" ? TokenServer.endpoint(tokenOptions, now) : undefined
  const separate = mounted === undefined ? await TokenServer.start(tokenOptions, now) : undefined
  tokens = mounted ?? separate!
  second = profile.expiredRealm === undefined
    ? undefined
    : await TokenServer.start({
        service: profile.expiredRealm.service,
        path: profile.expiredRealm.path,
        issuer: "ociauth-test-second-realm",
        name: "token2",
        users,
        authorize: policy,
        ttl: options.tokenTtl ?? profile.tokenLifetime,
        requireCredentials: !profile.expiredRealm.anonymous,
        oauth: false,
        log,
        ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate })
      }, now)

  const tokenServer: TokenServer.TokenServer = separate ?? {
    origin: registry.origin,
    realm: `${registry.origin}${mounted!.path}`,
    service: mounted!.service,
    issuer: mounted!.issuer,
    rootCertificatePem: mounted!.rootCertificatePem,
    log,
    faults,
    verify: mounted!.verify,
    inspect: mounted!.inspect,
    issue: mounted!.issue,
    issueRefreshToken: mounted!.issueRefreshToken,
    close: () => Promise.resolve()
  }
  realm = tokenServer.realm

  // ACR's exchange: an identity token (Entra) for a refresh token of the registry's service.
  const refreshSeconds = Math.round(Duration.toSeconds(options.refreshTokenTtl ?? profile.refreshTokenLifetime))
  async function exchangeIdentity({ method, request, response }: Exchange): Promise<void> {
    if (method !== "POST") {
      request.resume()
      return sendJson(response, 405, ociError("UNSUPPORTED", "method not allowed"))
    }
    const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
    if (form.get("grant_type") !== "access_token") return sendJson(response, 400, ociError("UNSUPPORTED", "unsupported grant_type"))
    if (form.get("service") !== tokenServer.service) return sendJson(response, 400, ociError("UNSUPPORTED", "unknown service"))
    const subject = options.identity?.(form.get("access_token") ?? "")
    if (subject === undefined) return sendJson(response, 401, ociError("UNAUTHORIZED", "the access token is not valid"))
    sendJson(response, 200, { refresh_token: tokens!.issueRefreshToken(subject, refreshSeconds) })
  }

  const pushImage = (repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>): PushedImage => {
    const image = Image.make(layers)
    for (const layer of image.layers) content.putBlob(repository, layer.bytes)
    content.putBlob(repository, image.config.bytes)
    const result = content.putManifest(repository, tag, image.manifest.mediaType, new TextEncoder().encode(image.manifest.text))
    if ("_tag" in result) throw new Error(`pushImage: ${JSON.stringify(result)}`)
    return { repository, tag, digest: result.digest, config: image.config.digest, layers: image.layers.map((l) => l.digest) }
  }

  return {
    profile: profile.name,
    behaviour: profile,
    origin: registry.origin,
    host,
    tokenServer,
    challenge: {
      scheme: "bearer",
      realm: tokenServer.realm,
      ...(profile.challenge.service ? { service: tokenServer.service } : {}),
      scopes: []
    },
    cdnOrigin: cdn?.origin,
    expiredRealm: second,
    log,
    faults,
    apiPrefix: prefix,
    putBlob: (repository, bytes) => content.putBlob(repository, bytes),
    generateBlob: (repository, size, seed = 1) => content.generateBlob(repository, size, seed),
    pushImage,
    tags: (repository) => content.tags(repository) ?? [],
    close: async () => {
      await Promise.all([registry.close(), separate?.close(), cdn?.close(), second?.close()])
    }
  }
}

/** GHCR's names (seed 000): an owner and a name; `toddysm` and `*` are 400. */
const namespacedOnly = (name: string): TokenServer.ErrorAnswer | undefined =>
  !name.includes("/") || name.includes("*") ? { status: 400, code: "NAME_INVALID", message: "invalid repository name" } : undefined

const resolveProfile = (profile: Profile | undefined): ProfileModule.Profile =>
  profile === undefined ? Profiles.named.distribution : typeof profile === "string" ? Profiles.named[profile] : profile

/**
 * An emulator as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RegistryEmulator, never, EffectScope.Scope> =>
  scopedOnClock(start, options)

/**
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Service<Emulator, RegistryEmulator>()("@ociauth/testing/Emulator") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> => Layer.effect(Emulator, make(options))
