import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { ContentStore } from "./content.js"
import * as Ranges from "./ranges.js"
import { ociError, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

/**
 * `GET`/`HEAD /v2/<name>/blobs/<digest>`: the blob with its digest and
 * `Accept-Ranges: bytes`; a `Range` GET answers 206 with `Content-Range`, or
 * 416 with `Content-Range: bytes *\/<size>` when it cannot be satisfied.
 * `redirect` may send a GET elsewhere (Docker Hub's CDN).
 */
export const serve = async (
  exchange: Exchange,
  content: ContentStore,
  name: string,
  digest: string,
  redirect?: (digest: string) => string | undefined
): Promise<void> => {
  const { request, response, method } = exchange
  request.resume()
  const blob = content.blob(name, digest)
  if (blob === undefined) return sendJson(response, 404, ociError("BLOB_UNKNOWN", "blob unknown to registry", digest))
  const location = method === "GET" ? redirect?.(digest) : undefined
  if (location !== undefined) {
    response.writeHead(307, { location, "content-length": "0" })
    return void response.end()
  }
  const headers = {
    "content-type": "application/octet-stream",
    "docker-content-digest": digest,
    etag: `"${digest}"`,
    "accept-ranges": "bytes"
  }
  const range = method === "GET" ? Ranges.parse(request.headers.range, blob.size) : undefined
  if (range === "unsatisfiable") {
    return sendJson(response, 416, ociError("BLOB_UNKNOWN", "requested range not satisfiable", { size: blob.size }), {
      "content-range": `bytes */${blob.size}`,
      "accept-ranges": "bytes"
    })
  }
  if (range !== undefined) {
    response.writeHead(206, {
      ...headers,
      "content-length": String(range.end - range.start + 1),
      "content-range": `bytes ${range.start}-${range.end}/${blob.size}`
    })
    return pipeline(Readable.from(Ranges.slice(blob.chunks(), range)), response)
  }
  response.writeHead(200, { ...headers, "content-length": String(blob.size) })
  if (method === "HEAD") return void response.end()
  await pipeline(Readable.from(blob.chunks()), response)
}
