/**
 * The storage origin blobs are redirected to (Docker Hub's CDN, GitLab's
 * object storage, GHCR's `pkg-containers.githubusercontent.com`): signed URLs
 * that expire after 10 minutes, and a refusal of any `Authorization` header.
 */
import { createHmac, randomBytes } from "node:crypto"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Faults } from "../Faults.js"
import type { RequestLog } from "../RequestLog.js"
import type { ContentStore } from "./content.js"
import { listen, sendJson } from "./server.js"

export interface Cdn {
  readonly origin: string
  /** A signed URL of a blob, valid for 10 minutes. */
  readonly location: (digest: string) => string
  readonly close: () => Promise<void>
}

/** Serves the blobs of `content` under `path` (`/blobs/<digest>`). */
export const start = async (path: string, content: ContentStore, log: RequestLog, now: () => number): Promise<Cdn> => {
  const secret = randomBytes(32)
  const signature = (digest: string, expires: number) => createHmac("sha256", secret).update(`${digest}:${expires}`).digest("base64url")
  const server = await listen({
    name: "cdn",
    log,
    faults: new Faults(),
    handle: async ({ request, response, url }) => {
      if (!url.pathname.startsWith(path)) return sendJson(response, 404, { code: "NoSuchKey" })
      const digest = decodeURIComponent(url.pathname.slice(path.length))
      const expires = Number(url.searchParams.get("expires"))
      if (request.headers.authorization !== undefined) {
        return sendJson(response, 400, { code: "InvalidArgument", message: "Only one auth mechanism allowed" })
      }
      if (url.searchParams.get("signature") !== signature(digest, expires) || expires * 1000 < now()) {
        return sendJson(response, 403, { code: "AccessDenied", message: "Request has expired or is not signed" })
      }
      const blob = content.blobAnywhere(digest)
      if (blob === undefined) return sendJson(response, 404, { code: "NoSuchKey" })
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.size) })
      if (request.method === "HEAD") return void response.end()
      await pipeline(Readable.from(blob.chunks()), response)
    }
  })
  return {
    origin: server.origin,
    location: (digest) => {
      const expires = Math.floor(now() / 1000) + 600
      return `${server.origin}${path}${digest}?expires=${expires}&signature=${signature(digest, expires)}`
    },
    close: server.close
  }
}
