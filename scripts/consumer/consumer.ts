// Type-checked by scripts/consumer-check.mjs with the strictest settings a
// consumer may use, against the packed declarations (no skipLibCheck).
import { HttpClient, HttpClientError, HttpClientRequest } from "effect/http"
import { Challenge, CredentialProvider, CredentialStore, Reference, Registries, RegistryAdapter, RegistryError, Scope, TokenStore } from "@ociauth/core"
import * as HostConfig from "@ociauth/core/HostConfig"
import type { Credential, Token } from "@ociauth/core"
import * as CoreScope from "@ociauth/core/Scope"
import { DockerHub } from "@ociauth/docker-hub"
import { makeRegistryFetch as makeThinFetch, RateLimit, RegistryClient } from "@ociauth/fetch"
import type { RegistryFetchOptions } from "@ociauth/fetch/RegistryFetch"
import { Ghcr } from "@ociauth/ghcr"
import { Artifactory } from "@ociauth/artifactory"
import { Harbor } from "@ociauth/harbor"
import { Zot } from "@ociauth/zot"
import { Image, RegistryEmulator, TokenServer } from "@ociauth/testing"
import { Cli, Io } from "@ociauth/cli"
import type { Findings } from "@ociauth/cli"
import { Context, Effect, Layer, Option } from "effect"
import {
  AuthEvent,
  Authenticator,
  Builtins,
  Credential as BatteriesCredential,
  DockerHub as BatteriesDockerHub,
  makeRegistryFetch,
  NodeCredentials,
  NodeRegistryClient,
  Retry,
  Token as BatteriesToken
} from "ociauth"
import type { RegistryFetch } from "ociauth/RegistryFetch"

const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"

export const model = Effect.gen(function* () {
  const ref = yield* Reference.parse("alpine")
  const challenges = yield* Challenge.parse('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')
  const bearer = Option.getOrThrow(Challenge.bearer(challenges))
  const scopes: ReadonlyArray<string> = Scope.merge([...CoreScope.fromRequest("HEAD", `https://docker.io/v2/${ref.repository}/manifests/latest`), ...bearer.scopes]).map(Scope.format)
  return { realm: bearer.realm, service: bearer.service, scopes }
})

export const digest: Effect.Effect<string | undefined, unknown> = Effect.gen(function* () {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.execute(
    HttpClientRequest.head("https://docker.io/v2/alpine/manifests/latest").pipe(HttpClientRequest.setHeader("accept", ACCEPT))
  )
  return response.headers["docker-content-digest"]
}).pipe(Effect.provide(NodeRegistryClient.layer))

export const thin: Layer.Layer<HttpClient.HttpClient> = RegistryClient.layerFetch.pipe(
  Layer.provide(Layer.mergeAll(Registries.layer([DockerHub.adapter, Ghcr.adapter, ...Builtins.adapters]), CredentialProvider.layerAnonymous))
)

const mine: RegistryAdapter.RegistryAdapter = RegistryAdapter.make({ name: "mine", hosts: ["registry.corp.example"] })
export const selfHosted: ReadonlyArray<RegistryAdapter.RegistryAdapter> = [
  Harbor.make({ hosts: ["harbor.corp.example"] }),
  Artifactory.make({ hosts: ["art.corp.example"] }),
  Zot.make({ hosts: ["zot.corp.example"] })
]
const credentials: Readonly<Record<string, Credential.Input>> = {
  "ghcr.io": { username: "me", password: process.env["GITHUB_TOKEN"] ?? "" },
  "registry.corp.example": { identityToken: "t" }
}
const options: RegistryFetchOptions = {
  adapters: [mine, BatteriesDockerHub.make({ origin: "http://127.0.0.1:5000", realm: null })],
  credentials,
  insecure: ["registry.corp.example"],
  onEvent: (event: AuthEvent.AuthEvent) => console.log(event._tag)
}

export async function run(): Promise<void> {
  const registryFetch: RegistryFetch = makeRegistryFetch(options)
  const thinFetch = makeThinFetch({ credentialProvider: NodeCredentials.layer })
  try {
    const response = await registryFetch("https://docker.io/v2/alpine/manifests/latest", { method: "HEAD", headers: { accept: ACCEPT } })
    const limit: Option.Option<RateLimit.RateLimit> = RateLimit.fromHeaders(response.headers, Date.now())
    console.log(response.status, limit)
  } catch (error) {
    if (RegistryError.isRegistryError(error)) console.log(error._tag, error.message)
  } finally {
    await registryFetch.close()
    await thinFetch.close()
  }
  const emulator: RegistryEmulator.RegistryEmulator = await RegistryEmulator.start({ profile: "ghcr" })
  const server: TokenServer.TokenServer = emulator.tokenServer
  console.log(server, Image.manifestMediaType)
  await emulator.close()
}

export type Types = [Token.Token, BatteriesToken.Token, BatteriesCredential.Credential, Authenticator.Options, Retry.Policy]

// The CLI as a library: the program in process, and the probe's findings as data.
export const cliProgram: Effect.Effect<number, never, Cli.Environment> = Cli.run(["node", "ociauth", "--version"], { tokenStore: TokenStore.layerMemory() })
export const quirks = (findings: Findings.Findings): ReadonlyArray<Findings.Quirk> => findings.quirks
export const captured: Layer.Layer<Io.Io> = Io.capture({ stdin: "secret" }).layer
export const stores: Layer.Layer<CredentialStore.CredentialStore> = NodeCredentials.layerStore()

// An Effect 4 program's own service over the authenticating HttpClient: the layer composes.
export class Digests extends Context.Service<
  Digests,
  { readonly of: (repository: string, tag: string) => Effect.Effect<string | undefined, HttpClientError.HttpClientError> }
>()("consumer/Digests") {}
export const DigestsLive: Layer.Layer<Digests, HostConfig.HostConfigError> = Layer.effect(
  Digests,
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    return {
      of: (repository: string, tag: string) =>
        client
          .execute(HttpClientRequest.head(`https://docker.io/v2/${repository}/manifests/${tag}`).pipe(HttpClientRequest.setHeader("accept", ACCEPT)))
          .pipe(Effect.map((response) => response.headers["docker-content-digest"]))
    }
  })
).pipe(Layer.provide(NodeRegistryClient.layer))
export const digestOfAlpine: Effect.Effect<string | undefined, HttpClientError.HttpClientError | HostConfig.HostConfigError> = Effect.gen(function* () {
  const digests = yield* Digests
  return yield* digests.of("alpine", "latest")
}).pipe(Effect.provide(DigestsLive))
