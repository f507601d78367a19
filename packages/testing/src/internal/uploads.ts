import { randomUUID } from "node:crypto"
import type { ContentStore } from "./content.js"
import * as Digest from "./digest.js"
import { ociError, readBody, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

interface Upload {
  readonly repository: string
  readonly chunks: Array<Uint8Array>
  size: number
}

/**
 * Blob uploads (`/v2/<name>/blobs/uploads/…`) as the distribution spec has
 * them: monolithic (POST with `digest`, or POST then PUT), chunked (PATCH in
 * order, each `Content-Range` starting at the current offset, else 416),
 * streamed (PATCH without `Content-Range`), progress (GET → 204 with `Range`),
 * cancel (DELETE → 204), cross-repository mount. Digests are verified with
 * their own algorithm (sha256 or sha512).
 */
export class Uploads {
  private readonly sessions = new Map<string, Upload>()

  constructor(
    private readonly content: ContentStore,
    private readonly maxBytes: number
  ) {}

  /** Answers a request on an upload route; `id` is empty for `POST …/uploads/`. */
  async handle(exchange: Exchange, name: string, id: string, prefix = ""): Promise<boolean> {
    const { request, response, method, url } = exchange
    const location = (uploadId: string) => `${prefix}/v2/${name}/blobs/uploads/${uploadId}`
    const progress = (status: 202 | 204, uploadId: string, size: number) => {
      response.writeHead(status, {
        location: location(uploadId),
        range: `0-${Math.max(0, size - 1)}`,
        "docker-upload-uuid": uploadId,
        "content-length": "0"
      })
      response.end()
    }
    const created = (digest: string) => {
      response.writeHead(201, { location: `${prefix}/v2/${name}/blobs/${digest}`, "docker-content-digest": digest, "content-length": "0" })
      response.end()
    }
    const digestRejected = (problem: Digest.Problem) =>
      sendJson(response, 400, ociError("DIGEST_INVALID", Digest.problemMessage(problem), url.searchParams.get("digest")))

    if (id === "") {
      if (method !== "POST") return false
      const mount = url.searchParams.get("mount")
      const from = url.searchParams.get("from")
      if (mount !== null && from !== null && this.content.mount(name, from, mount)) {
        request.resume()
        created(mount)
        return true
      }
      const digest = url.searchParams.get("digest")
      if (digest !== null && mount === null) {
        const body = await this.read(exchange)
        if (body === undefined) return true
        const problem = Digest.verify(digest, body)
        if (problem !== undefined) {
          digestRejected(problem)
          return true
        }
        this.content.putBlob(name, body, digest)
        created(digest)
        return true
      }
      request.resume()
      const uploadId = randomUUID()
      this.sessions.set(uploadId, { repository: name, chunks: [], size: 0 })
      this.content.touch(name)
      progress(202, uploadId, 0)
      return true
    }

    const upload = this.sessions.get(id)
    if (upload === undefined || upload.repository !== name) {
      request.resume()
      sendJson(response, 404, ociError("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", { uuid: id }))
      return true
    }
    switch (method) {
      case "GET": {
        progress(204, id, upload.size)
        return true
      }
      case "DELETE": {
        this.sessions.delete(id)
        response.writeHead(204, { "content-length": "0" })
        response.end()
        return true
      }
      case "PATCH":
      case "PUT": {
        const range = request.headers["content-range"]
        if (range !== undefined) {
          const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(range.trim())
          if (match === null || Number(match[1]) !== upload.size) {
            request.resume()
            response.writeHead(416, {
              "content-type": "application/json",
              location: location(id),
              range: `0-${Math.max(0, upload.size - 1)}`,
              "docker-upload-uuid": id
            })
            response.end(JSON.stringify(ociError("BLOB_UPLOAD_INVALID", `the chunk must start at offset ${upload.size}`, { range })))
            return true
          }
        }
        const chunk = await this.read(exchange, upload.size)
        if (chunk === undefined) return true
        if (range !== undefined) {
          const [, start, end] = /(\d+)-(\d+)$/.exec(range.trim())!
          if (Number(end) - Number(start) + 1 !== chunk.length) {
            sendJson(response, 400, ociError("SIZE_INVALID", "provided length did not match content length", { range, length: chunk.length }))
            return true
          }
        }
        upload.chunks.push(chunk)
        upload.size += chunk.length
        if (method === "PATCH") {
          progress(202, id, upload.size)
          return true
        }
        const digest = url.searchParams.get("digest") ?? ""
        const bytes = Buffer.concat(upload.chunks)
        this.sessions.delete(id)
        const problem = Digest.verify(digest, bytes)
        if (problem !== undefined) {
          digestRejected(problem)
          return true
        }
        this.content.putBlob(name, bytes, digest)
        created(digest)
        return true
      }
    }
    return false
  }

  /** Reads a request body within the size limit; answers 413 and returns `undefined` past it. */
  private async read(exchange: Exchange, already = 0): Promise<Buffer | undefined> {
    try {
      return await readBody(exchange.request, this.maxBytes - already)
    } catch {
      exchange.request.destroy()
      sendJson(exchange.response, 413, ociError("SIZE_INVALID", "upload larger than the emulator keeps"))
      return undefined
    }
  }
}
