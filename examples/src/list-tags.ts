/**
 * Every tag of a repository, following the registry's `Link` pagination.
 *
 *   tsx examples/src/list-tags.ts python --page-size 50
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { Reference } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Console, Effect, Schema } from "effect"
import { isMain, layer, parseArgs, runMain, setupFromCli } from "./shared.js"

const TagList = Schema.Struct({ name: Schema.String, tags: Schema.NullOr(Schema.Array(Schema.String)) })

/** The next page from a `Link: </v2/…?last=…&n=…>; rel="next"` header. */
export const nextPage = (link: string | undefined, current: URL): URL | undefined => {
  const match = link === undefined ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)
  return match === null ? undefined : new URL(match[1]!, current)
}

export const listTags = (repository: string, pageSize = 100) =>
  Effect.gen(function* () {
    const ref = yield* Reference.parse(repository)
    const client = yield* HttpClient.HttpClient
    const tags: Array<string> = []
    let url: URL | undefined = new URL(`https://${ref.registry}/v2/${ref.repository}/tags/list?n=${pageSize}`)
    let pages = 0
    while (url !== undefined && pages < 1000) {
      const response = yield* client.execute(HttpClientRequest.get(url)).pipe(Effect.flatMap(RegistryClient.filterStatusOk))
      const page = yield* response.json.pipe(Effect.flatMap(Schema.decodeUnknownEffect(TagList)))
      tags.push(...(page.tags ?? []))
      url = nextPage(response.headers["link"], url)
      pages++
    }
    return { repository: `${ref.registry}/${ref.repository}`, tags, pages }
  })

export const program = (repository: string, pageSize?: number) =>
  Effect.flatMap(listTags(repository, pageSize), ({ pages, repository, tags }) =>
    Console.log(`${repository}: ${tags.length} tags in ${pages} page(s)\n  ${tags.join(" ")}`)
  )

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const { flags, positional } = parseArgs(argv)
  const repository = positional[0] ?? "alpine"
  runMain(
    program(repository, Number(flags.get("page-size") ?? 100)).pipe(Effect.provide(layer(setupFromCli(argv))))
  )
}
