/**
 * The demo: starts the emulator (Docker Hub and GHCR profiles, and a plain
 * distribution registry standing in for an in-house one), all on loopback,
 * and runs every example against it, printing the auth flow step by step —
 * challenges, scopes, token requests, grants, cache hits — and what each step
 * cost in round trips. It ends with the `ociauth probe` command against the
 * GHCR profile: the seed documents' investigation, automated. The cloud
 * registries run against their profiles too, with their identity side played
 * by stand-ins: ACR with Microsoft Entra ID (`EntraStandIn`), GAR with Google's
 * OAuth2 endpoint (`GoogleOAuthServer`). Offline; nothing leaves the machine.
 *
 *   pnpm demo
 */
import { ECRClient } from "@aws-sdk/client-ecr"
import { Acr } from "@ociauth/acr"
import { Cli, Io } from "@ociauth/cli"
import { RegistryAdapter } from "@ociauth/core"
import { Ecr, EcrClient } from "@ociauth/ecr"
import { makeRegistryFetch } from "@ociauth/fetch"
import type { RegistryFetch } from "@ociauth/fetch/RegistryFetch"
import { Gar } from "@ociauth/gar"
import { AwsEcrApi, EntraStandIn, GoogleOAuthServer, RegistryEmulator } from "@ociauth/testing"
import { Console, Effect, Exit, Layer, Schema } from "effect"
import * as Catalog from "./catalog.js"
import * as CheckLatest from "./check-latest.js"
import * as CustomAdapter from "./custom-adapter.js"
import * as ImageDigest from "./image-digest.js"
import * as ListTags from "./list-tags.js"
import * as PushImage from "./push-image.js"
import { adapters, describe, isMain, layer, messageOf } from "./shared.js"
import type { Setup } from "./shared.js"

export interface DemoResult {
  readonly steps: number
  readonly failed: ReadonlyArray<string>
  readonly requests: { readonly registry: number; readonly token: number; readonly cdn: number }
}

const emulators = Effect.gen(function* () {
  const hub = yield* RegistryEmulator.make({ profile: "dockerHub", users: { demo: "demo-password" }, privateRepositories: ["demo/*"] })
  for (const [repository, tags] of [
    ["library/alpine", ["latest", "3.20"]],
    ["library/busybox", ["latest"]],
    ["library/nginx", ["latest"]],
    ["library/python", ["3.10", "3.11", "3.12", "latest"]],
    ["library/redis", ["latest"]]
  ] as const) {
    for (const tag of tags) hub.pushImage(repository, tag)
  }
  const ghcr = yield* RegistryEmulator.make({ profile: "ghcr", users: { demo: "ghp_demo_token" } })
  for (const tag of ["1.0", "1.1"]) ghcr.pushImage("demo/app", tag)
  const corp = yield* RegistryEmulator.make({ users: { ci: "ci-secret" }, service: "corp-registry" })
  for (const tag of ["v1", "v2"]) corp.pushImage("team/app", tag)
  const aws = yield* AwsEcrApi.make()
  const ecr = yield* RegistryEmulator.make({ profile: "ecr", issuedPasswords: aws.passwords })
  for (const tag of ["1.0", "1.1"]) ecr.pushImage("team/app", tag)
  const entra = yield* EntraStandIn.make()
  const acr = yield* RegistryEmulator.make({
    profile: "acr",
    service: "contoso.azurecr.io",
    identity: entra.verify,
    grants: [{ account: entra.subject, name: "team/*", actions: ["pull", "metadata_read"] }],
    privateRepositories: ["*"]
  })
  for (const tag of ["1.0", "1.1"]) acr.pushImage("team/app", tag)
  const google = yield* GoogleOAuthServer.make()
  const gar = yield* RegistryEmulator.make({
    profile: "gar",
    authenticate: google.authenticate,
    grants: [{ account: google.subject, name: "acme-prod/*", actions: ["pull"] }],
    privateRepositories: ["*"]
  })
  for (const tag of ["1.0", "2.0"]) gar.pushImage("acme-prod/images/app", tag)
  return { hub, ghcr, corp, aws, ecr, entra, acr, google, gar }
})

export const runDemo = Effect.gen(function* () {
  const { acr, aws, corp, ecr, entra, gar, ghcr, google, hub } = yield* emulators
  const servers = [hub, ghcr, corp, ecr, acr, gar]
  const count = () =>
    servers.reduce(
      (n, s) => ({
        registry: n.registry + s.log.count({ server: "registry" }),
        token: n.token + s.log.count({ server: "token" }) + s.log.count({ server: "exchange" }),
        cdn: n.cdn + s.log.count({ server: "cdn" })
      }),
      { registry: 0, token: 0, cdn: 0 }
    )
  const targets = {
    dockerHub: { origin: hub.origin, realm: hub.tokenServer.realm },
    ghcr: { origin: ghcr.origin, realm: ghcr.tokenServer.realm }
  }
  const base: Setup = { targets, trace: true }
  const withDemoUser: Setup = {
    ...base,
    credentials: { "docker.io": { username: "demo", password: "demo-password" }, "ghcr.io": { username: "demo", password: "ghp_demo_token" } }
  }
  const failed: Array<string> = []
  let steps = 0

  const step = <E>(title: string, explanation: string, program: Effect.Effect<unknown, E>) =>
    Effect.gen(function* () {
      steps++
      const before = count()
      yield* Console.log(`\n━━ ${steps}. ${title}\n   ${explanation}`)
      const exit = yield* Effect.exit(program)
      const after = count()
      const cost = `${after.registry - before.registry} to registries, ${after.token - before.token} to token servers${
        after.cdn > before.cdn ? `, ${after.cdn - before.cdn} to the CDN` : ""
      }`
      if (Exit.isFailure(exit)) {
        failed.push(title)
        yield* Console.log(`   ✗ failed: ${exit.cause.toString()}`)
      }
      yield* Console.log(`   ⇢ requests: ${cost}`)
    })

  /** A step through the fetch façade: its events and results are printed as lines. */
  const throughFacade = (
    run: (registryFetch: RegistryFetch, lines: Array<string>) => Promise<void>,
    using: ReadonlyArray<RegistryAdapter.RegistryAdapter> = adapters(targets)
  ) =>
    Effect.promise(async () => {
      const lines: Array<string> = []
      const registryFetch = makeRegistryFetch({ adapters: using, credentials: {}, onEvent: (e) => lines.push(`    · ${describe(e)}`) })
      try {
        await run(registryFetch, lines)
      } finally {
        await registryFetch.close()
      }
      return lines
    }).pipe(Effect.flatMap((lines) => Console.log(lines.join("\n"))))

  yield* Console.log(
    [
      "ociauth demo — every example against an in-process emulator, offline.",
      `  Docker Hub profile  ${hub.origin}  (token server ${hub.tokenServer.origin}, CDN ${hub.cdnOrigin})`,
      `  GHCR profile        ${ghcr.origin}  (token endpoint /token on the same origin)`,
      `  in-house registry   ${corp.origin}  (distribution profile)`,
      `  Amazon ECR profile  ${ecr.origin}  (AWS ECR API stand-in ${aws.origin}, called by the real AWS SDK)`,
      `  ACR profile         ${acr.origin}  (contoso.azurecr.io; Entra ID played in-process)`,
      `  GAR profile         ${gar.origin}  (us-central1-docker.pkg.dev; Google's token endpoint at ${google.origin})`,
      "Lines marked · are the SDK's auth events."
    ].join("\n")
  )

  yield* step(
    "image-digest alpine python:3.10 ghcr.io/demo/app:1.0",
    "HEAD each manifest. Docker Hub and GHCR realms are known to their adapters: a cold request costs 2 round trips, a warm one 1.",
    ImageDigest.program(["alpine", "python:3.10", "ghcr.io/demo/app:1.0"]).pipe(Effect.provide(layer(base)))
  )

  yield* step(
    "seed 002 through the fetch façade: GET https://index.docker.io/v2/alpine/manifests/latest",
    "The request that failed in seed 002 (no library/, wrong service). The adapter maps the host, the name and the service.",
    throughFacade(async (registryFetch, lines) => {
      const response = await registryFetch("https://index.docker.io/v2/alpine/manifests/latest", {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" }
      })
      lines.push(`   ${response.status} ${response.headers.get("docker-content-digest")}`)
      await response.arrayBuffer()
    })
  )

  yield* step(
    "a layer blob from Docker Hub, through the fetch façade",
    "Docker Hub redirects blobs to a CDN. The runtime follows the redirect itself and the token stays behind.",
    throughFacade(async (registryFetch, lines) => {
      const layerDigest = hub.pushImage("library/alpine", "with-layer").layers[0]!
      const response = await registryFetch(`https://docker.io/v2/alpine/blobs/${layerDigest}`)
      lines.push(`   ${response.status}: ${(await response.arrayBuffer()).byteLength} bytes of ${layerDigest}`)
      lines.push(`   Authorization seen by the CDN: ${hub.log.count({ server: "cdn", authorization: "bearer" }) === 0 ? "never" : "YES (leak!)"}`)
    })
  )

  yield* step(
    "list-tags python --page-size 2",
    "Tags page by page, following Link headers; one token serves every page.",
    ListTags.program("python", 2).pipe(Effect.provide(layer(base)))
  )

  yield* step(
    "catalog docker.io",
    "Docker Hub has no usable catalog: its adapter says so, the SDK answers Unsupported without a request.",
    Catalog.program("docker.io").pipe(Effect.provide(layer(base)))
  )

  yield* step(
    "catalog ghcr.io (as demo)",
    "GHCR lists its catalog to authenticated users; its placeholder challenge scope is never requested.",
    Catalog.program("ghcr.io").pipe(Effect.provide(layer(withDemoUser)))
  )

  yield* step(
    "push-image ghcr.io/demo/hello:1.0 (as demo)",
    "Two blob uploads (POST + PUT each) and a manifest PUT, all under one pull,push token.",
    PushImage.program("ghcr.io/demo/hello:1.0").pipe(Effect.provide(layer(withDemoUser)))
  )

  yield* step(
    "a narrowed grant: anonymous push to docker.io/alpine",
    "Docker Hub narrows silently. The SDK reads the JWT's access claim and stops before the upload.",
    PushImage.program("alpine:mine").pipe(
      Effect.provide(layer(base)),
      Effect.catch((error) => Console.log(`   refused as expected: ${messageOf(error)}`))
    )
  )

  yield* step(
    "custom-adapter team/app (an in-house registry)",
    "A declarative adapter: realm known in advance, 15-minute tokens, its own client_id, DELETE forbidden.",
    CustomAdapter.program("team/app").pipe(
      Effect.provide(
        layer({
          ...base,
          adapters: [CustomAdapter.inHouse({ origin: corp.origin, realm: corp.tokenServer.realm })],
          credentials: { [CustomAdapter.host]: { username: "ci", password: "ci-secret" } }
        })
      )
    )
  )

  yield* step(
    "check-latest alpine busybox nginx python redis ghcr.io/demo/app:1.1",
    "Many images concurrently, reading Docker Hub's rate-limit headers as data; tokens shared per repository.",
    CheckLatest.program(["alpine", "busybox", "nginx", "python", "redis", "ghcr.io/demo/app:1.1"]).pipe(Effect.provide(layer(base)))
  )

  yield* step(
    "ECR: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app, passwords from ecr:GetAuthorizationToken",
    "Basic AWS:<password> on every request, the password from the AWS SDK (SigV4 to the API stand-in): one API call for the registry, however many requests; n=5000 lowered to ECR's 1000.",
    Effect.promise(async () => {
      const client = EcrClient.fromSdk(new ECRClient({ region: "eu-west-1", endpoint: aws.origin, credentials: aws.credentials }))
      const lines: Array<string> = []
      const registryFetch = makeRegistryFetch({
        adapters: [RegistryAdapter.retarget(Ecr.make({ client }), { origin: ecr.origin })],
        credentials: {},
        onEvent: (e) => lines.push(`    · ${describe(e)}`)
      })
      const registry = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
      try {
        const heads = await Promise.all(["1.0", "1.1", "1.0", "1.1"].map((tag) => registryFetch(`${registry}/v2/team/app/manifests/${tag}`, { method: "HEAD" })))
        lines.push(`   HEAD ×4 concurrently: ${heads.map((r) => r.status).join(" ")}`)
        const tags = await registryFetch(`${registry}/v2/team/app/tags/list?n=5000`)
        lines.push(`   tags/list?n=5000 → ${tags.status} ${JSON.stringify(await tags.json())} (sent as ${ecr.log.entries.at(-1)?.query})`)
      } finally {
        await registryFetch.close()
      }
      lines.push(`   GetAuthorizationToken calls: ${aws.issued(AwsEcrApi.ecrTarget)}; requests with Basic: ${ecr.log.count({ server: "registry", authorization: "basic" })}`)
      if (aws.issued(AwsEcrApi.ecrTarget) !== 1) throw new Error(`expected one GetAuthorizationToken call, saw ${aws.calls.length}`)
      return lines
    }).pipe(Effect.flatMap((lines) => Console.log(lines.join("\n"))))
  )

  yield* step(
    "ACR: tags of contoso.azurecr.io/team/app with Microsoft Entra ID",
    "No credential configured: an Entra token, exchanged at /oauth2/exchange for a refresh token, POSTed for an access token that asks for metadata_read.",
    throughFacade(async (registryFetch, lines) => {
      const listed = await registryFetch("https://contoso.azurecr.io/v2/team/app/tags/list")
      lines.push(`   ${listed.status} ${JSON.stringify(await listed.json())}`)
      const pulled = await registryFetch("https://contoso.azurecr.io/v2/team/app/manifests/1.1", { method: "HEAD" })
      lines.push(`   ${pulled.status} ${pulled.headers.get("docker-content-digest")}`)
      lines.push(`   Entra tokens: ${entra.issued.length}, exchanges: ${acr.log.count({ server: "exchange" })}, access tokens: ${acr.log.count({ server: "token" })}`)
    }, [RegistryAdapter.retarget(Acr.make({ entra: { credential: entra.credential } }), { origin: acr.origin, realm: null })])
  )

  yield* step(
    "GAR: tags of us-central1-docker.pkg.dev/acme-prod/images/app with an OAuth2 access token",
    "No credential configured: a Google access token sent as Basic oauth2accesstoken to GET /v2/token (no service); Google's tags/list fields decoded.",
    throughFacade(async (registryFetch, lines) => {
      const response = await registryFetch("https://us-central1-docker.pkg.dev/v2/acme-prod/images/app/tags/list")
      const listed = Schema.decodeUnknownSync(Gar.TagList)(await response.json())
      lines.push(`   ${response.status} tags ${JSON.stringify(listed.tags)}, ${Object.keys(listed.manifests ?? {}).length} manifests by digest`)
      lines.push(`   OAuth2 tokens: ${google.issued.length}, registry tokens: ${gar.log.count({ server: "token" })}`)
    }, [RegistryAdapter.retarget(Gar.make({ google: { client: google.client() } }), { origin: gar.origin, realm: null })])
  )

  yield* step(
    `ociauth probe ${ghcr.host} demo/app --insecure --user demo --password-stdin`,
    "The CLI investigates a registry as the seed documents did by hand, here the GHCR profile: every finding, and its quirks.",
    Effect.gen(function* () {
      const { captured, layer: io } = Io.capture({ stdin: "ghp_demo_token" })
      const code = yield* Cli.run(["node", "ociauth", "probe", ghcr.host, "demo/app", "--insecure", "--user", "demo", "--password-stdin"]).pipe(
        Effect.provide(Layer.merge(Cli.layerPlatform, io))
      )
      yield* Console.log(captured.stdout().trimEnd().split("\n").map((line) => `   ${line}`).join("\n"))
      if (code !== 0) return yield* Effect.fail(`ociauth probe exited with ${code}: ${captured.stderr()}`)
    })
  )

  const requests = count()
  yield* Console.log(
    `\n${steps - failed.length}/${steps} steps succeeded — ${requests.registry} registry requests, ${requests.token} token requests, ${requests.cdn} CDN requests.`
  )
  return { steps, failed, requests } satisfies DemoResult
}).pipe(Effect.scoped)

if (isMain(import.meta.url)) {
  Effect.runPromise(runDemo).then(
    (result) => {
      if (result.failed.length > 0) process.exitCode = 1
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
