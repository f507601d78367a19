import type * as http from "node:http"
import type { ContentStore, StoredManifest } from "./content.js"
import * as Digest from "./digest.js"
import { OCI_INDEX } from "./referrers.js"
import { ociError, readBody, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

/** The media types an `Accept` header names, parameters and `q` values dropped. */
const accepted = (request: http.IncomingMessage): Set<string> =>
  new Set(
    (request.headers.accept ?? "")
      .split(",")
      .map((type) => type.split(";")[0]!.trim())
      .filter((type) => type !== "")
  )

/**
 * Distribution 2.8 serves an OCI index only to clients that accept its media
 * type (no `Accept`, or `*\/*`, is not enough): otherwise 404 MANIFEST_UNKNOWN,
 * by tag and by digest, on GET and HEAD alike.
 */
const refusedByAccept = (request: http.IncomingMessage, manifest: StoredManifest): boolean =>
  manifest.mediaType === OCI_INDEX && !accepted(request).has(OCI_INDEX)

/**
 * `GET`/`HEAD` of a manifest. `negotiate` applies distribution's `Accept`
 * rule for OCI indexes; `headers` go on every answer (rate-limit headers).
 */
export const serve = (
  exchange: Exchange,
  content: ContentStore,
  name: string,
  reference: string,
  options: { readonly negotiate: boolean; readonly headers: Readonly<Record<string, string>> }
): void => {
  const { request, response, method } = exchange
  request.resume()
  if (reference.includes(":") && Digest.parse(reference)._tag !== "Digest") {
    return sendJson(response, 400, ociError("DIGEST_INVALID", "invalid digest format", { name, reference }), options.headers)
  }
  const manifest = content.manifest(name, reference)
  if (manifest === undefined || (options.negotiate && refusedByAccept(request, manifest))) {
    const [code, message] =
      manifest !== undefined
        ? ["MANIFEST_UNKNOWN", "OCI index found, but accept header does not support OCI indexes"]
        : content.exists(name)
          ? ["MANIFEST_UNKNOWN", "manifest unknown"]
          : ["NAME_UNKNOWN", "repository name not known to registry"]
    return sendJson(response, 404, ociError(code, message, { name, reference }), options.headers)
  }
  response.writeHead(200, {
    ...options.headers,
    "content-type": manifest.mediaType,
    "content-length": String(manifest.bytes.length),
    "docker-content-digest": manifest.digest,
    etag: `"${manifest.digest}"`
  })
  response.end(method === "HEAD" ? undefined : manifest.bytes)
}

/** `PUT` of a manifest: 201 with `Location`, `Docker-Content-Digest` and, with a subject, `OCI-Subject`. */
export const put = async (exchange: Exchange, content: ContentStore, name: string, reference: string, prefix = ""): Promise<void> => {
  const { request, response } = exchange
  let body: Buffer
  try {
    body = await readBody(request, MAX_MANIFEST_BYTES)
  } catch {
    request.destroy()
    return sendJson(response, 413, ociError("MANIFEST_INVALID", `manifest larger than ${MAX_MANIFEST_BYTES} bytes`))
  }
  const result = content.putManifest(name, reference, request.headers["content-type"] ?? "", body)
  if ("_tag" in result) {
    switch (result._tag) {
      case "Digest":
        return sendJson(response, 400, ociError("DIGEST_INVALID", Digest.problemMessage(result.problem), { reference }))
      case "Invalid":
        return sendJson(response, 400, ociError("MANIFEST_INVALID", "manifest invalid", result.message))
      case "BlobsUnknown":
        return sendJson(response, 400, {
          errors: result.digests.map((digest) => ({ code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: digest }))
        })
    }
  }
  response.writeHead(201, {
    location: `${prefix}/v2/${name}/manifests/${result.digest}`,
    "docker-content-digest": result.digest,
    ...(result.info.subject === undefined ? {} : { "oci-subject": result.info.subject }),
    "content-length": "0"
  })
  response.end()
}
