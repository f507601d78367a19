/**
 * Issue 26 §2: every command that can send a credential — `probe`, `token`,
 * `request` — goes through the engine's realm rule (`Realm.validate`). A
 * registry names a hostile realm; the transport records every request and lets
 * only loopback through, so a refused realm is never contacted (no traffic
 * leaves the machine) and no request carrying the canary password goes
 * anywhere but a realm the rule accepts. `probe` reports the refusal as a
 * finding and asks nothing there, with credentials or without.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cli, ExitCode } from "@ociauth/cli"
import type { Findings } from "@ociauth/cli"
import { CredentialProvider, CredentialStore, Realm } from "@ociauth/core"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Result } from "effect"
import { runCli } from "../utils.js"
import type { Sent, Server } from "./attack.js"
import { basic, CANARY, carriesCredential, listen, recording } from "./attack.js"

const PUBLIC = "registry.example"

/** Realms a public https registry may not send credentials to: the outside round's 13 classes and their relatives. */
const HOSTILE_FOR_PUBLIC: ReadonlyArray<string> = [
  "http://auth.example/token", // plain HTTP, public host
  "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
  "https://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
  "https://10.0.0.1/token",
  "https://172.16.0.1/token",
  "https://192.168.1.1/token",
  "https://100.64.0.1/token", // CGNAT
  "https://100.100.100.200/token", // Alibaba's metadata, in CGNAT
  "https://[fc00::1]/token", // ULA
  "https://[fd00:ec2::254]/token", // AWS metadata over IPv6, ULA
  "https://[::ffff:10.0.0.1]/token", // mapped IPv6
  "https://[::ffff:169.254.169.254]/token",
  "https://[fe80::1]/token", // link-local IPv6
  "https://127.0.0.1/token",
  "https://localhost/token",
  "https://2852039166/token", // 169.254.169.254 as one number
  "https://0.0.0.0/token",
  "https://ip-10-0-0-1.ec2.internal/token",
  "https://printer.local/token",
  "https://alice:pw@auth.example/token", // userinfo
  "ftp://auth.example/token"
]

/** A public https registry that only exists in the recording transport: every path is challenged with `realm`. */
const publicRegistry = (realm: string) =>
  recording((sent: Sent) =>
    sent.url.host === PUBLIC
      ? new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), {
        status: 401,
        headers: { "content-type": "application/json", "www-authenticate": `Bearer realm="${realm}",service="${PUBLIC}",scope="repository:team/app:pull"` }
      })
      : "transport-error"
  )

const assertUntouched = (log: ReadonlyArray<Sent>, registryHost: string, label: string) => {
  const elsewhere = log.filter((sent) => sent.url.host !== registryHost)
  assert.deepStrictEqual(elsewhere.map((s) => `${s.method} ${s.url.href}`), [], `${label}: a refused realm was contacted`)
  const credentialed = log.filter(carriesCredential)
  assert.deepStrictEqual(credentialed.map((s) => `${s.method} ${s.url.href}`), [], `${label}: a request carried the password`)
}

describe("hostile realms of a public https registry: refused before any connection, by every command", () => {
  for (const realm of HOSTILE_FOR_PUBLIC) {
    it.live(realm, () =>
      Effect.gen(function* () {
        // The engine's own verdict: the CLI must agree with it, not with a copy.
        assert.isTrue(Result.isFailure(Realm.validate(realm, `https://${PUBLIC}`)), "the engine refuses it")

        for (const identity of ["credentials", "anonymous"] as const) {
          const transport = publicRegistry(realm)
          const args = ["probe", `https://${PUBLIC}`, "team/app", "--json", ...(identity === "credentials" ? ["--user", CANARY.username, "--password-stdin"] : [])]
          const outcome = yield* runCli(args, { stdin: `${CANARY.password}\n`, probeTransport: transport.layer })
          assertUntouched(transport.log, PUBLIC, `probe (${identity})`)
          assert.strictEqual(outcome.code, 0, outcome.stderr)
          const findings = (JSON.parse(outcome.stdout) as { findings: Findings.Findings }).findings
          assert.isNotNull(findings.auth.realmRefused, "probe reports the refusal")
          assert.include(findings.auth.realmRefused!, "rejected")
          assert.isAbove(transport.log.length, 3, "the registry itself was probed")
        }

        const credentials = CredentialProvider.layerStatic({ [PUBLIC]: basic })
        const forToken = publicRegistry(realm)
        const token = yield* runCli(["token", `${PUBLIC}/team/app`], { credentials, transport: forToken.layer })
        assert.strictEqual(token.code, ExitCode.ExitCode.auth, token.stderr)
        assert.include(token.stderr, "rejected")
        assertUntouched(forToken.log, PUBLIC, "token")

        const forRequest = publicRegistry(realm)
        const request = yield* runCli(["request", `https://${PUBLIC}/v2/team/app/tags/list`, "-v"], { credentials, transport: forRequest.layer })
        assert.strictEqual(request.code, ExitCode.ExitCode.auth, request.stderr)
        assert.include(request.stderr, "rejected")
        assertUntouched(forRequest.log, PUBLIC, "request")
      }))
  }
})

describe("hostile realms of a plain-HTTP loopback registry (--insecure)", () => {
  let realm = "http://10.0.0.1/token"
  let registry: Server
  beforeAll(async () => {
    registry = await listen((_, response) => {
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": `Bearer realm="${realm}",service="loopback"` })
      response.end(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
    })
  })
  afterAll(() => registry.close())

  const HOSTILE_FOR_LOOPBACK = [
    "http://10.0.0.1/token",
    "http://172.16.0.1/token",
    "http://192.168.1.1/token",
    "http://100.64.0.1/token",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00::1]/token",
    "http://[::ffff:10.0.0.1]/token",
    "http://auth.example/token",
    "//auth.example/token",
    // names that resolve to a metadata service, a cluster API or a private host: never for a loopback registry
    "https://metadata/computeMetadata/v1/token",
    "https://instance-data/latest/meta-data/",
    "https://kubernetes.default.svc/api",
    "https://metadata.google.internal/computeMetadata/v1/token",
    "https://host.docker.internal/token",
    "https://printer.local./token",
    "https://a.home.arpa./token"
  ]
  for (const hostile of HOSTILE_FOR_LOOPBACK) {
    it.live(hostile, () =>
      Effect.gen(function* () {
        realm = hostile
        assert.isTrue(Result.isFailure(Realm.validate(hostile, registry.origin, { insecure: [registry.host] })), "the engine refuses it")
        const probe = recording()
        const outcome = yield* runCli(["probe", registry.host, "team/app", "--insecure", "--json", "--user", CANARY.username, "--password-stdin"], {
          stdin: `${CANARY.password}\n`,
          probeTransport: probe.layer
        })
        assertUntouched(probe.log, registry.host, "probe")
        assert.strictEqual(outcome.code, 0, outcome.stderr)
        assert.isNotNull((JSON.parse(outcome.stdout) as { findings: Findings.Findings }).findings.auth.realmRefused)

        const credentials = CredentialProvider.layerStatic({ [registry.host]: basic })
        for (const args of [
          ["token", `${registry.host}/team/app`, "--insecure"],
          ["request", `${registry.origin}/v2/team/app/tags/list`, "--insecure"],
          ["login", registry.host, "-u", CANARY.username, "--password-stdin", "--insecure"]
        ]) {
          const transport = recording()
          const store = CredentialStore.layerDockerConfig({ path: join(mkdtempSync(join(tmpdir(), "ociauth-realms-")), "config.json") })
          const result = yield* runCli(args, {
            credentials,
            transport: transport.layer,
            stdin: `${CANARY.password}\n`,
            store: store.pipe(Layer.provide(Cli.layerPlatform))
          } satisfies Cli.Options & { stdin: string })
          assert.strictEqual(result.code, ExitCode.ExitCode.auth, result.stderr)
          assertUntouched(transport.log, registry.host, args[0]!)
        }
      }))
  }

  it.live("a loopback token server beside it does receive the credential: the harness sees what it must refuse", () =>
    Effect.gen(function* () {
      const tokens = yield* Effect.promise(() =>
        listen((_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          response.end(JSON.stringify({ token: CANARY.issued, expires_in: 300 }))
        })
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => tokens.close()))
      realm = `${tokens.origin}/token`
      const probe = recording()
      const outcome = yield* runCli(["probe", registry.host, "team/app", "--insecure", "--json", "--user", CANARY.username, "--password-stdin"], {
        stdin: `${CANARY.password}\n`,
        probeTransport: probe.layer
      })
      assert.strictEqual(outcome.code, 0, outcome.stderr)
      assert.isNull((JSON.parse(outcome.stdout) as { findings: Findings.Findings }).findings.auth.realmRefused)
      assert.isTrue(probe.log.some((sent) => sent.url.host === tokens.host && carriesCredential(sent)))
      assert.isTrue(tokens.received.some((r) => r.headers.authorization !== undefined || r.body.includes("password=")))
    }))
})

describe("probe: credentials over plain HTTP only where the engine sends them", () => {
  it.live("a plain-HTTP URL that is neither loopback nor --insecure: a usage error, nothing sent", () =>
    Effect.gen(function* () {
      const transport = recording()
      const outcome = yield* runCli(["probe", "http://registry.example:5000", "--user", CANARY.username, "--password-stdin"], {
        stdin: `${CANARY.password}\n`,
        probeTransport: transport.layer
      })
      assert.strictEqual(outcome.code, ExitCode.ExitCode.usage, outcome.stderr)
      assert.include(outcome.stderr, "--insecure")
      assert.deepStrictEqual(transport.log, [])
    }))
})
