/**
 * One cold process: builds the runtime with a token store (none, file or
 * Redis), sends one manifest GET and prints {status, ms, sinceStartMs} as JSON:
 * `ms` from the program's start (layers built, stores opened) to the answer,
 * `sinceStartMs` from the process's start (module loading included).
 *
 *   cold-worker '{"store":"none"|"file"|"redis","origin":…,"directory":…,"redis":…,"secret":…}'
 */
import { HttpClientRequest } from "effect/http"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { Authenticator, CredentialProvider, Registries } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { RedisChallengeStore, RedisConnection, RedisTokenStore } from "@ociauth/redis"
import { FileChallengeStore, FileTokenStore } from "@ociauth/store"
import { Effect, Layer, Redacted } from "effect"

const args = JSON.parse(process.argv[2]!) as {
  store: "none" | "file" | "redis"
  origin: string
  repository: string
  directory: string
  redis: string
  secret: string
}

const stores = {
  none: Layer.empty,
  file: Layer.mergeAll(FileTokenStore.layer({ directory: args.directory }), FileChallengeStore.layer({ directory: args.directory })).pipe(
    Layer.provide([NodeFileSystem.layer, NodePath.layer]),
    Layer.orDie
  ),
  redis: Layer.mergeAll(RedisTokenStore.layer({ key: Redacted.make(args.secret) }), RedisChallengeStore.layer()).pipe(
    Layer.provide(RedisConnection.layer(args.redis))
  )
}

const started = performance.now()
const Client = RegistryClient.layerClient().pipe(
  Layer.provide(Authenticator.layer()),
  Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, Registries.layerGeneric, CredentialProvider.layerAnonymous, stores[args.store]))
)

const program = Effect.gen(function* () {
  const client = yield* RegistryClient.RegistryClient
  const response = yield* client.execute(HttpClientRequest.get(`${args.origin}/v2/${args.repository}/manifests/latest`))
  yield* response.arrayBuffer
  const now = performance.now()
  process.stdout.write(`${JSON.stringify({ status: response.status, ms: now - started, sinceStartMs: now })}\n`)
})

Effect.runPromise(Effect.scoped(Effect.provide(program, Client))).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
