/**
 * Starts the real CNCF distribution registry (Debian package `docker-registry`,
 * v2.8) on a free loopback port, in token-auth mode trusting a `TokenServer`'s
 * root certificate, with storage in a temporary directory and DELETE enabled.
 * It is stopped, and its directory removed, when released. `pushImage` puts a
 * small image in it through its own API, as the emulator's `pushImage` does.
 *
 * @since 0.1.0
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Scope as OciScope } from "@ociauth/core"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Scope } from "effect"
import * as Image from "./Image.js"
import { findBinary as findBinaryIn, freePort, spawnServer, stop } from "./internal/process.js"
import type { PushedImage } from "./RegistryEmulator.js"
import type { TokenServer } from "./TokenServer.js"

/**
 * The `docker-registry` binary is not installed.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryBinaryMissing extends Data.TaggedError("RegistryBinaryMissing")<{ readonly searched: string }> {
  /** @since 0.1.0 */
  override get message(): string {
    return `docker-registry was not found (${this.searched}); install the Debian package: apt-get install -y docker-registry`
  }
}

/**
 * The registry did not come up.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryStartError extends Data.TaggedError("RegistryStartError")<{ readonly reason: string }> {
  /** @since 0.1.0 */
  override get message(): string {
    return `docker-registry did not start: ${this.reason}`
  }
}

/**
 * `pushImage` failed: the registry refused a step (its status and body), or no
 * token could be had.
 *
 * @since 1.0.0
 * @category errors
 */
export class PushError extends Data.TaggedError("PushError")<{
  readonly repository: string
  readonly tag: string
  readonly reason: string
}> {
  /** @since 1.0.0 */
  override get message(): string {
    return `pushImage ${this.repository}:${this.tag}: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The token server the registry trusts (realm, service, issuer, root certificate). A `TokenServer`
   * also lends its `issue` to `pushImage`, which then needs no token of its own.
   */
  readonly tokenServer: Pick<TokenServer, "realm" | "service" | "issuer" | "rootCertificatePem"> & Partial<Pick<TokenServer, "issue">>
  /** Path of the binary; default `$OCIAUTH_DOCKER_REGISTRY`, else `docker-registry` on `PATH`. */
  readonly binary?: string
  /** Default true. */
  readonly deleteEnabled?: boolean
  /** Milliseconds to wait for the registry to answer; default 20,000. */
  readonly startupTimeoutMs?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface DistributionRegistry {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly directory: string
  /** What the registry wrote to stderr (its log), most recent last. */
  readonly output: () => string
  /**
   * Pushes a small image (`Image.make`: config, layers, OCI manifest) under a tag through the
   * registry's distribution API: each blob by a monolithic upload (`POST /v2/<name>/blobs/uploads/`,
   * then `PUT <location>?digest=…`), then the manifest (`PUT /v2/<name>/manifests/<tag>`). It
   * authenticates with `options.token`, else with a `pull,push` token the token server issues directly
   * (no token request: the request log stays as it was). Rejects with `PushError`.
   * @since 1.0.0
   */
  readonly pushImage: (repository: string, tag: string, options?: PushOptions) => Promise<PushedImage>
  readonly close: () => Promise<void>
}

/**
 * @since 1.0.0
 * @category models
 */
export interface PushOptions {
  /** The layers' bytes; one random 512-byte layer by default. */
  readonly layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>
  /** A registry token with `push` on the repository; by default one the token server issues. */
  readonly token?: string
}

const pushTo = async (
  origin: string,
  tokenServer: Options["tokenServer"],
  repository: string,
  tag: string,
  options: PushOptions
): Promise<PushedImage> => {
  const fail = (reason: string) => new PushError({ repository, tag, reason })
  const token = options.token ?? tokenServer.issue?.("ociauth-testing", [OciScope.repository(repository, ["pull", "push"])], 300)
  if (token === undefined) throw fail("no token: pass { token }, or start the registry with a TokenServer (its issue)")
  const authorization = `Bearer ${token}`
  const refused = async (step: string, response: Response) =>
    fail(`${step} answered ${response.status}: ${(await response.text()).trim().slice(0, 500)}`)
  const image = Image.make(options.layers)
  for (const blob of [...image.layers, image.config]) {
    const start = await fetch(`${origin}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: { authorization } })
    if (start.status !== 202) throw await refused(`POST /v2/${repository}/blobs/uploads/`, start)
    await start.arrayBuffer()
    const location = new URL(start.headers.get("location") ?? "", origin)
    location.searchParams.set("digest", blob.digest)
    const put = await fetch(location, {
      method: "PUT",
      headers: { authorization, "content-type": "application/octet-stream" },
      body: blob.bytes
    })
    if (put.status !== 201) throw await refused(`PUT of blob ${blob.digest}`, put)
    await put.arrayBuffer()
  }
  const manifest = await fetch(`${origin}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { authorization, "content-type": image.manifest.mediaType },
    body: image.manifest.text
  })
  if (manifest.status !== 201) throw await refused(`PUT /v2/${repository}/manifests/${tag}`, manifest)
  await manifest.arrayBuffer()
  const digest = manifest.headers.get("docker-content-digest") ?? image.manifest.digest
  if (digest !== image.manifest.digest) throw fail(`the registry stored the manifest as ${digest}, not ${image.manifest.digest}`)
  return { repository, tag, digest, config: image.config.digest, layers: image.layers.map((layer) => layer.digest) }
}

/**
 * The binary's path, or `undefined` when it is not installed.
 *
 * @since 0.1.0
 * @category utils
 */
export const findBinary = (explicit?: string): string | undefined => findBinaryIn("docker-registry", "OCIAUTH_DOCKER_REGISTRY", explicit)


const config = (o: { port: number; data: string; bundle: string; deleteEnabled: boolean; token: Options["tokenServer"] }) =>
  [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(o.data)}`,
    "  delete:",
    `    enabled: ${o.deleteEnabled}`,
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${o.port}`,
    `  secret: ${JSON.stringify(Math.random().toString(36).slice(2))}`,
    "auth:",
    "  token:",
    `    realm: ${JSON.stringify(o.token.realm)}`,
    `    service: ${JSON.stringify(o.token.service)}`,
    `    issuer: ${JSON.stringify(o.token.issuer)}`,
    `    rootcertbundle: ${JSON.stringify(o.bundle)}`,
    ""
  ].join("\n")


/**
 * Starts the registry; rejects with `RegistryBinaryMissing` or `RegistryStartError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options): Promise<DistributionRegistry> => {
  const binary = findBinary(options.binary)
  if (binary === undefined) throw new RegistryBinaryMissing({ searched: "$OCIAUTH_DOCKER_REGISTRY, PATH, /usr/bin" })
  const directory = await mkdtemp(join(tmpdir(), "ociauth-registry-"))
  const bundle = join(directory, "root.pem")
  const configPath = join(directory, "config.yml")
  await writeFile(bundle, options.tokenServer.rootCertificatePem)
  const deadline = performance.now() + (options.startupTimeoutMs ?? 20_000)
  let lastError = "no answer"
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    await writeFile(
      configPath,
      config({ port, data: join(directory, "data"), bundle, deleteEnabled: options.deleteEnabled ?? true, token: options.tokenServer })
    )
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("REGISTRY_")))
    const child = spawnServer(binary, ["serve", configPath], { env, stdio: ["ignore", "ignore", "pipe"] })
    let output = ""
    child.stderr!.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-64 * 1024)
    })
    const origin = `http://127.0.0.1:${port}`
    while (performance.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`${origin}/v2/`, { signal: AbortSignal.timeout(1_000) })
        await response.arrayBuffer()
        if (response.status === 401) {
          return {
            origin,
            host: `127.0.0.1:${port}`,
            directory,
            output: () => output,
            pushImage: (repository, tag, pushOptions = {}) => pushTo(origin, options.tokenServer, repository, tag, pushOptions),
            close: async () => {
              await stop(child)
              await rm(directory, { recursive: true, force: true })
            }
          }
        }
        lastError = `GET /v2/ answered ${response.status}`
      } catch (error) {
        lastError = String(error)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await stop(child)
    lastError = `${lastError}; log: ${output.trim().split("\n").slice(-5).join(" | ")}`
    if (!/address already in use/.test(output)) break
  }
  await rm(directory, { recursive: true, force: true })
  throw new RegistryStartError({ reason: lastError })
}

/**
 * The registry as a scoped resource.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<DistributionRegistry, RegistryBinaryMissing | RegistryStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => start(options),
      catch: (error) =>
        error instanceof RegistryBinaryMissing || error instanceof RegistryStartError
          ? error
          : new RegistryStartError({ reason: String(error) })
    }),
    (registry) => Effect.promise(() => registry.close())
  )

/**
 * Whether integration tests against the real registry can run here. In CI
 * (`CI` set) a missing binary is a failure, not a skip.
 *
 * @since 0.1.0
 * @category utils
 */
export const availability = (): { readonly available: boolean; readonly reason: string } => {
  const binary = findBinary()
  if (binary !== undefined) return { available: true, reason: binary }
  if (process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
    throw new RegistryBinaryMissing({ searched: "CI requires it: .ci/run installs the docker-registry package" })
  }
  return { available: false, reason: "docker-registry is not installed: integration tests against the real registry are SKIPPED" }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Registry extends Context.Service<Registry, DistributionRegistry>()("@ociauth/testing/Registry") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Registry, RegistryBinaryMissing | RegistryStartError> => Layer.effect(Registry, make(options))
