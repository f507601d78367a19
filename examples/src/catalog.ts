/**
 * The catalog of a registry — where the registry has one. Docker Hub has not:
 * its adapter says so and the SDK answers `Unsupported` without a request.
 *
 *   tsx examples/src/catalog.ts ghcr.io
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { RegistryClient } from "@ociauth/fetch"
import { Console, Effect, Schema } from "effect"
import { nextPage } from "./list-tags.js"
import { isMain, layer, messageOf, parseArgs, runMain, setupFromCli } from "./shared.js"

const Catalog = Schema.Struct({ repositories: Schema.NullOr(Schema.Array(Schema.String)) })

export const listCatalog = (registry: string, limit = 1000) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const repositories: Array<string> = []
    let url: URL | undefined = new URL(`https://${registry}/v2/_catalog?n=100`)
    while (url !== undefined && repositories.length < limit) {
      const response = yield* client.execute(HttpClientRequest.get(url)).pipe(Effect.flatMap(RegistryClient.filterStatusOk))
      const page = yield* response.json.pipe(Effect.flatMap(Schema.decodeUnknownEffect(Catalog)))
      repositories.push(...(page.repositories ?? []))
      url = nextPage(response.headers["link"], url)
    }
    return repositories
  })

export const program = (registry: string) =>
  listCatalog(registry).pipe(
    Effect.flatMap((repositories) => Console.log(`${registry}: ${repositories.length} repositories\n  ${repositories.join("\n  ")}`)),
    Effect.catchIf(
      (error) => RegistryClient.registryError(error).pipe((e) => e._tag === "Some" && e.value._tag === "Unsupported"),
      (error) => Console.log(`${registry}: ${messageOf(error)} — no request was sent`)
    )
  )

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const registry = parseArgs(argv).positional[0] ?? "docker.io"
  runMain(program(registry).pipe(Effect.provide(layer(setupFromCli(argv)))))
}
