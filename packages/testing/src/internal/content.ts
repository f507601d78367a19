import { createHash } from "node:crypto"
import * as Digest from "./digest.js"
import * as Manifest from "./manifest.js"

const CHUNK = 64 * 1024

interface Blob {
  readonly size: number
  /** Stored bytes, or a seed from which the content is generated on the fly. */
  readonly bytes: Uint8Array | undefined
  readonly seed: number
}

/** A blob as served: its size and its content, chunk by chunk. */
export interface BlobContent {
  readonly size: number
  readonly chunks: () => Iterable<Uint8Array>
}

export interface StoredManifest {
  /** The `Content-Type` it was pushed with (or its `mediaType` field). */
  readonly mediaType: string
  readonly bytes: Uint8Array
  readonly digest: string
  readonly info: Manifest.ManifestInfo
}

interface Repository {
  readonly blobs: Set<string>
  readonly manifests: Map<string, StoredManifest>
  readonly tags: Map<string, string>
}

/** Why a manifest was refused; each maps to one OCI error. */
export type ManifestRejection =
  | { readonly _tag: "Invalid"; readonly message: string }
  | { readonly _tag: "Digest"; readonly problem: Digest.Problem }
  | { readonly _tag: "BlobsUnknown"; readonly digests: ReadonlyArray<string> }

const generatedChunk = (seed: number): Uint8Array => {
  const chunk = new Uint8Array(CHUNK)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < CHUNK; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    chunk[i] = x & 0xff
  }
  return chunk
}

function* chunksOf(blob: Blob): Iterable<Uint8Array> {
  if (blob.bytes !== undefined) {
    yield blob.bytes
    return
  }
  const chunk = generatedChunk(blob.seed)
  for (let done = 0; done < blob.size; done += CHUNK) yield chunk.subarray(0, Math.min(CHUNK, blob.size - done))
}

const contentOf = (blob: Blob): BlobContent => ({ size: blob.size, chunks: () => chunksOf(blob) })

const mediaTypeWithoutParameters = (contentType: string): string => contentType.split(";")[0]!.trim()

/** Repositories, their blobs, manifests and tags, in memory. Blobs are shared between repositories by digest. */
export class ContentStore {
  private readonly blobs = new Map<string, Blob>()
  private readonly repositories = new Map<string, Repository>()

  private repository(name: string): Repository {
    let repo = this.repositories.get(name)
    if (repo === undefined) {
      repo = { blobs: new Set(), manifests: new Map(), tags: new Map() }
      this.repositories.set(name, repo)
    }
    return repo
  }

  exists(name: string): boolean {
    return this.repositories.has(name)
  }

  /** Makes sure a repository exists (an upload to it has started). */
  touch(name: string): void {
    this.repository(name)
  }

  catalog(): ReadonlyArray<string> {
    return [...this.repositories.keys()].sort()
  }

  /** Stores a blob under `digest` (already verified by the caller), by default its sha256. */
  putBlob(name: string, bytes: Uint8Array, digest: string = Digest.of("sha256", bytes)): string {
    if (!this.blobs.has(digest)) this.blobs.set(digest, { size: bytes.length, bytes, seed: 0 })
    this.repository(name).blobs.add(digest)
    return digest
  }

  /** A blob of `size` pseudo-random bytes that are generated when read, never stored. */
  generateBlob(name: string, size: number, seed: number): string {
    const hash = createHash("sha256")
    const chunk = generatedChunk(seed)
    for (let done = 0; done < size; done += CHUNK) hash.update(chunk.subarray(0, Math.min(CHUNK, size - done)))
    const digest = `sha256:${hash.digest("hex")}`
    this.blobs.set(digest, { size, bytes: undefined, seed })
    this.repository(name).blobs.add(digest)
    return digest
  }

  blob(name: string, digest: string): BlobContent | undefined {
    const blob = this.blobs.get(digest)
    return blob === undefined || !this.repositories.get(name)?.blobs.has(digest) ? undefined : contentOf(blob)
  }

  /** A blob by digest from any repository (for the CDN, which knows no repositories). */
  blobAnywhere(digest: string): BlobContent | undefined {
    const blob = this.blobs.get(digest)
    return blob === undefined ? undefined : contentOf(blob)
  }

  deleteBlob(name: string, digest: string): boolean {
    return this.repositories.get(name)?.blobs.delete(digest) ?? false
  }

  mount(name: string, from: string, digest: string): boolean {
    if (!this.repositories.get(from)?.blobs.has(digest)) return false
    this.repository(name).blobs.add(digest)
    return true
  }

  /**
   * Stores a manifest byte for byte under its digest (the reference's algorithm
   * when pushed by digest, sha256 when pushed by tag) and tags it. The config,
   * the distributable layers and an index's manifests must exist in the
   * repository; the subject need not.
   */
  putManifest(name: string, reference: string, contentType: string, bytes: Uint8Array): StoredManifest | ManifestRejection {
    const byDigest = reference.includes(":")
    if (byDigest) {
      const problem = Digest.verify(reference, bytes)
      if (problem !== undefined) return { _tag: "Digest", problem }
    }
    const info = Manifest.parse(bytes)
    if ("invalid" in info) return { _tag: "Invalid", message: info.invalid }
    const mediaType = mediaTypeWithoutParameters(contentType) || info.mediaType || "application/vnd.oci.image.manifest.v1+json"
    if (info.mediaType !== undefined && info.mediaType !== mediaType) {
      return { _tag: "Invalid", message: `the manifest's mediaType ${info.mediaType} is not its Content-Type ${mediaType}` }
    }
    const repo = this.repository(name)
    const unknown = [
      ...info.blobs.filter((d) => !repo.blobs.has(d)),
      ...info.children.filter((d) => !repo.manifests.has(d))
    ]
    if (unknown.length > 0) return { _tag: "BlobsUnknown", digests: unknown }
    const digest = byDigest ? reference : Digest.of("sha256", bytes)
    const stored: StoredManifest = { mediaType, bytes, digest, info }
    repo.manifests.set(digest, stored)
    if (!byDigest) repo.tags.set(reference, digest)
    return stored
  }

  manifest(name: string, reference: string): StoredManifest | undefined {
    const repo = this.repositories.get(name)
    if (repo === undefined) return undefined
    const digest = reference.includes(":") ? reference : repo.tags.get(reference)
    return digest === undefined ? undefined : repo.manifests.get(digest)
  }

  /** Every manifest of a repository (for the referrers API). */
  manifests(name: string): Iterable<StoredManifest> {
    return this.repositories.get(name)?.manifests.values() ?? []
  }

  deleteManifest(name: string, reference: string): boolean {
    const repo = this.repositories.get(name)
    if (repo === undefined) return false
    if (!reference.includes(":")) return repo.tags.delete(reference)
    if (!repo.manifests.delete(reference)) return false
    for (const [tag, digest] of repo.tags) if (digest === reference) repo.tags.delete(tag)
    return true
  }

  tags(name: string): ReadonlyArray<string> | undefined {
    const repo = this.repositories.get(name)
    return repo === undefined ? undefined : [...repo.tags.keys()].sort()
  }
}
