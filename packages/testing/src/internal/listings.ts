/**
 * The catalog (`/v2/_catalog`) and tag lists (`/v2/<name>/tags/list`), paginated
 * with `n` and `last` and a `Link` to the next page; Google's extra tags/list
 * fields (GAR, gcr.io); ECR's cap on `n`.
 */
import type { Profile } from "../Profile.js"
import type { ContentStore } from "./content.js"
import { ociError, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

const paginate = (profile: Profile, items: ReadonlyArray<string>, url: URL, path: string) => {
  const last = url.searchParams.get("last")
  const n = url.searchParams.has("n") ? Number(url.searchParams.get("n")) : undefined
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) return { error: true as const }
  if (n !== undefined && profile.maxPageSize !== undefined && n > profile.maxPageSize) return { error: "tooLarge" as const }
  const after = last === null ? items : items.filter((item) => item > last)
  const page = n === undefined ? after : after.slice(0, n)
  const more = n !== undefined && after.length > n && page.length > 0
  const link = more ? `<${path}?last=${encodeURIComponent(page[page.length - 1]!)}&n=${n}>; rel="next"` : undefined
  return { error: false as const, page, link }
}

/** A page of `items`, answered with `body(page)`; a bad `n` is 400, one over the profile's cap 405. */
const sendPage = (
  { response, url }: Exchange,
  profile: Profile,
  items: ReadonlyArray<string>,
  path: string,
  body: (page: ReadonlyArray<string>) => unknown
): void => {
  const result = paginate(profile, items, url, path)
  if (result.error === "tooLarge") {
    // ECR (registry reference §6): n above 1000 is a 405 with the API's validation message.
    return sendJson(response, 405, ociError("UNSUPPORTED", `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to ${profile.maxPageSize}'`))
  }
  if (result.error) return sendJson(response, 400, ociError("PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
  return sendJson(response, 200, body(result.page), result.link === undefined ? {} : { link: result.link })
}

/** Google's tags/list: every manifest of the repository by digest, with its tags. */
const googleManifests = (content: ContentStore, name: string, now: () => number) => {
  const manifests: Record<string, unknown> = {}
  for (const manifest of content.manifests(name)) {
    const tags = (content.tags(name) ?? []).filter((tag) => content.manifest(name, tag)?.digest === manifest.digest)
    manifests[manifest.digest] = {
      imageSizeBytes: String(manifest.bytes.byteLength),
      layerId: "",
      mediaType: manifest.mediaType,
      tag: tags,
      timeCreatedMs: "0",
      timeUploadedMs: String(now())
    }
  }
  return manifests
}

export const catalog = (exchange: Exchange, profile: Profile, repositories: ReadonlyArray<string>): void =>
  sendPage(exchange, profile, repositories, `${profile.apiPrefix}/v2/_catalog`, (page) => ({ repositories: page }))

export const tags = (exchange: Exchange, profile: Profile, content: ContentStore, name: string, now: () => number): void => {
  const tags = content.tags(name)
  if (tags === undefined) return sendJson(exchange.response, 404, ociError("NAME_UNKNOWN", "repository name not known to registry", { name }))
  sendPage(exchange, profile, tags, `${profile.apiPrefix}/v2/${name}/tags/list`, (page) =>
    profile.googleTagsList ? { child: [], manifests: googleManifests(content, name, now), name, tags: page } : { name, tags: page })
}
