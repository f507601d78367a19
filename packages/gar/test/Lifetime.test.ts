/**
 * GAR's registry tokens are opaque (no `expires_in`, no JWT `exp`) and die with
 * the OAuth2 access token they were issued on (#28.4): the SDK renews from the
 * Google credential's own expiry, so a 5-minute Workload Identity Federation
 * token does not make a long push lose (or resend) a request.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Gar } from "@ociauth/gar"
import { Budget, GoogleOAuthServer, RegistryEmulator } from "@ociauth/testing"
import { Duration, Effect, Layer } from "effect"
import { HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"

const HOST = "us-central1-docker.pkg.dev"
const REPO = "acme-prod/images/app"

describe("GAR: registry tokens live as long as the Google credential behind them", () => {
  it.effect("Workload Identity Federation (5-minute tokens): a request every 30 s for 30 minutes, none refused", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const google = yield* GoogleOAuthServer.make()
        google.setLifetime(GoogleOAuthServer.workloadIdentityLifetime)
        const gar = yield* RegistryEmulator.make({
          profile: "gar",
          authenticate: google.authenticate,
          credentialExpiry: google.expiresAt,
          grants: [{ account: google.subject, name: "acme-prod/*", actions: ["pull", "push"] }],
          privateRepositories: ["*"]
        })
        gar.pushImage(REPO, "1.0")
        const adapter = RegistryAdapter.retarget(Gar.make({ google: { client: google.client() } }), { origin: gar.origin, realm: null })
        const layer = RegistryClient.layerClient().pipe(
          Layer.provide(Authenticator.layer({ requestTimeout: "1 hour" })),
          Layer.provide(Layer.mergeAll(
            RegistryClient.layerFetchTransport,
            Registries.layer([adapter]),
            CredentialProvider.layerAnonymous,
            AuthEvent.layer(() => Effect.void)
          ))
        )
        const statuses: Array<number> = []
        yield* Effect.gen(function* () {
          const client = yield* RegistryClient.RegistryClient
          for (let second = 0; second <= 30 * 60; second += 30) {
            const response = yield* client.execute(HttpClientRequest.head(`https://${HOST}/v2/${REPO}/manifests/1.0`))
            statuses.push(response.status)
            yield* TestClock.adjust("30 seconds")
            for (let turn = 0; turn < 50; turn++) yield* Effect.sleep(Duration.zero)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
          }
        }).pipe(Effect.provide(layer))
        assert.strictEqual(statuses.length, 61)
        assert.deepStrictEqual([...new Set(statuses)], [200], "no request lost")
        const refused = gar.log.filter((e) => e.status === 401 && (e.server !== "registry" || e.authorization !== "none"))
        assert.deepStrictEqual(refused.map((e) => `${e.server} ${e.method} ${e.path} ${e.status} ${e.authorization}`), [], "no dead registry token presented")
        // One registry token per Google credential (each held until that credential's expiry, not a 60 s guess).
        assert.isAtMost(gar.log.count({ server: "token" }), google.issued.length)
        assert.strictEqual(gar.log.count({ server: "registry" }), 61 + 1, "every request once, and the cold 401")
        assert.strictEqual(google.expiredPresented, 0)
        assert.isAtLeast(google.issued.length, 6, "5-minute tokens over 30 minutes")
      })
    ), Budget.scaled(120_000))
})
