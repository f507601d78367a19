/**
 * Pushes a small image: a one-file layer (tar + gzip), its config, and an OCI
 * manifest, with the blob upload protocol (POST, then PUT with the digest).
 * Needs credentials: `OCIAUTH_USERNAME` / `OCIAUTH_PASSWORD`.
 *
 *   OCIAUTH_USERNAME=me OCIAUTH_PASSWORD=… tsx examples/src/push-image.ts ghcr.io/me/hello:1.0
 */
import { createHash } from "node:crypto"
import { gzipSync } from "node:zlib"
import { HttpClient, HttpClientRequest } from "effect/http"
import { Reference } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Console, Effect } from "effect"
import { isMain, layer, parseArgs, runMain, setupFromCli } from "./shared.js"

const digestOf = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`

/** A ustar archive holding one file. */
export const tarOf = (name: string, content: Uint8Array): Uint8Array => {
  const header = new Uint8Array(512)
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset)
  put(0, name)
  put(100, "0000644\0")
  put(108, "0000000\0")
  put(116, "0000000\0")
  put(124, `${content.length.toString(8).padStart(11, "0")}\0`)
  put(136, "00000000000\0")
  put(156, "0")
  put(257, "ustar\u000000")
  put(148, "        ")
  const checksum = header.reduce((sum, byte) => sum + byte, 0)
  put(148, `${checksum.toString(8).padStart(6, "0")}\0 `)
  const padded = new Uint8Array(Math.ceil(content.length / 512) * 512)
  padded.set(content)
  const out = new Uint8Array(512 + padded.length + 1024)
  out.set(header)
  out.set(padded, 512)
  return out
}

const uploadBlob = (client: HttpClient.HttpClient, base: string, bytes: Uint8Array<ArrayBuffer>) =>
  Effect.gen(function* () {
    const digest = digestOf(bytes)
    const started = yield* client.execute(HttpClientRequest.post(`${base}/blobs/uploads/`)).pipe(Effect.flatMap(RegistryClient.filterStatusOk))
    const location = new URL(started.headers["location"]!, base)
    location.searchParams.set("digest", digest)
    yield* client
      .execute(HttpClientRequest.put(location).pipe(HttpClientRequest.bodyUint8Array(bytes, "application/octet-stream")))
      .pipe(Effect.flatMap(RegistryClient.filterStatusOk))
    return { digest, size: bytes.length }
  })

export const pushImage = (image: string, message = "hello from ociauth\n") =>
  Effect.gen(function* () {
    const ref = yield* Reference.parse(image)
    const client = yield* HttpClient.HttpClient
    const base = `https://${ref.registry}/v2/${ref.repository}`
    const layerTar = tarOf("hello.txt", new TextEncoder().encode(message))
    const layer = yield* uploadBlob(client, base, new Uint8Array(gzipSync(layerTar)))
    const config = new TextEncoder().encode(
      JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [digestOf(layerTar)] } })
    )
    const configBlob = yield* uploadBlob(client, base, config)
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }]
    })
    const put = yield* client
      .execute(
        HttpClientRequest.put(`${base}/manifests/${Reference.identifier(ref)}`).pipe(
          HttpClientRequest.bodyText(manifest, "application/vnd.oci.image.manifest.v1+json")
        )
      )
      .pipe(Effect.flatMap(RegistryClient.filterStatusOk))
    return { image: Reference.familiar(ref), digest: put.headers["docker-content-digest"] ?? digestOf(new TextEncoder().encode(manifest)) }
  })

export const program = (image: string) =>
  Effect.flatMap(pushImage(image), ({ digest, image }) => Console.log(`pushed ${image}  ${digest}`))

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const image = parseArgs(argv).positional[0]
  if (image === undefined) {
    console.error("usage: push-image <registry/repository:tag>")
    process.exitCode = 2
  } else {
    runMain(program(image).pipe(Effect.provide(layer(setupFromCli(argv)))))
  }
}
