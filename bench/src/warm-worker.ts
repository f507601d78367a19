/**
 * The warm overhead's clients in a process of their own, as a user's program
 * runs (never beside the registry, its proxy and its token server, whose CPU
 * and garbage the bench process also carries): sequential manifest HEADs (or
 * GETs, their bodies read) through RegistryClient (token cached) and through
 * the same fetch transport carrying a fixed token, in paired rounds in ABBA
 * order.
 *
 * Prints {sdk, plain, pairs} as JSON: totals {wallMs, cpuMs} per client and the
 * ratios (RegistryClient ÷ plain) of each round.
 *
 *   warm-worker '<json: origin, host, realm, service, token, repository, method, n, rounds>'
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, ManagedRuntime } from "effect"
import { measure, OCI_MANIFEST } from "./harness.js"

export interface Arguments {
  readonly origin: string
  readonly host: string
  readonly realm: string
  readonly service: string
  readonly token: string
  readonly repository: string
  readonly method: "HEAD" | "GET"
  readonly n: number
  readonly rounds: number
}

export interface Outcome {
  readonly sdk: { readonly wallMs: number; readonly cpuMs: number }
  readonly plain: { readonly wallMs: number; readonly cpuMs: number }
  readonly pairs: { readonly wall: ReadonlyArray<number>; readonly cpu: ReadonlyArray<number> }
}

export const warmRounds = async (a: Arguments): Promise<Outcome> => {
  const direct = RegistryAdapter.make({
    name: "bench-direct",
    hosts: [a.host],
    challenge: { scheme: "bearer", realm: a.realm, service: a.service, scopes: [] }
  })
  const sdk = ManagedRuntime.make(
    RegistryClient.layerFetch.pipe(Layer.provide(Layer.mergeAll(Registries.layer([direct]), CredentialProvider.layerAnonymous)))
  )
  // The same transport the runtime uses, carrying a fixed token.
  const plain = ManagedRuntime.make(RegistryClient.layerFetchTransport)
  const url = `${a.origin}/v2/${a.repository}/manifests/latest`
  const heads = (runtime: typeof sdk | typeof plain, count: number, withToken: boolean) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        let request = HttpClientRequest.make(a.method)(url).pipe(HttpClientRequest.setHeader("accept", OCI_MANIFEST))
        if (withToken) request = HttpClientRequest.bearerToken(request, a.token)
        for (let i = 0; i < count; i++) {
          const response = yield* client.execute(request)
          if (response.status !== 200) return yield* Effect.die(new Error(`${a.method} answered ${response.status}`))
          if (a.method === "GET") yield* response.arrayBuffer
        }
      }) as Effect.Effect<void, unknown, never>
    )
  await heads(sdk, 50, false) // warm: token cached, connections open, code compiled
  await heads(plain, 50, true)
  const sdkTotal = { wallMs: 0, cpuMs: 0 }
  const plainTotal = { wallMs: 0, cpuMs: 0 }
  const pairs = { wall: [] as Array<number>, cpu: [] as Array<number> }
  const each = Math.round(a.n / a.rounds)
  for (let round = 0; round < a.rounds; round++) {
    // ABBA: neither client always runs first (the garbage of one is collected during the other).
    const sdkFirst = round % 2 === 0
    const first = await measure(() => (sdkFirst ? heads(sdk, each, false) : heads(plain, each, true)))
    const second = await measure(() => (sdkFirst ? heads(plain, each, true) : heads(sdk, each, false)))
    const [s, p] = sdkFirst ? [first, second] : [second, first]
    sdkTotal.wallMs += s.wallMs
    sdkTotal.cpuMs += s.cpuMs
    plainTotal.wallMs += p.wallMs
    plainTotal.cpuMs += p.cpuMs
    pairs.wall.push(s.wallMs / p.wallMs)
    pairs.cpu.push(s.cpuMs / p.cpuMs)
  }
  await sdk.dispose()
  await plain.dispose()
  return { sdk: sdkTotal, plain: plainTotal, pairs }
}

if (process.argv[1]?.endsWith("warm-worker.ts")) {
  console.log(JSON.stringify(await warmRounds(JSON.parse(process.argv[2]!) as Arguments)))
}
