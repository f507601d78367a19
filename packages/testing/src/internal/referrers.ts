import type { StoredManifest } from "./content.js"

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json"

const isIndex = (m: StoredManifest) =>
  m.mediaType === OCI_INDEX || m.mediaType === "application/vnd.docker.distribution.manifest.list.v2+json"

/**
 * The descriptor of a referrer as the referrers API lists it: `artifactType`
 * from the manifest, else (image manifests only) its config's media type, and
 * the manifest's annotations.
 */
const descriptor = (m: StoredManifest) => {
  const artifactType = m.info.artifactType ?? (isIndex(m) ? undefined : m.info.configMediaType)
  return {
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.bytes.length,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(m.info.annotations === undefined ? {} : { annotations: m.info.annotations })
  }
}

/**
 * The referrers of `subject` among `manifests` as an OCI image index, filtered
 * by `artifactType` when one is given (and then `filtered` is true, for the
 * `OCI-Filters-Applied` header).
 */
export const index = (manifests: Iterable<StoredManifest>, subject: string, artifactType: string | null) => {
  const referrers = [...manifests].filter((m) => m.info.subject === subject).map(descriptor)
  const listed = artifactType === null ? referrers : referrers.filter((d) => d.artifactType === artifactType)
  return {
    filtered: artifactType !== null,
    body: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: listed }
  }
}
