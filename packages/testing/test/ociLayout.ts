/**
 * OCI image layouts on disk (image-spec `image-layout.md`) for round trips with
 * skopeo: written from the package's `Image` helpers, read back by digest.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Image } from "@ociauth/testing"

export const indexMediaType = "application/vnd.oci.image.index.v1+json"

/** The parts of a manifest or index a round trip follows. */
export interface ManifestJson {
  readonly config?: { readonly digest: string }
  readonly layers?: ReadonlyArray<{ readonly digest: string }>
  readonly manifests?: ReadonlyArray<{ readonly digest: string }>
}

export interface Content {
  /** Every blob and manifest, by digest. */
  readonly blobs: ReadonlyMap<string, Uint8Array>
  /** The tagged manifests: ref name → digest and media type. */
  readonly refs: Readonly<Record<string, { readonly digest: string; readonly mediaType: string }>>
}

const encode = (text: string) => new TextEncoder().encode(text)

/** An image (`image`) and a two-platform index (`index`) with all their blobs. */
export const imageAndIndex = (): Content => {
  const blobs = new Map<string, Uint8Array>()
  const add = (image: Image.Image) => {
    for (const blob of [...image.layers, image.config]) blobs.set(blob.digest, blob.bytes)
    blobs.set(image.manifest.digest, encode(image.manifest.text))
    return image
  }
  const image = add(Image.make())
  const platforms = [{ architecture: "amd64", os: "linux" }, { architecture: "arm64", os: "linux" }]
  const children = platforms.map(() => add(Image.make()))
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: indexMediaType,
    manifests: children.map((child, i) => ({
      mediaType: child.manifest.mediaType,
      digest: child.manifest.digest,
      size: encode(child.manifest.text).length,
      platform: platforms[i]
    }))
  })
  const indexDigest = Image.digestOf(index)
  blobs.set(indexDigest, encode(index))
  return {
    blobs,
    refs: {
      image: { digest: image.manifest.digest, mediaType: image.manifest.mediaType },
      index: { digest: indexDigest, mediaType: indexMediaType }
    }
  }
}

export const write = async (directory: string, content: Content): Promise<void> => {
  await mkdir(join(directory, "blobs", "sha256"), { recursive: true })
  await writeFile(join(directory, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }))
  for (const [digest, bytes] of content.blobs) await writeFile(join(directory, "blobs", ...digest.split(":")), bytes)
  const manifests = Object.entries(content.refs).map(([ref, { digest, mediaType }]) => ({
    mediaType,
    digest,
    size: content.blobs.get(digest)!.length,
    annotations: { "org.opencontainers.image.ref.name": ref }
  }))
  await writeFile(join(directory, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }))
}

/** The digest a ref names in a layout's `index.json`. */
export const refDigest = async (directory: string, ref: string): Promise<string | undefined> => {
  const index = JSON.parse(await readFile(join(directory, "index.json"), "utf8")) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>
  }
  return index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === ref)?.digest
}

export const readBlob = (directory: string, digest: string): Promise<Uint8Array> =>
  readFile(join(directory, "blobs", ...digest.split(":"))).then((b) => new Uint8Array(b))
