import { createHash, randomUUID } from "node:crypto"
import { digestOf } from "../Image.js"

const CHUNK = 64 * 1024

interface Blob {
  readonly size: number
  /** Stored bytes, or a seed from which the content is generated on the fly. */
  readonly bytes: Uint8Array | undefined
  readonly seed: number
}

export interface StoredManifest {
  readonly mediaType: string
  readonly bytes: Uint8Array
  readonly digest: string
  readonly subject: string | undefined
  readonly artifactType: string | undefined
}

interface Repository {
  readonly blobs: Set<string>
  readonly manifests: Map<string, StoredManifest>
  readonly tags: Map<string, string>
}

interface Upload {
  readonly repository: string
  readonly chunks: Array<Buffer>
  size: number
}

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

export class ContentStore {
  private readonly blobs = new Map<string, Blob>()
  private readonly repositories = new Map<string, Repository>()
  private readonly uploads = new Map<string, Upload>()

  constructor(readonly maxUploadBytes: number) {}

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

  catalog(): ReadonlyArray<string> {
    return [...this.repositories.keys()].sort()
  }

  putBlob(name: string, bytes: Uint8Array): string {
    const digest = digestOf(bytes)
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

  blob(name: string, digest: string): { readonly size: number; readonly chunks: () => Iterable<Uint8Array> } | undefined {
    const blob = this.blobs.get(digest)
    if (blob === undefined || !this.repositories.get(name)?.blobs.has(digest)) return undefined
    return { size: blob.size, chunks: () => chunksOf(blob) }
  }

  /** A blob by digest from any repository (for the CDN, which knows no repositories). */
  blobAnywhere(digest: string): { readonly size: number; readonly chunks: () => Iterable<Uint8Array> } | undefined {
    const blob = this.blobs.get(digest)
    return blob === undefined ? undefined : { size: blob.size, chunks: () => chunksOf(blob) }
  }

  deleteBlob(name: string, digest: string): boolean {
    return this.repositories.get(name)?.blobs.delete(digest) ?? false
  }

  mount(name: string, from: string, digest: string): boolean {
    if (!this.repositories.get(from)?.blobs.has(digest)) return false
    this.repository(name).blobs.add(digest)
    return true
  }

  startUpload(name: string): string {
    const id = randomUUID()
    this.uploads.set(id, { repository: name, chunks: [], size: 0 })
    this.repository(name)
    return id
  }

  upload(name: string, id: string): Upload | undefined {
    const upload = this.uploads.get(id)
    return upload?.repository === name ? upload : undefined
  }

  append(upload: Upload, chunk: Buffer): boolean {
    if (upload.size + chunk.length > this.maxUploadBytes) return false
    upload.chunks.push(chunk)
    upload.size += chunk.length
    return true
  }

  /** Completes an upload; the digest must match its content. */
  finishUpload(name: string, id: string, digest: string): "ok" | "unknown" | "digest-mismatch" {
    const upload = this.upload(name, id)
    if (upload === undefined) return "unknown"
    const bytes = Buffer.concat(upload.chunks)
    if (digestOf(bytes) !== digest) return "digest-mismatch"
    this.uploads.delete(id)
    this.putBlob(name, bytes)
    return "ok"
  }

  putManifest(name: string, reference: string, mediaType: string, bytes: Uint8Array): { readonly digest: string } | { readonly missing: string } | { readonly invalid: string } {
    let parsed: { config?: { digest?: string }; layers?: Array<{ digest?: string }>; manifests?: Array<{ digest?: string }>; subject?: { digest?: string }; artifactType?: string; mediaType?: string }
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString("utf8"))
    } catch {
      return { invalid: "the manifest is not JSON" }
    }
    const digest = digestOf(bytes)
    if (reference.includes(":") && reference !== digest) return { invalid: "the digest does not match the content" }
    const repo = this.repository(name)
    const blobs = [parsed.config?.digest, ...(parsed.layers ?? []).map((l) => l.digest)].filter((d): d is string => d !== undefined)
    for (const blob of blobs) if (!repo.blobs.has(blob)) return { missing: blob }
    for (const child of (parsed.manifests ?? []).map((m) => m.digest)) {
      if (child !== undefined && !repo.manifests.has(child)) return { missing: child }
    }
    repo.manifests.set(digest, {
      mediaType: mediaType || parsed.mediaType || "application/vnd.oci.image.manifest.v1+json",
      bytes,
      digest,
      subject: parsed.subject?.digest,
      artifactType: parsed.artifactType
    })
    if (!reference.includes(":")) repo.tags.set(reference, digest)
    return { digest }
  }

  manifest(name: string, reference: string): StoredManifest | undefined {
    const repo = this.repositories.get(name)
    if (repo === undefined) return undefined
    const digest = reference.includes(":") ? reference : repo.tags.get(reference)
    return digest === undefined ? undefined : repo.manifests.get(digest)
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

  referrers(name: string, digest: string): ReadonlyArray<StoredManifest> {
    const repo = this.repositories.get(name)
    return repo === undefined ? [] : [...repo.manifests.values()].filter((m) => m.subject === digest)
  }
}

function* chunksOf(blob: Blob): Iterable<Uint8Array> {
  if (blob.bytes !== undefined) {
    yield blob.bytes
    return
  }
  const chunk = generatedChunk(blob.seed)
  for (let done = 0; done < blob.size; done += CHUNK) yield chunk.subarray(0, Math.min(CHUNK, blob.size - done))
}
