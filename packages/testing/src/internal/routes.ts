/**
 * What each route of the v2 API answers once access is checked: `/v2/`, the
 * catalog and tag lists, manifests (with Docker Hub's pull limits and its
 * DELETE rules), blobs (redirected to the CDN where the profile has one),
 * uploads and referrers. Anything else is 405 `UNSUPPORTED`.
 */
import type * as Route from "@ociauth/core/Route"
import type { Profile } from "../Profile.js"
import * as Blobs from "./blobs.js"
import type { ContentStore } from "./content.js"
import * as Digest from "./digest.js"
import * as Listings from "./listings.js"
import * as Manifests from "./manifests.js"
import type { Policy } from "./policy.js"
import type { PullLimits } from "./pullLimits.js"
import * as Referrers from "./referrers.js"
import type { Refusals } from "./refusals.js"
import { ociError, sendJson } from "./server.js"
import type { Exchange } from "./server.js"
import type { Uploads } from "./uploads.js"

export type Serve = (exchange: Exchange, route: Route.Route, subject: string) => Promise<void>

const accepted = (exchange: Exchange): void => {
  exchange.response.writeHead(202, { "content-length": "0" })
  exchange.response.end()
}

const deleteManifest = (exchange: Exchange, profile: Profile, content: ContentStore, name: string, reference: string): void => {
  exchange.request.resume()
  // Docker Hub (its registry API reference): by digest only, and only a manifest no tag points at.
  if (profile.delete === "untagged") {
    const tagged = (content.tags(name) ?? []).some((tag) => content.manifest(name, tag)?.digest === reference)
    if (!reference.includes(":") || tagged) {
      return sendJson(exchange.response, 403, ociError("DENIED", "requested access to the resource is denied"))
    }
  }
  if (!content.deleteManifest(name, reference)) return sendJson(exchange.response, 404, ociError("MANIFEST_UNKNOWN", "manifest unknown"))
  accepted(exchange)
}

const referrers = (exchange: Exchange, content: ContentStore, name: string, digest: string): void => {
  exchange.request.resume()
  if (Digest.parse(digest)._tag !== "Digest") {
    return sendJson(exchange.response, 400, ociError("DIGEST_INVALID", "invalid digest format", digest))
  }
  const { body, filtered } = Referrers.index(content.manifests(name), digest, exchange.url.searchParams.get("artifactType"))
  sendJson(exchange.response, 200, body, { "content-type": Referrers.OCI_INDEX, ...(filtered ? { "oci-filters-applied": "artifactType" } : {}) })
}

export const make = (parts: {
  readonly profile: Profile
  readonly content: ContentStore
  readonly uploads: Uploads
  readonly policy: Policy
  readonly pullLimits: PullLimits
  readonly refusals: Refusals
  /** Where blob GETs are redirected, if they are (the CDN). */
  readonly blobLocation: ((digest: string) => string) | undefined
  readonly now: () => number
}): Serve => {
  const { profile, content, uploads, policy, pullLimits } = parts
  const prefix = profile.apiPrefix
  const reads = (method: string) => method === "GET" || method === "HEAD"

  return async (exchange, route, subject) => {
    const { request, response, method } = exchange
    switch (route._tag) {
      case "Base": {
        request.resume()
        const body = profile.base.body === "empty" ? "" : "{}"
        // Written as it is: Docker Hub's `/v2/` is `{}` without a newline (Content-Length 2, seed 000).
        response.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
        return void response.end(body)
      }
      case "Catalog": {
        if (!reads(method)) break
        const repositories = profile.catalog === "visible" ? content.catalog().filter((name) => policy.maySee(subject, name)) : content.catalog()
        return Listings.catalog(exchange, profile, repositories)
      }
      case "Tags": {
        if (!reads(method)) break
        return Listings.tags(exchange, profile, content, route.name, parts.now)
      }
      case "Manifest": {
        if (reads(method)) {
          const { exceeded, headers } = pullLimits.count(exchange, subject)
          if (exceeded !== undefined) {
            request.resume()
            return sendJson(response, 429, { errors: [{ code: "TOOMANYREQUESTS", message: exceeded }] }, headers)
          }
          return Manifests.serve(exchange, content, route.name, route.reference, { negotiate: profile.negotiateIndex, headers })
        }
        if (method === "PUT") return Manifests.put(exchange, content, route.name, route.reference, prefix)
        if (method === "DELETE") return deleteManifest(exchange, profile, content, route.name, route.reference)
        break
      }
      case "Blob": {
        if (reads(method)) return Blobs.serve(exchange, content, route.name, route.digest, parts.blobLocation)
        if (method === "DELETE" && profile.delete === "all") {
          request.resume()
          if (!content.deleteBlob(route.name, route.digest)) return sendJson(response, 404, ociError("BLOB_UNKNOWN", "blob unknown to registry"))
          return accepted(exchange)
        }
        break
      }
      case "Upload": {
        if (await uploads.handle(exchange, route.name, route.id, prefix)) return
        break
      }
      case "Referrers": {
        if (method !== "GET") break
        return referrers(exchange, content, route.name, route.digest)
      }
    }
    request.resume()
    parts.refusals.unsupported(response)
  }
}
