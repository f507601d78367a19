/**
 * Hostile realms × credential kinds, end to end through the façade: a fake
 * `fetch` records every request; a realm the rules refuse (docs/security.md,
 * "Where credentials may go") gets no request at all, and the caller a typed
 * `RealmRejected`. Host names are not resolved; private-use names
 * (`metadata.google.internal`, `*.local`, `*.home.arpa`) are refused for a
 * registry that is not on a private network itself.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Credential } from "@ociauth/core"
import { Retry } from "@ociauth/core"
import { makeRegistryFetch } from "@ociauth/fetch"
import { assertClean, CANARY } from "./attack.js"

const HTTPS_REGISTRY = "https://registry.example"
const HTTP_REGISTRY = "http://127.0.0.1:5000"

const REALMS: ReadonlyArray<readonly [registry: string, realm: string]> = [
  ...[
    // Internal addresses in every spelling.
    "https://[::ffff:169.254.169.254]/t",
    "https://[::ffff:127.0.0.1]:8443/t",
    "https://[::ffff:7f00:1]/t",
    "https://[::ffff:0:a9fe:a9fe]/t",
    "https://[::a9fe:a9fe]/t",
    "https://[64:ff9b::a9fe:a9fe]/t",
    "https://[64:ff9b:1::1]/t",
    "https://[2002:a9fe:a9fe::]/t",
    "https://[2001:0:a9fe:a9fe::1]/t",
    "https://[::]/t",
    "https://[::1]/t",
    "https://[fe80::1]/t",
    "https://[fec0::1]/t",
    "https://[fd00:ec2::254]/t",
    "https://[ff02::1]/t",
    "https://localhost/t",
    "https://localhost./t",
    "https://LOCALHOST:8443/t",
    "https://api.localhost/t",
    "https://0x7f.1/t",
    "https://2130706433/t",
    "https://127.1/t",
    "https://0177.0.0.1/t",
    "https://127.0.0.1./t",
    "https://169.254.169.254/latest/meta-data/iam",
    "https://100.100.100.200/t",
    "https://192.0.0.192/t",
    "https://10.0.0.1/t",
    "https://172.16.0.1/t",
    "https://192.168.1.1/t",
    "https://0.0.0.0/t",
    "https://198.18.0.1/t",
    "https://224.0.0.1/t",
    // Private-use names, for a public registry.
    "https://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    "https://ip-10-0-0-1.ec2.internal/t",
    "https://printer.local/t",
    "https://router.home.arpa/t",
    // Not https, or with userinfo.
    "http://evil.example/t",
    "ftp://evil.example/t",
    "https://user:pass@auth.example/t"
  ].map((realm) => [HTTPS_REGISTRY, realm] as const),
  // A plain-HTTP loopback registry makes no other plain-HTTP host acceptable.
  ...["http://evil.example/t", "//evil.example/t", "http://169.254.169.254/t", "http://[::ffff:169.254.169.254]/t"].map(
    (realm) => [HTTP_REGISTRY, realm] as const
  )
]

const KINDS: ReadonlyArray<readonly [string, Credential.Input]> = [
  ["Basic", { username: CANARY.username, password: CANARY.password }],
  ["identity token", { identityToken: CANARY.identityToken }]
]

interface Recorded {
  readonly url: string
  readonly authorization: string | null
  readonly body: string
}

describe(`${REALMS.length} hostile realms × ${KINDS.length} credential kinds: no credential leaves the process`, () => {
  describe.each(KINDS)("%s", (_, credential) => {
    it.each(REALMS)("%s, realm %s", async (registry, realm) => {
      const recorded: Array<Recorded> = []
      const fetch: typeof globalThis.fetch = async (input, init) => {
        const request = new Request(input, init)
        recorded.push({ url: request.url, authorization: request.headers.get("authorization"), body: await request.text() })
        return new URL(request.url).origin === new URL(registry).origin
          ? new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}",service="registry"` } })
          : Response.json({ token: CANARY.issuedToken, expires_in: 300 })
      }
      const registryFetch = makeRegistryFetch({
        fetch,
        credentials: { [new URL(registry).host]: credential },
        retry: Retry.never,
        authenticator: { retry: Retry.never }
      })
      try {
        const error = await registryFetch(`${registry}/v2/team/app/manifests/latest`).then(
          () => undefined,
          (e: unknown) => e
        )
        assert.strictEqual((error as { readonly _tag?: string } | undefined)?._tag, "RealmRejected")
        // The registry's own probe only: nothing reached the realm, and nothing carried a credential.
        for (const request of recorded) assert.strictEqual(new URL(request.url).origin, new URL(registry).origin)
        assert.isTrue(recorded.every((r) => r.authorization === null))
        assertClean(recorded.map((r) => `${r.url} ${r.body}`))
        assert.isAtLeast(recorded.length, 1)
      } finally {
        await registryFetch.close()
      }
    })
  })
})
