/**
 * Small OCI images for tests: layers, a config that names them, and an image
 * manifest, each with its digest, ready to upload to any registry.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes } from "node:crypto"

/**
 * @since 0.1.0
 * @category constants
 */
export const manifestMediaType = "application/vnd.oci.image.manifest.v1+json"

/**
 * @since 0.1.0
 * @category constants
 */
export const configMediaType = "application/vnd.oci.image.config.v1+json"

/**
 * @since 0.1.0
 * @category constants
 */
export const layerMediaType = "application/vnd.oci.image.layer.v1.tar"

/**
 * The `sha256:…` digest of some bytes.
 *
 * @since 0.1.0
 * @category utils
 */
export const digestOf = (bytes: Uint8Array | string): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`

/**
 * A blob and its digest.
 *
 * @since 0.1.0
 * @category models
 */
export interface Blob {
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly digest: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Image {
  readonly layers: ReadonlyArray<Blob>
  readonly config: Blob
  /** The manifest, as the exact text whose digest is `manifest.digest`. */
  readonly manifest: { readonly text: string; readonly digest: string; readonly mediaType: string }
}

const blob = (bytes: Uint8Array<ArrayBuffer>): Blob => ({ bytes, digest: digestOf(bytes) })

/**
 * An image of the given layers (one random 512-byte layer by default).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (layers: ReadonlyArray<Uint8Array<ArrayBuffer>> = [new Uint8Array(randomBytes(512))]): Image => {
  const layerBlobs = layers.map(blob)
  const config = blob(
    new TextEncoder().encode(
      JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: layerBlobs.map((l) => l.digest) } })
    )
  )
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: configMediaType, digest: config.digest, size: config.bytes.length },
    layers: layerBlobs.map((l) => ({ mediaType: layerMediaType, digest: l.digest, size: l.bytes.length }))
  })
  return { layers: layerBlobs, config, manifest: { text, digest: digestOf(text), mediaType: manifestMediaType } }
}
