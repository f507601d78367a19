/** What a pushed manifest (image manifest or index, OCI or Docker) says about other content. */
export interface ManifestInfo {
  /** The `mediaType` field, when there is one. */
  readonly mediaType: string | undefined
  readonly artifactType: string | undefined
  readonly configMediaType: string | undefined
  /** The digest of the `subject` descriptor: it need not exist. */
  readonly subject: string | undefined
  readonly annotations: Readonly<Record<string, string>> | undefined
  /** Blobs that must exist in the repository: the config and the distributable layers. */
  readonly blobs: ReadonlyArray<string>
  /** Manifests an index lists. */
  readonly children: ReadonlyArray<string>
}

interface Descriptor {
  readonly mediaType?: unknown
  readonly digest?: unknown
}

/**
 * Layers a registry need not hold: OCI non-distributable layers and Docker's
 * foreign layers, fetched by clients from their `urls`.
 */
export const isNonDistributable = (mediaType: unknown): boolean =>
  typeof mediaType === "string" &&
  (mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.") ||
    mediaType.startsWith("application/vnd.docker.image.rootfs.foreign."))

const digestOf = (descriptor: Descriptor | undefined): string | undefined =>
  typeof descriptor?.digest === "string" ? descriptor.digest : undefined

const stringOf = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)

export const parse = (bytes: Uint8Array): ManifestInfo | { readonly invalid: string } => {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"))
  } catch {
    return { invalid: "the manifest is not JSON" }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { invalid: "the manifest is not a JSON object" }
  const m = parsed as {
    mediaType?: unknown
    artifactType?: unknown
    config?: Descriptor
    layers?: unknown
    manifests?: unknown
    subject?: Descriptor
    annotations?: unknown
  }
  const layers = Array.isArray(m.layers) ? (m.layers as Array<Descriptor>) : []
  const manifests = Array.isArray(m.manifests) ? (m.manifests as Array<Descriptor>) : []
  const annotations =
    typeof m.annotations === "object" && m.annotations !== null && !Array.isArray(m.annotations)
      ? (m.annotations as Record<string, string>)
      : undefined
  return {
    mediaType: stringOf(m.mediaType),
    artifactType: stringOf(m.artifactType),
    configMediaType: stringOf(m.config?.mediaType),
    subject: digestOf(m.subject),
    annotations,
    blobs: [digestOf(m.config), ...layers.filter((l) => !isNonDistributable(l.mediaType)).map(digestOf)].filter(
      (d): d is string => d !== undefined
    ),
    children: manifests.map(digestOf).filter((d): d is string => d !== undefined)
  }
}
