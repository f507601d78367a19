/**
 * An in-process registry that speaks enough of the distribution API for examples
 * and tests — `/v2/`, manifests (GET, HEAD, PUT, DELETE), blobs (GET, HEAD,
 * DELETE), uploads (POST, PATCH, PUT, cross-repository mount, monolithic),
 * tags and catalog with pagination, referrers — over in-memory content. It
 * checks the tokens of its own `TokenServer` and answers with the challenges a
 * real registry sends (`scope`, `error="invalid_token"` / `"insufficient_scope"`).
 *
 * Profiles reproduce what the seed transcripts show:
 * - `distribution`: the spec, as the CNCF registry implements it.
 * - `dockerHub`: a token server on another origin, service `registry.docker.io`,
 *   300 s tokens, silent narrowing (empty `access` for unknown repositories),
 *   `_catalog` unusable (400 "unknown resource type" from the token server),
 *   rate-limit headers on manifests and 429 past the limit, blob GETs redirected
 *   (307) to a CDN origin that refuses `Authorization`, `/v2` without the slash.
 * - `ghcr`: the token endpoint on the registry's origin, service `ghcr.io`, a
 *   placeholder `repository:user/image:pull` scope on `/v2/` and `_catalog`,
 *   opaque tokens without `expires_in`, DENIED instead of narrowing, DELETE
 *   answered 405 UNSUPPORTED, an empty `/v2/` body, `/v2` (no slash) 404 with a
 *   token, a catalog only for authenticated users.
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
import { Context, Duration, Effect, Layer, Option } from "effect"
import type { Scope as EffectScope } from "effect"
import { Challenge, Route, Scope } from "@ociauth/core"
import { Faults } from "./Faults.js"
import * as Image from "./Image.js"
import { ContentStore } from "./internal/content.js"
import { bearerToken, listen, matchesPattern, ociError, readBody, sendJson } from "./internal/server.js"
import type { Exchange, RunningServer } from "./internal/server.js"
import { RequestLog } from "./RequestLog.js"
import * as TokenServer from "./TokenServer.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Profile = "distribution" | "dockerHub" | "ghcr"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly profile?: Profile
  /** Accounts: username → password. Each owns the namespace `<username>/*`. */
  readonly users?: Readonly<Record<string, string>>
  /** Repositories (exact, `prefix/*`, or `*`) anonymous users may not pull. */
  readonly privateRepositories?: ReadonlyArray<string>
  /** Token lifetime (also when it is not announced, as on GHCR). Default 300 s. */
  readonly tokenTtl?: Duration.DurationInput
  /** Docker Hub profile: pulls (manifest GETs) allowed per window. Default 100. */
  readonly pullRateLimit?: number
  /** Largest upload kept in memory; default 256 MiB. */
  readonly maxUploadBytes?: number
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
  readonly profile: Profile
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly tokenServer: TokenServer.TokenServer
  /** The challenge the registry sends (without scope): realm and service. */
  readonly challenge: Challenge.BearerChallenge
  /** Docker Hub profile: the origin blobs are redirected to. */
  readonly cdnOrigin: string | undefined
  /** Every request to the registry, its token server and its CDN. */
  readonly log: RequestLog
  /** Faults of the registry (the token server has its own: `tokenServer.faults`). */
  readonly faults: Faults
  /** Stores a blob in a repository; returns its digest. */
  readonly putBlob: (repository: string, bytes: Uint8Array) => string
  /** A blob of `size` bytes generated as it is read (nothing is kept in memory). */
  readonly generateBlob: (repository: string, size: number, seed?: number) => string
  /** Pushes a small image (config + layers + OCI manifest) under a tag. */
  readonly pushImage: (repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>) => PushedImage
  readonly tags: (repository: string) => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const PLACEHOLDER = Scope.repository("user/image", ["pull"])
const HUB_WINDOW = 21600
const OCI_INDEX = "application/vnd.oci.image.index.v1+json"

/**
 * Starts an emulator on free loopback ports. `now` gives the time tokens are
 * issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, now: () => number = () => Date.now()): Promise<RegistryEmulator> => {
  const profile = options.profile ?? "distribution"
  const users = options.users ?? {}
  const log = new RequestLog()
  const faults = new Faults()
  const content = new ContentStore(options.maxUploadBytes ?? 256 * 1024 * 1024)
  const isPrivate = (name: string) => (options.privateRepositories ?? []).some((p) => matchesPattern(p, name))
  const cdnSecret = randomBytes(32)
  let pullsLeft = options.pullRateLimit ?? 100

  const mayPull = (subject: string, name: string) =>
    content.exists(name) && (!isPrivate(name) || (subject !== "" && name.startsWith(`${subject}/`)))

  const policy = (subject: string, type: string, name: string): ReadonlyArray<string> => {
    if (type === "registry") return subject !== "" && profile === "distribution" ? ["*"] : []
    if (type !== "repository") return []
    if (subject !== "" && name.startsWith(`${subject}/`)) return ["*"]
    if (profile === "ghcr" && subject !== "" && name === PLACEHOLDER.name) return ["pull"]
    if (profile === "distribution") return subject !== "" ? ["*"] : isPrivate(name) ? [] : ["pull"]
    return mayPull(subject, name) ? ["pull"] : []
  }

  // The token endpoint: on an origin of its own (Docker Hub's auth.docker.io, the
  // distribution default), or mounted at /token on the registry (GHCR).
  let registry: RunningServer | undefined
  const tokenOptions: TokenServer.Options = {
    service: profile === "dockerHub" ? "registry.docker.io" : profile === "ghcr" ? "ghcr.io" : "ociauth-emulator",
    users,
    authorize: policy,
    ttl: options.tokenTtl ?? Duration.seconds(300),
    omitExpiresIn: profile === "ghcr",
    tokenFormat: profile === "ghcr" ? "opaque" : "jwt",
    narrowing: profile === "ghcr" ? "deny" : "silent",
    rejectRegistryScopes: profile === "dockerHub",
    log
  }
  const mounted = profile === "ghcr" ? TokenServer.endpoint(tokenOptions, now) : undefined
  const separate = mounted === undefined ? await TokenServer.start(tokenOptions, now) : undefined
  const tokens: TokenServer.Endpoint | TokenServer.TokenServer = mounted ?? separate!
  const realm = separate?.realm

  const challengeFor = (scopes: ReadonlyArray<Scope.Scope>, error?: string): string =>
    Challenge.formatBearer({
      realm: realm ?? `${registry!.origin}/token`,
      service: tokens.service,
      scopes,
      ...(error === undefined ? {} : { error })
    })

  const unauthorized = (response: http.ServerResponse, scopes: ReadonlyArray<Scope.Scope>, error?: string) => {
    const detail =
      profile === "ghcr"
        ? undefined
        : scopes.flatMap((s) =>
            s._tag === "Resource" ? s.actions.map((action) => ({ Type: s.type, Class: "", Name: s.name, Action: action })) : []
          )
    const body = profile === "ghcr"
      ? { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }
      : ociError("UNAUTHORIZED", "authentication required", detail === undefined || detail.length === 0 ? null : detail)
    sendJson(response, 401, body, { "www-authenticate": challengeFor(scopes, error) })
  }

  const cdnSignature = (digest: string, expires: number) =>
    createHmac("sha256", cdnSecret).update(`${digest}:${expires}`).digest("base64url")

  const cdn =
    profile === "dockerHub"
      ? await listen({
          name: "cdn",
          log,
          faults: new Faults(),
          handle: async ({ request, response, url }) => {
            const digest = decodeURIComponent(url.pathname.replace(/^\/blobs\//, ""))
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

  const sendBlob = async (exchange: Exchange, name: string, digest: string) => {
    const { request, response, method } = exchange
    const blob = content.blob(name, digest)
    if (blob === undefined) return sendJson(response, 404, ociError("BLOB_UNKNOWN", "blob unknown to registry", digest))
    if (profile === "dockerHub" && method === "GET" && cdn !== undefined) {
      const expires = Math.floor(now() / 1000) + 600
      const location = `${cdn.origin}/blobs/${digest}?expires=${expires}&signature=${cdnSignature(digest, expires)}`
      response.writeHead(307, { location, "content-length": "0" })
      return void response.end()
    }
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(blob.size),
      "docker-content-digest": digest,
      etag: `"${digest}"`
    })
    if (method === "HEAD") return void response.end()
    request.resume()
    await pipeline(Readable.from(blob.chunks()), response)
  }

  const paginate = (items: ReadonlyArray<string>, url: URL, path: string) => {
    const last = url.searchParams.get("last")
    const n = url.searchParams.has("n") ? Number(url.searchParams.get("n")) : undefined
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) return { error: true as const }
    const after = last === null ? items : items.filter((item) => item > last)
    const page = n === undefined ? after : after.slice(0, n)
    const more = n !== undefined && after.length > n && page.length > 0
    const link = more ? `<${path}?last=${encodeURIComponent(page[page.length - 1]!)}&n=${n}>; rel="next"` : undefined
    return { error: false as const, page, link }
  }

  const serve = async (exchange: Exchange, route: Route.Route) => {
    const { request, response, method, url } = exchange
    switch (route._tag) {
      case "Base": {
        if (profile === "ghcr") {
          response.writeHead(200, { "content-type": "application/json", "content-length": "0" })
          return void response.end()
        }
        return sendJson(response, 200, {})
      }
      case "Catalog": {
        if (method !== "GET" && method !== "HEAD") break
        const result = paginate(content.catalog(), url, "/v2/_catalog")
        if (result.error) return sendJson(response, 400, ociError("PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
        return sendJson(response, 200, { repositories: result.page }, result.link === undefined ? {} : { link: result.link })
      }
      case "Tags": {
        if (method !== "GET" && method !== "HEAD") break
        const tags = content.tags(route.name)
        if (tags === undefined) return sendJson(response, 404, ociError("NAME_UNKNOWN", "repository name not known to registry", { name: route.name }))
        const result = paginate(tags, url, `/v2/${route.name}/tags/list`)
        if (result.error) return sendJson(response, 400, ociError("PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
        return sendJson(response, 200, { name: route.name, tags: result.page }, result.link === undefined ? {} : { link: result.link })
      }
      case "Manifest": {
        if (method === "GET" || method === "HEAD") {
          const headers: Record<string, string> = {}
          if (profile === "dockerHub") {
            if (method === "GET") {
              if (pullsLeft <= 0) {
                return sendJson(response, 429, ociError("TOOMANYREQUESTS", "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"), { "retry-after": "60" })
              }
              pullsLeft--
            }
            headers["ratelimit-limit"] = `${options.pullRateLimit ?? 100};w=${HUB_WINDOW}`
            headers["ratelimit-remaining"] = `${pullsLeft};w=${HUB_WINDOW}`
            headers["docker-ratelimit-source"] = "127.0.0.1"
          }
          const manifest = content.manifest(route.name, route.reference)
          if (manifest === undefined) {
            const code = content.exists(route.name) ? ["MANIFEST_UNKNOWN", "manifest unknown"] : ["NAME_UNKNOWN", "repository name not known to registry"]
            return sendJson(response, 404, ociError(code[0]!, code[1]!, { name: route.name, reference: route.reference }), headers)
          }
          response.writeHead(200, {
            ...headers,
            "content-type": manifest.mediaType,
            "content-length": String(manifest.bytes.length),
            "docker-content-digest": manifest.digest,
            etag: `"${manifest.digest}"`
          })
          return void response.end(method === "HEAD" ? undefined : manifest.bytes)
        }
        if (method === "PUT") {
          const body = await readBody(request, 4 * 1024 * 1024)
          const result = content.putManifest(route.name, route.reference, request.headers["content-type"] ?? "", body)
          if ("missing" in result) return sendJson(response, 400, ociError("MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", result.missing))
          if ("invalid" in result) return sendJson(response, 400, ociError("MANIFEST_INVALID", result.invalid))
          response.writeHead(201, { location: `/v2/${route.name}/manifests/${result.digest}`, "docker-content-digest": result.digest, "content-length": "0" })
          return void response.end()
        }
        if (method === "DELETE") {
          if (!content.deleteManifest(route.name, route.reference)) return sendJson(response, 404, ociError("MANIFEST_UNKNOWN", "manifest unknown"))
          response.writeHead(202, { "content-length": "0" })
          return void response.end()
        }
        break
      }
      case "Blob": {
        if (method === "GET" || method === "HEAD") return sendBlob(exchange, route.name, route.digest)
        if (method === "DELETE") {
          if (!content.deleteBlob(route.name, route.digest)) return sendJson(response, 404, ociError("BLOB_UNKNOWN", "blob unknown to registry"))
          response.writeHead(202, { "content-length": "0" })
          return void response.end()
        }
        break
      }
      case "Upload": {
        const accepted = (id: string, size: number) => {
          response.writeHead(202, {
            location: `/v2/${route.name}/blobs/uploads/${id}`,
            range: `0-${Math.max(0, size - 1)}`,
            "docker-upload-uuid": id,
            "content-length": "0"
          })
          response.end()
        }
        const created = (digest: string) => {
          response.writeHead(201, { location: `/v2/${route.name}/blobs/${digest}`, "docker-content-digest": digest, "content-length": "0" })
          response.end()
        }
        if (method === "POST" && route.id === "") {
          const mount = url.searchParams.get("mount")
          const from = url.searchParams.get("from")
          if (mount !== null && from !== null && content.mount(route.name, from, mount)) {
            request.resume()
            return created(mount)
          }
          const digest = url.searchParams.get("digest")
          if (digest !== null) {
            const body = await readBody(request, content.maxUploadBytes)
            if (Image.digestOf(body) !== digest) return sendJson(response, 400, ociError("DIGEST_INVALID", "provided digest did not match uploaded content"))
            content.putBlob(route.name, body)
            return created(digest)
          }
          request.resume()
          return accepted(content.startUpload(route.name), 0)
        }
        const upload = content.upload(route.name, route.id)
        if (upload === undefined) {
          request.resume()
          return sendJson(response, 404, ociError("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))
        }
        if (method === "PATCH" || method === "PUT") {
          for await (const chunk of request) {
            if (!content.append(upload, chunk as Buffer)) {
              request.destroy()
              return sendJson(response, 413, ociError("SIZE_INVALID", "upload larger than the emulator keeps"))
            }
          }
          if (method === "PATCH") return accepted(route.id, upload.size)
          const digest = url.searchParams.get("digest") ?? ""
          const result = content.finishUpload(route.name, route.id, digest)
          if (result === "digest-mismatch") return sendJson(response, 400, ociError("DIGEST_INVALID", "provided digest did not match uploaded content"))
          return created(digest)
        }
        if (method === "GET") return accepted(route.id, upload.size)
        break
      }
      case "Referrers": {
        if (method !== "GET") break
        const manifests = content.referrers(route.name, route.digest).map((m) => ({
          mediaType: m.mediaType,
          digest: m.digest,
          size: m.bytes.length,
          ...(m.artifactType === undefined ? {} : { artifactType: m.artifactType })
        }))
        return sendJson(response, 200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests }, { "content-type": OCI_INDEX })
      }
    }
    request.resume()
    sendJson(response, 405, ociError("UNSUPPORTED", "The operation is unsupported."))
  }

  registry = await listen({
    name: (path) => (mounted !== undefined && path === mounted.path ? "token" : "registry"),
    log,
    faults,
    handle: async (exchange) => {
      const { request, response, method, url, fault } = exchange
      response.setHeader("docker-distribution-api-version", "registry/2.0")
      const path = url.pathname
      if (mounted !== undefined && path === mounted.path) return mounted.handle(exchange)
      if (path === "/") {
        request.resume()
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        return void response.end("404 page not found\n")
      }
      const presented = bearerToken(request.headers.authorization)
      const grantee =
        presented === undefined || fault?.expireToken === true ? Option.none() : tokens.verify(presented)
      if (path === "/v2" && profile !== "ghcr" && method !== "GET" && method !== "HEAD") {
        request.resume()
        response.writeHead(301, { location: "/v2/", "content-length": "0" })
        return void response.end()
      }
      const route = path === "/v2" ? Option.some(Route.Base({ prefix: "" })) : Route.parse(path)
      if (Option.isNone(route)) {
        request.resume()
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        return void response.end("404 page not found\n")
      }
      const needed = route.value._tag === "Catalog" ? [Scope.catalog] : Scope.fromRequest(method, url)
      const placeholder = profile === "ghcr" && (route.value._tag === "Base" || route.value._tag === "Catalog")
      const challengeScopes = placeholder ? [PLACEHOLDER] : needed
      if (Option.isNone(grantee)) {
        request.resume()
        return unauthorized(response, challengeScopes, presented === undefined ? undefined : "invalid_token")
      }
      const subject = grantee.value.subject
      if (profile === "ghcr") {
        if (path === "/v2") {
          request.resume()
          return sendJson(response, 404, ociError("NOT_FOUND", "404 page not found"))
        }
        if (method === "DELETE") {
          request.resume()
          return sendJson(response, 405, { errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported." }] })
        }
        if (route.value._tag === "Catalog") {
          if (subject === "") return unauthorized(response, challengeScopes)
          return serve(exchange, route.value)
        }
      }
      if (profile === "dockerHub" && route.value._tag === "Catalog") {
        return unauthorized(response, challengeScopes, "insufficient_scope")
      }
      if (Scope.missing(grantee.value.access, needed).length > 0) {
        request.resume()
        return unauthorized(response, needed, "insufficient_scope")
      }
      return serve(exchange, route.value)
    }
  })

  const pushImage = (repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>): PushedImage => {
    const image = Image.make(layers)
    for (const layer of image.layers) content.putBlob(repository, layer.bytes)
    content.putBlob(repository, image.config.bytes)
    const result = content.putManifest(repository, tag, image.manifest.mediaType, new TextEncoder().encode(image.manifest.text))
    if (!("digest" in result)) throw new Error(`pushImage: ${JSON.stringify(result)}`)
    return { repository, tag, digest: result.digest, config: image.config.digest, layers: image.layers.map((l) => l.digest) }
  }

  const tokenServer: TokenServer.TokenServer = separate ?? {
    origin: registry.origin,
    realm: `${registry.origin}${mounted!.path}`,
    service: mounted!.service,
    issuer: mounted!.issuer,
    rootCertificatePem: mounted!.rootCertificatePem,
    log,
    faults,
    verify: mounted!.verify,
    issue: mounted!.issue,
    close: () => Promise.resolve()
  }

  return {
    profile,
    origin: registry.origin,
    host: `127.0.0.1:${registry.port}`,
    tokenServer,
    challenge: { scheme: "bearer", realm: tokenServer.realm, service: tokenServer.service, scopes: [] },
    cdnOrigin: cdn?.origin,
    log,
    faults,
    putBlob: (repository, bytes) => content.putBlob(repository, bytes),
    generateBlob: (repository, size, seed = 1) => content.generateBlob(repository, size, seed),
    pushImage,
    tags: (repository) => content.tags(repository) ?? [],
    close: async () => {
      await Promise.all([registry!.close(), separate?.close(), cdn?.close()])
    }
  }
}

/**
 * An emulator as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RegistryEmulator, never, EffectScope.Scope> =>
  Effect.flatMap(Effect.clock, (clock) =>
    Effect.acquireRelease(
      Effect.promise(() => start(options, () => clock.unsafeCurrentTimeMillis())),
      (emulator) => Effect.promise(() => emulator.close())
    )
  )

/**
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("@ociauth/testing/Emulator")<Emulator, RegistryEmulator>() {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> => Layer.scoped(Emulator, make(options))
