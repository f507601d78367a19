/**
 * The warm overhead's clients in a process of their own, as a user's program
 * runs (never beside the registry, its proxy and its token server, whose CPU
 * and garbage the bench process also carries): sequential manifest HEADs (or
 * GETs, their bodies read) through RegistryClient (token cached) and through
 * the same fetch transport carrying a fixed token, in many short paired rounds
 * in ABBA order.
 *
 * `first` says which client is built, warmed and measured first: the bench
 * runs one worker each way, because of two identical clients the first came
 * out a few per cent slower. With `control`, the "sdk" slot is a
 * second plain client: the ratio a run reports for two identical clients, the
 * noise floor to read the real ratio against.
 *
 * The plain clients' fixed token is minted here, before the clients are built,
 * and minted again at 80 % of its lifetime (`token.ts`; the new one is picked
 * up at the next round), so that a run slowed down by a busy machine never
 * sends an expired token (a 300 s token passed in by the bench once did, and
 * the whole bench died).
 *
 * Prints {sdk, plain, pairs} as JSON: totals {wallMs, cpuMs} per client and the
 * ratios ("sdk" ÷ plain) of each round. A failed request exits 1 with the
 * failing client's name and the reason on stderr.
 *
 *   warm-worker '<json: origin, host, realm, service, repository, method, n, rounds, first, control>'
 */
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, ManagedRuntime } from "effect"
import { measure, OCI_MANIFEST } from "./harness.js"
import { renewingToken } from "./token.js"

export interface Arguments {
  readonly origin: string
  readonly host: string
  readonly realm: string
  readonly service: string
  readonly repository: string
  readonly method: "HEAD" | "GET"
  /** Requests per client. */
  readonly n: number
  readonly rounds: number
  /** The client built and warmed first. */
  readonly first: "sdk" | "plain"
  /** Two plain clients: the noise floor. */
  readonly control: boolean
}

export interface Totals {
  readonly wallMs: number
  readonly cpuMs: number
}

export interface Outcome {
  readonly sdk: Totals
  readonly plain: Totals
  readonly pairs: { readonly wall: ReadonlyArray<number>; readonly cpu: ReadonlyArray<number> }
}

type Client = (count: number) => Promise<void>

export const warmRounds = async (a: Arguments): Promise<Outcome> => {
  const url = `${a.origin}/v2/${a.repository}/manifests/latest`
  const runtimes: Array<{ readonly dispose: () => Promise<void> }> = []
  const base = HttpClientRequest.make(a.method)(url).pipe(HttpClientRequest.setHeader("accept", OCI_MANIFEST))
  // The plain clients' request, with the current fixed token (renewed in the background).
  const fixed = { request: base }
  await renewingToken(a.realm, a.service, `repository:${a.repository}:pull`, (token) => {
    fixed.request = HttpClientRequest.bearerToken(base, token)
  })
  const client = <E>(name: string, layer: Layer.Layer<HttpClient.HttpClient, E>, withToken: boolean): Client => {
    const runtime = ManagedRuntime.make(layer)
    runtimes.push(runtime)
    return (count) =>
      runtime.runPromise(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const request = withToken ? fixed.request : base
          for (let i = 0; i < count; i++) {
            const response = yield* http.execute(request)
            if (response.status !== 200) return yield* Effect.die(new Error(`${name}: ${a.method} answered ${response.status}`))
            if (a.method === "GET") yield* response.arrayBuffer
          }
        }) as Effect.Effect<void, unknown, never>
      )
  }
  const direct = RegistryAdapter.make({
    name: "bench-direct",
    hosts: [a.host],
    challenge: { scheme: "bearer", realm: a.realm, service: a.service, scopes: [] }
  })
  const makeSdk = () =>
    a.control
      ? client("plain client (control)", RegistryClient.layerFetchTransport, true)
      : client(
          "RegistryClient",
          RegistryClient.layerFetch.pipe(Layer.provide(Layer.mergeAll(Registries.layer([direct]), CredentialProvider.layerAnonymous))),
          false
        )
  // The same transport the runtime uses, carrying a fixed token.
  const makePlain = () => client("plain client", RegistryClient.layerFetchTransport, true)
  let sdk: Client
  let plain: Client
  if (a.first === "sdk") {
    sdk = makeSdk()
    plain = makePlain()
  } else {
    plain = makePlain()
    sdk = makeSdk()
  }
  // Warm: token cached, connections open, code compiled; in the order the clients were built.
  for (const warm of a.first === "sdk" ? [sdk, plain] : [plain, sdk]) await warm(200)

  const sdkTotal = { wallMs: 0, cpuMs: 0 }
  const plainTotal = { wallMs: 0, cpuMs: 0 }
  const pairs = { wall: [] as Array<number>, cpu: [] as Array<number> }
  const each = Math.max(1, Math.round(a.n / a.rounds))
  for (let round = 0; round < a.rounds; round++) {
    // ABBA: neither client always runs first (the garbage of one is collected during the other);
    // the client built first opens, so that the two workers swap the positions too.
    const sdkFirst = (round % 2 === 0) === (a.first === "sdk")
    const one = await measure(() => (sdkFirst ? sdk : plain)(each))
    const other = await measure(() => (sdkFirst ? plain : sdk)(each))
    const [s, p] = sdkFirst ? [one, other] : [other, one]
    sdkTotal.wallMs += s.wallMs
    sdkTotal.cpuMs += s.cpuMs
    plainTotal.wallMs += p.wallMs
    plainTotal.cpuMs += p.cpuMs
    pairs.wall.push(s.wallMs / p.wallMs)
    pairs.cpu.push(s.cpuMs / p.cpuMs)
  }
  for (const runtime of runtimes) await runtime.dispose()
  return { sdk: sdkTotal, plain: plainTotal, pairs }
}

if (process.argv[1]?.endsWith("warm-worker.ts")) {
  try {
    console.log(JSON.stringify(await warmRounds(JSON.parse(process.argv[2]!) as Arguments)))
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error))
    process.exit(1)
  }
}
