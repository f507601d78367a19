/** Profiles the warm path (`node scripts/tsx.mjs --built --cpu-prof bench/src/profile-warm.ts 3000 [plain]`): N sequential HEADs through RegistryClient (or, with `plain`, the bare transport and a fixed token) against the real registry. */
import { HttpClient, HttpClientRequest } from "effect/http"
import { CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, ManagedRuntime } from "effect"
import { bed, OCI_MANIFEST } from "./harness.js"

const b = await bed()
await b.push("bench/profile", "latest")
const adapter = RegistryAdapter.make({ name: "p", hosts: [b.registry.host], challenge: { scheme: "bearer", realm: b.tokens.realm, service: b.tokens.service, scopes: [] } })
const plain = process.argv[3] === "plain"
const tokenUrl = new URL(b.tokens.realm)
tokenUrl.searchParams.set("service", b.tokens.service)
tokenUrl.searchParams.set("scope", "repository:bench/profile:pull")
const { token } = (await (await fetch(tokenUrl)).json()) as { token: string }
const runtime = plain
  ? ManagedRuntime.make(RegistryClient.layerFetchTransport)
  : ManagedRuntime.make(RegistryClient.layerFetch.pipe(Layer.provide(Layer.mergeAll(Registries.layer([adapter]), CredentialProvider.layerAnonymous))))
const n = Number(process.argv[2] ?? 3000)
const cpu = process.cpuUsage()
const start = performance.now()
await runtime.runPromise(
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.head(`${b.registry.origin}/v2/bench/profile/manifests/latest`).pipe(HttpClientRequest.setHeader("accept", OCI_MANIFEST))
    if (plain) request = HttpClientRequest.bearerToken(request, token)
    for (let i = 0; i < n; i++) yield* client.execute(request)
  }) as Effect.Effect<void, unknown, never>
)
const used = process.cpuUsage(cpu)
console.log(`${n} HEADs in ${(performance.now() - start).toFixed(0)} ms, CPU ${((used.user + used.system) / 1000 / n * 1000).toFixed(0)} µs per request`)
await runtime.dispose()
await b.close()
