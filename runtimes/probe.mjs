// Run by scripts/runtimes.mjs under each server runtime (Node 22, Node 24, Bun, Deno) against
// @ociauth/testing's emulator, which the script runs on loopback. It imports the BUILT packages
// (`ociauth`, `effect`) by name, as a user's program does, and prints one JSON line:
// `{ "runtime": …, "checks": [{ "name", "ok", "detail" }] }`. Secrets come in through the
// environment (OCIAUTH_PROBE_PASSWORD) and never reach the output.
import { CredentialProvider, Credential, Authenticator, Registries, RegistryClient, Builtins, NodeRegistryClient, NodeCredentials, makeRegistryFetch } from "ociauth"
import { Cause, Effect, Exit, Layer, Option, Redacted } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"

const env = (name) => {
  const value = globalThis.process?.env?.[name]
  if (value === undefined || value === "") throw new Error(`probe: ${name} is not set`)
  return value
}
const origin = env("OCIAUTH_PROBE_ORIGIN")
const host = new URL(origin).host
const repository = env("OCIAUTH_PROBE_REPOSITORY")
const tag = env("OCIAUTH_PROBE_TAG")
const expected = env("OCIAUTH_PROBE_DIGEST")
const username = env("OCIAUTH_PROBE_USERNAME")
const password = Redacted.make(env("OCIAUTH_PROBE_PASSWORD"))
const machine = (globalThis.process?.env?.OCIAUTH_PROBE_MACHINE ?? "digest") // "digest" | "credential-error"
const manifest = `${origin}/v2/${repository}/manifests/${tag}`
const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"

const runtime = typeof globalThis.Deno !== "undefined"
  ? `deno ${globalThis.Deno.version.deno}`
  : typeof globalThis.Bun !== "undefined"
  ? `bun ${globalThis.Bun.version}`
  : `node ${process.versions.node}`

const checks = []
const check = async (name, body) => {
  const started = performance.now()
  try {
    const detail = await body()
    checks.push({ name, ok: true, detail: `${detail} (${Math.round(performance.now() - started)} ms)` })
  } catch (error) {
    checks.push({ name, ok: false, detail: describe(error) })
  }
}
const describe = (error) => {
  const text = error instanceof Error ? `${error.name}${error._tag ? ` [${error._tag}]` : ""}: ${error.message}` : String(error)
  return text.replaceAll(Redacted.value(password), "<password>")
}
const assertDigest = (digest, how) => {
  if (digest !== expected) throw new Error(`${how}: expected ${expected}, got ${digest}`)
  return `${digest.slice(0, 19)}…`
}

// 1. The façade: a WHATWG fetch with explicit credentials for the loopback registry.
await check("facade", async () => {
  const events = []
  const registryFetch = makeRegistryFetch({
    credentials: { [host]: { username, password: Redacted.value(password) } },
    onEvent: (event) => events.push(event._tag)
  })
  try {
    const response = await registryFetch(manifest, { method: "HEAD", headers: { accept: ACCEPT } })
    if (response.status !== 200) throw new Error(`HEAD ${manifest} answered ${response.status}`)
    return `${assertDigest(response.headers.get("docker-content-digest"), "facade")} events ${[...new Set(events)].join(",")}`
  } finally {
    await registryFetch.close()
  }
})

// 2. The Effect API: a program that composes the runtime into layers of its own.
const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.execute(HttpClientRequest.get(manifest).pipe(HttpClientRequest.setHeader("accept", ACCEPT)))
  const body = yield* response.json
  if (response.status !== 200 || body.schemaVersion !== 2) return yield* Effect.fail(new Error(`GET answered ${response.status}`))
  return response.headers["docker-content-digest"]
})
const credentials = CredentialProvider.layerStatic({ [host]: Credential.Basic({ username, password }) })
await check("effect-layers", async () => {
  const live = RegistryClient.layer.pipe(
    Layer.provide(Authenticator.layer()),
    Layer.provide(Layer.mergeAll(RegistryClient.layerFetchTransport, Builtins.layer, credentials))
  )
  return assertDigest(await Effect.runPromise(program.pipe(Effect.provide(live))), "RegistryClient.layer")
})
await check("effect-node-client", async () =>
  assertDigest(
    await Effect.runPromise(program.pipe(Effect.provide(NodeRegistryClient.layerWith({ credentialProvider: credentials })))),
    "NodeRegistryClient.layerWith"
  ))

// 3. The machine's credentials (the default chain: environment, docker config, podman), with
//    DOCKER_CONFIG pointing at a config.json the script wrote. Where the runtime refuses what
//    the chain needs (Deno without --allow-sys), the answer must be a typed CredentialError.
await check(`machine-credentials (${machine})`, async () => {
  const lookup = Effect.gen(function*() {
    const provider = yield* CredentialProvider.CredentialProvider
    return yield* provider.get(host)
  }).pipe(Effect.provide(NodeCredentials.layer))
  const exit = await Effect.runPromiseExit(lookup)
  if (machine === "credential-error") {
    if (Exit.isSuccess(exit)) throw new Error(`expected a CredentialError, got a ${exit.value._tag} credential`)
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error?._tag !== "CredentialError") throw new Error(`expected a typed CredentialError, got: ${Cause.pretty(exit.cause)}`)
    return `CredentialError: ${error.message}`
  }
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
  if (exit.value._tag !== "Basic" || exit.value.username !== username) throw new Error(`the chain answered ${exit.value._tag}`)
  const registryFetch = makeRegistryFetch()
  try {
    const response = await registryFetch(manifest, { method: "HEAD", headers: { accept: ACCEPT } })
    return `${assertDigest(response.headers.get("docker-content-digest"), "makeRegistryFetch()")} from the docker config`
  } finally {
    await registryFetch.close()
  }
})

console.log(JSON.stringify({ runtime, checks }))
