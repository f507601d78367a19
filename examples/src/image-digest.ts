/**
 * The digest of images, by HEAD — seed 002's question ("get image digest from
 * the public Docker Hub registry"), answered for any registry.
 *
 *   tsx examples/src/image-digest.ts alpine busybox:1.36 ghcr.io/owner/app:1.0
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { Reference } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Console, Effect } from "effect"
import { isMain, layer, manifestAccept, parseArgs, runMain, setupFromCli } from "./shared.js"

/** The manifest URL of a reference. */
export const manifestUrl = (ref: Reference.Reference): string =>
  `https://${ref.registry}/v2/${ref.repository}/manifests/${Reference.identifier(ref)}`

/** The digest of one image, from `docker-content-digest` of a HEAD (which Docker Hub does not count). */
export const digestOf = (image: string) =>
  Effect.gen(function* () {
    const ref = yield* Reference.parse(image)
    const client = yield* HttpClient.HttpClient
    const response = yield* client
      .execute(HttpClientRequest.head(manifestUrl(ref)).pipe(HttpClientRequest.setHeader("accept", manifestAccept)))
      .pipe(Effect.flatMap(RegistryClient.filterStatusOk))
    const digest = response.headers["docker-content-digest"]
    if (digest === undefined) return yield* Effect.fail(new Error(`${Reference.familiar(ref)}: no docker-content-digest header`))
    return { image: Reference.familiar(ref), digest, mediaType: response.headers["content-type"] ?? "?" }
  })

export const program = (images: ReadonlyArray<string>) =>
  Effect.forEach(images, (image) =>
    Effect.flatMap(digestOf(image), ({ digest, image, mediaType }) => Console.log(`${image}  ${digest}  (${mediaType})`))
  )

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const { positional } = parseArgs(argv)
  runMain(program(positional.length > 0 ? positional : ["alpine"]).pipe(Effect.provide(layer(setupFromCli(argv)))))
}
