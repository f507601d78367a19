/**
 * The ACR profile's Basic path for refresh tokens: `GET /oauth2/token` takes
 * the zero GUID (`00000000-0000-0000-0000-000000000000`) with a live refresh
 * token of the registry's exchange as the password, standing for the token's
 * subject (Azure/acr `docs/AAD-OAuth.md`; what `az acr login --expose-token`
 * and every ACR credential helper hand to docker), with no check of the test's own.
 */
import { assert, describe, it } from "@effect/vitest"
import { RegistryEmulator } from "@ociauth/testing"
import { accessOf, basic } from "./utils.js"

const ZERO_GUID = "00000000-0000-0000-0000-000000000000"
const ENTRA_TOKEN = "entra-access-token"

/** A clock a test moves by hand. */
const manualClock = () => {
  let at = Date.UTC(2026, 6, 20, 12, 0, 0)
  return { now: () => at, advance: (ms: number) => void (at += ms) }
}

const start = (now?: () => number) =>
  RegistryEmulator.start(
    {
      profile: "acr",
      service: "contoso.azurecr.io",
      identity: (token) => (token === ENTRA_TOKEN ? "entra-principal" : undefined),
      grants: [{ account: "entra-principal", name: "team/*", actions: ["pull", "metadata_read"] }],
      privateRepositories: ["*"]
    },
    now
  )

/** A refresh token from the registry's exchange, for the Entra principal. */
const exchange = async (acr: RegistryEmulator.RegistryEmulator): Promise<string> => {
  const response = await fetch(`${acr.origin}/oauth2/exchange`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "access_token", service: acr.tokenServer.service, access_token: ENTRA_TOKEN })
  })
  assert.strictEqual(response.status, 200)
  return ((await response.json()) as { readonly refresh_token: string }).refresh_token
}

const tokenRequest = (acr: RegistryEmulator.RegistryEmulator, username: string, password: string) =>
  fetch(`${acr.tokenServer.realm}?service=${acr.tokenServer.service}&scope=repository:team/app:pull`, {
    headers: { authorization: basic(username, password) }
  })

describe("ACR profile: the zero GUID with a refresh token on GET /oauth2/token", () => {
  it("stands for the refresh token's subject, with its grants", async () => {
    const acr = await start()
    try {
      const refresh = await exchange(acr)
      const response = await tokenRequest(acr, ZERO_GUID, refresh)
      assert.strictEqual(response.status, 200, acr.log.format())
      const body = (await response.json()) as { readonly access_token: string }
      assert.deepStrictEqual(accessOf(body.access_token), ["repository:team/app:pull"])
      const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1]!, "base64url").toString("utf8")) as { readonly sub: string }
      assert.strictEqual(claims.sub, "entra-principal")
    } finally {
      await acr.close()
    }
  })

  it("refuses the refresh token under another username, an unknown token, and an expired one", async () => {
    const clock = manualClock()
    const acr = await start(clock.now)
    try {
      const refresh = await exchange(acr)
      assert.strictEqual((await tokenRequest(acr, "someone", refresh)).status, 401)
      assert.strictEqual((await tokenRequest(acr, ZERO_GUID, "not-a-refresh-token")).status, 401)
      assert.strictEqual((await tokenRequest(acr, ZERO_GUID, refresh)).status, 200)
      // ACR's refresh tokens live 3 hours.
      clock.advance(3 * 60 * 60 * 1000 + 1000)
      assert.strictEqual((await tokenRequest(acr, ZERO_GUID, refresh)).status, 401)
    } finally {
      await acr.close()
    }
  })
})
