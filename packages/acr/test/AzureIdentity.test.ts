/**
 * The real `@azure/identity`: a `ClientSecretCredential` pointed at Entra ID's
 * token endpoint on loopback (`EntraStandIn.serve`): MSAL's OpenID discovery,
 * its `client_credentials` grant and its token cache run as in production; only
 * the transport is routed (`authorityHost` must be https for MSAL, so an
 * `httpClient` sends its requests to the loopback origin).
 */
import { ClientSecretCredential } from "@azure/identity"
import { createDefaultHttpClient } from "@azure/core-rest-pipeline"
import type { HttpClient } from "@azure/core-rest-pipeline"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Acr } from "@ociauth/acr"
import { RegistryAdapter } from "@ociauth/core"
import { makeRegistryFetch } from "@ociauth/fetch"
import { EntraStandIn, RegistryEmulator } from "@ociauth/testing"
import { inspect } from "node:util"

const REGISTRY = "contoso.azurecr.io"

/** Sends the requests for `authorityHost` to the loopback endpoint instead. */
const routed = (entra: EntraStandIn.EntraEndpoint): HttpClient => {
  const transport = createDefaultHttpClient()
  const from = new URL(entra.authorityHost)
  return {
    sendRequest: (request) => {
      const url = new URL(request.url)
      if (url.host === from.host) {
        request.url = `${entra.origin}${url.pathname}${url.search}`
        request.allowInsecureConnection = true
      }
      return transport.sendRequest(request)
    }
  }
}

describe("ACR with @azure/identity's ClientSecretCredential (Entra ID on loopback)", () => {
  let entra: EntraStandIn.EntraEndpoint
  let acr: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    entra = await EntraStandIn.serve()
    acr = await RegistryEmulator.start({
      profile: "acr",
      service: REGISTRY,
      identity: entra.verify,
      grants: [{ account: entra.subject, name: "team/*", actions: ["pull", "metadata_read"] }],
      privateRepositories: ["*"]
    })
    acr.pushImage("team/app", "1.0")
  })
  afterAll(async () => {
    await acr.close()
    await entra.close()
  })

  const credential = (secret: string) =>
    new ClientSecretCredential(entra.tenantId, entra.clientId, secret, {
      authorityHost: entra.authorityHost,
      disableInstanceDiscovery: true,
      httpClient: routed(entra)
    })

  it("200 concurrent cold requests: one Entra token from the real library, one exchange, one access token", async () => {
    const registryFetch = makeRegistryFetch({
      adapters: [RegistryAdapter.retarget(Acr.make({ entra: { credential: credential(entra.clientSecret) } }), { origin: acr.origin, realm: null })]
    })
    try {
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => registryFetch(`https://${REGISTRY}/v2/team/app/tags/list`))
      )
      assert.isTrue(responses.every((r) => r.status === 200))
      assert.deepStrictEqual(await responses[0]!.json(), { name: "team/app", tags: ["1.0"] })
      assert.strictEqual(entra.log.count({ method: "POST" }), 1, "the client_credentials grant")
      assert.strictEqual(entra.issued.length, 1)
      assert.strictEqual(acr.log.count({ server: "exchange" }), 1)
      assert.strictEqual(acr.log.count({ server: "token" }), 1)
    } finally {
      await registryFetch.close()
    }
  })

  it("a wrong client secret: a CredentialError naming the library's error, and neither secret in it", async () => {
    const wrong = "wrong~CANARY-secret-value-0c1d"
    const registryFetch = makeRegistryFetch({
      adapters: [RegistryAdapter.retarget(Acr.make({ entra: { credential: credential(wrong) } }), { origin: acr.origin, realm: null })]
    })
    try {
      const error = await registryFetch(`https://${REGISTRY}/v2/team/app/tags/list`).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "CredentialError")
      assert.match((error as Error).message, /^Credentials for contoso\.azurecr\.io from Microsoft Entra ID: getToken failed \(Authentication\w*Error\)$/)
      for (const text of [String(error), JSON.stringify(error), inspect(error, { depth: 8, showHidden: true })]) {
        assert.notInclude(text, wrong)
        assert.notInclude(text, entra.clientSecret)
        assert.notInclude(text, "AADSTS")
      }
    } finally {
      await registryFetch.close()
    }
  })
})
