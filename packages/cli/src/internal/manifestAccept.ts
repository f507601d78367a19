/**
 * The `Accept` of a manifest request, so that a registry answers with any of
 * the manifests it may hold: OCI's index and manifest, Docker's list and
 * manifest v2.
 */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ")
