// The browser check's page, bundled by scripts/runtimes.mjs with esbuild for the browser
// (`platform: "browser"`: the `ociauth` package's `#platform` import resolves to its
// no-files, no-processes default). Playwright calls `ociauthProbe(config)`; the password
// comes in as an argument, never through the page's URL.
import { Authenticator, Builtins, Credential, CredentialProvider, makeRegistryFetch, RegistryClient } from "ociauth"
import { Effect, Layer, Redacted } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"

const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"

globalThis.ociauthProbe = async ({ origin, repository, tag, username, password }) => {
  const host = new URL(origin).host
  const manifest = `${origin}/v2/${repository}/manifests/${tag}`
  const secret = Redacted.make(password)
  const checks = {}

  // The façade, with explicit credentials.
  const events = []
  const registryFetch = makeRegistryFetch({
    credentials: { [host]: { username, password: Redacted.value(secret) } },
    onEvent: (event) => events.push(event._tag)
  })
  try {
    const response = await registryFetch(manifest, { method: "HEAD", headers: { accept: ACCEPT } })
    checks.facade = { status: response.status, digest: response.headers.get("docker-content-digest"), events: [...new Set(events)] }
  } finally {
    await registryFetch.close()
  }

  // The Effect API, composed into the page's own layers.
  const live = RegistryClient.layer.pipe(
    Layer.provide(Authenticator.layer()),
    Layer.provide(Layer.mergeAll(
      RegistryClient.layerFetchTransport,
      Builtins.layer,
      CredentialProvider.layerStatic({ [host]: Credential.Basic({ username, password: secret }) })
    ))
  )
  checks.effect = await Effect.runPromise(
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(HttpClientRequest.get(manifest).pipe(HttpClientRequest.setHeader("accept", ACCEPT)))
      return { status: response.status, digest: response.headers["docker-content-digest"] }
    }).pipe(Effect.provide(live))
  )

  // The default chain where there is no machine: no file, no process, anonymous.
  const anonymous = makeRegistryFetch()
  try {
    const response = await anonymous(manifest, { method: "HEAD", headers: { accept: ACCEPT } }).catch((error) => ({ status: error?._tag ?? String(error) }))
    checks.defaultChain = { status: response.status }
  } finally {
    await anonymous.close()
  }
  return checks
}
