/**
 * `docker-credential-ociauth` driven by skopeo for the cloud registries whose
 * credentials come from a cloud identity, each through the real cloud SDK
 * talking to a stand-in on loopback:
 *
 * - GAR: `google-auth-library`'s Application Default Credentials, from a
 *   service-account key file named by `GOOGLE_APPLICATION_CREDENTIALS`, its
 *   signed `jwt-bearer` grant answered by `GoogleOAuthServer` (behind a TLS
 *   front for `oauth2.googleapis.com`, see `serveGoogleFront`); answered as
 *   `oauth2accesstoken` + the access token.
 * - ACR: `@azure/identity`'s `DefaultAzureCredential`, which finds App
 *   Service's managed identity (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`): a
 *   loopback endpoint in App Service's shape whose tokens `EntraStandIn` mints
 *   (and the emulator's exchange verifies); the Entra token is exchanged at the
 *   registry's `/oauth2/exchange` and answered as the zero GUID + the ACR
 *   refresh token.
 * - ECR Public: `@aws-sdk/client-ecr-public`'s `GetAuthorizationToken` sent to
 *   `AwsEcrApi`; answered as `AWS` + the password.
 *
 * skopeo has nothing but `credHelpers` naming the helper; the helper has the
 * host configuration (`hosts.json`) naming each loopback host's adapter and
 * the registry it stands for. What each token endpoint received as Basic is
 * recorded where the emulator checks it, so the tests see which credential
 * reached which host. The helper runs as an executable named
 * `docker-credential-ociauth` first on skopeo's PATH (a shell wrapper running
 * the helper built from the sources, `helperBin.helperHome`, with this Node).
 * Nothing waits on a clock: every step waits on a process's exit.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { helperHome } from "./helperBin.js"
import { runProcess } from "./utils.js"
import { AwsEcrApi, Budget, EntraStandIn, GoogleOAuthServer, RegistryEmulator } from "@ociauth/testing"

const ACR_REGISTRY = "contoso.azurecr.io"
const GAR_REGISTRY = "us-central1-docker.pkg.dev"
const ECR_PUBLIC_REGISTRY = "public.ecr.aws"
const ZERO_GUID = "00000000-0000-0000-0000-000000000000"
const ACR_ADMIN = "contoso"
const ACR_ADMIN_PASSWORD = "ACRADMINpw0123456789+abcdefghijkl"

const run = runProcess

/** Every file under `dir`, as text ("" when there is none). */
const contents = (dir: string): string => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
      .join("\n")
  } catch {
    return ""
  }
}

/** A Basic credential a token endpoint was shown, and whether the test's own check took it (none: the profile's rule decides). */
interface Presented {
  readonly username: string
  readonly password: string
  readonly accepted?: boolean
}

/** The claims of a JWT (no signature check). */
const claims = (token: string): Record<string, unknown> | undefined => {
  const payload = token.split(".")[1]
  if (payload === undefined) return undefined
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
  } catch {
    return undefined
  }
}

/** Listens on a loopback port; `close` destroys every socket it accepted (keep-alive, tunnels) and waits for the server to close. */
const listenLoopback = async (server: http.Server | https.Server): Promise<{ readonly port: number; readonly close: () => Promise<void> }> => {
  const sockets = new Set<net.Socket>()
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      return closed
    }
  }
}

/**
 * App Service's managed-identity endpoint (`IDENTITY_ENDPOINT`, `2019-08-01`):
 * `GET ?resource=…` with `X-IDENTITY-HEADER`, answered with a token `entra`
 * mints for `<resource>/.default`.
 */
interface ManagedIdentity {
  readonly endpoint: string
  readonly header: string
  readonly requests: Array<{ readonly resource: string | null; readonly authorized: boolean }>
  readonly close: () => Promise<void>
}

const serveManagedIdentity = async (entra: EntraStandIn.EntraStandIn): Promise<ManagedIdentity> => {
  const header = randomBytes(24).toString("hex")
  const requests: ManagedIdentity["requests"] = []
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const resource = url.searchParams.get("resource")
    const authorized = request.headers["x-identity-header"] === header
    requests.push({ resource, authorized })
    request.resume()
    response.setHeader("content-type", "application/json")
    if (!authorized || url.pathname !== "/msi/token" || url.searchParams.get("api-version") !== "2019-08-01" || resource === null) {
      response.statusCode = 400
      response.end(JSON.stringify({ statusCode: 400, message: "bad request" }))
      return
    }
    entra.credential.getToken(`${resource}/.default`).then((token) => {
      response.end(JSON.stringify({
        access_token: token!.token,
        expires_on: String(Math.floor(token!.expiresOnTimestamp / 1000)),
        resource,
        token_type: "Bearer",
        client_id: "5c2ab4c5-0000-4000-8000-ociauth00001"
      }))
    })
  })
  const listening = await listenLoopback(server)
  return { endpoint: `http://127.0.0.1:${listening.port}/msi/token`, header, requests, close: listening.close }
}

/**
 * Google's token endpoint as `google-auth-library` reaches it: version 10 posts
 * a service account's `jwt-bearer` grant to `https://oauth2.googleapis.com/token`
 * whatever the key's `token_uri` says, through `HTTPS_PROXY` when set. So the
 * helper gets `HTTPS_PROXY` naming this proxy: a `CONNECT` to
 * `oauth2.googleapis.com:443` reaches a TLS front (a certificate for that name,
 * made here with openssl, trusted through `NODE_EXTRA_CA_CERTS`) that hands
 * `POST /token` to the stand-in; a `CONNECT` anywhere else is refused and noted.
 */
interface GoogleFront {
  readonly proxy: string
  readonly caFile: string
  readonly connects: Array<string>
  readonly close: () => Promise<void>
}

const GOOGLE_TOKEN_HOST = "oauth2.googleapis.com"

const serveGoogleFront = async (dir: string, google: GoogleOAuthServer.GoogleOAuthServer): Promise<GoogleFront> => {
  const keyFile = join(dir, "front.key")
  const caFile = join(dir, "front.crt")
  const made = await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${GOOGLE_TOKEN_HOST}`, "-addext", `subjectAltName=DNS:${GOOGLE_TOKEN_HOST}`,
    "-keyout", keyFile, "-out", caFile
  ], { PATH: process.env.PATH ?? "" })
  assert.strictEqual(made.code, 0, made.stderr)
  const front = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/token") {
        response.writeHead(404).end()
        return
      }
      // No keep-alive: the stand-in closes without waiting for this process's connections.
      const forwarded = http.request(google.tokenUrl, {
        method: "POST",
        agent: false,
        headers: { "content-type": request.headers["content-type"] ?? "application/x-www-form-urlencoded" }
      }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" })
        answer.pipe(response)
      })
      forwarded.on("error", () => response.writeHead(502).end())
      forwarded.end(Buffer.concat(chunks))
    })
  })
  const frontListening = await listenLoopback(front)
  const connects: Array<string> = []
  const proxy = http.createServer((_, response) => response.writeHead(405).end())
  proxy.on("connect", (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const target = request.url ?? ""
    connects.push(target)
    if (target !== `${GOOGLE_TOKEN_HOST}:443`) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n")
      return
    }
    const upstream = net.connect(frontListening.port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on("error", () => socket.destroy())
    socket.on("error", () => upstream.destroy())
  })
  const proxyListening = await listenLoopback(proxy)
  return {
    proxy: `http://127.0.0.1:${proxyListening.port}`,
    caFile,
    connects,
    close: async () => {
      await proxyListening.close()
      await frontListening.close()
    }
  }
}

let home: string
let googleFront: GoogleFront
let env: Record<string, string>
let helperLog: string
let api: AwsEcrApi.AwsEcrApi
let google: GoogleOAuthServer.GoogleOAuthServer
let entra: EntraStandIn.EntraStandIn
let identity: ManagedIdentity
let acr: RegistryEmulator.RegistryEmulator
let gar: RegistryEmulator.RegistryEmulator
let ecrPublic: RegistryEmulator.RegistryEmulator
const presented: Record<"acr" | "gar" | "ecrPublic", Array<Presented>> = { acr: [], gar: [], ecrPublic: [] }

beforeAll(async () => {
  api = await AwsEcrApi.start()
  google = await GoogleOAuthServer.start()
  entra = EntraStandIn.start()
  identity = await serveManagedIdentity(entra)

  gar = await RegistryEmulator.start({
    profile: "gar",
    authenticate: (username, password) => {
      const subject = google.authenticate(username, password)
      presented.gar.push({ username, password, accepted: subject !== undefined })
      return subject
    },
    grants: [{ account: google.subject, name: "acme-prod/*", actions: ["pull"] }],
    privateRepositories: ["*"]
  })
  gar.pushImage("acme-prod/images/app", "1.0")

  // ACR takes its refresh token as Basic under the zero GUID on `GET /oauth2/token` (what
  // `docker login -u 00000000-… -p <refresh token>` and every helper's answer rely on): the
  // profile's own rule, for the refresh tokens its exchange issued. This check only records what
  // the token endpoint was shown, and adds the admin user.
  acr = await RegistryEmulator.start({
    profile: "acr",
    service: ACR_REGISTRY,
    identity: entra.verify,
    authenticate: (username, password) => {
      // The admin user (`az acr update --admin-enabled`): a login and a password.
      const subject = username === ACR_ADMIN && password === ACR_ADMIN_PASSWORD ? ACR_ADMIN : undefined
      presented.acr.push({ username, password, ...(username === ACR_ADMIN ? { accepted: subject !== undefined } : {}) })
      return subject
    },
    grants: [
      { account: entra.subject, name: "team/*", actions: ["pull", "metadata_read"] },
      { account: ACR_ADMIN, name: "*", actions: ["*"] }
    ],
    privateRepositories: ["*"]
  })
  acr.pushImage("team/app", "1.0")

  ecrPublic = await RegistryEmulator.start({
    profile: "ecrPublic",
    issuedPasswords: {
      check: (username, password) => {
        const verdict = api.passwords.check(username, password)
        presented.ecrPublic.push({ username, password, accepted: verdict === "valid" })
        return verdict
      }
    },
    grants: [{ name: "*", actions: ["pull"] }],
    privateRepositories: ["acme/*"]
  })
  ecrPublic.pushImage("acme/app", "2.0")

  // The helper as docker and skopeo find it: an executable named docker-credential-ociauth on PATH, built from the sources.
  const made = await helperHome("ociauth-helper-clouds-", {
    helped: [acr.host, gar.host, ecrPublic.host],
    hosts: {
      [acr.host]: { adapter: "acr", registry: ACR_REGISTRY, insecure: true },
      [gar.host]: { adapter: "gar", registry: GAR_REGISTRY, insecure: true },
      [ecrPublic.host]: { adapter: "ecr-public", registry: ECR_PUBLIC_REGISTRY, insecure: true }
    }
  })
  home = made.home
  helperLog = made.helperLog
  googleFront = await serveGoogleFront(home, google)
  const keyFile = join(home, "gcloud", "service-account.json")
  mkdirSync(join(home, "gcloud"))
  writeFileSync(keyFile, JSON.stringify(google.serviceAccountKey), { mode: 0o600 })
  env = {
    ...made.env,
    // AWS: the stand-in's endpoints and static credentials.
    ...api.environment,
    // Google: Application Default Credentials from the key file; no metadata server.
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    GCE_METADATA_HOST: "127.0.0.1:9",
    HTTPS_PROXY: googleFront.proxy,
    NO_PROXY: "127.0.0.1,localhost",
    NODE_EXTRA_CA_CERTS: googleFront.caFile,
    // Azure: App Service's managed identity on loopback.
    IDENTITY_ENDPOINT: identity.endpoint,
    IDENTITY_HEADER: identity.header
  }
}, Budget.scaled(60_000))

afterAll(async () => {
  await Promise.all([acr?.close(), gar?.close(), ecrPublic?.close(), api?.close(), google?.close(), identity?.close(), googleFront?.close()])
  if (home !== undefined) rmSync(home, { recursive: true, force: true })
})

const skopeo = (args: ReadonlyArray<string>) => run("skopeo", args, env)
const inspect = (reference: string) => skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${reference}`])
const copy = (reference: string, to: string) => skopeo(["copy", "--src-tls-verify=false", `docker://${reference}`, `dir:${join(home, to)}`])
const helper = (verb: string, stdin: string) => run(join(home, "bin", "docker-credential-ociauth"), [verb], env, stdin)

/** Inspects `reference` `times` times, 6 skopeo processes at once; every one succeeds. */
const inspectMany = async (reference: string, times: number) => {
  for (let done = 0; done < times; done += 6) {
    const outcomes = await Promise.all(Array.from({ length: Math.min(6, times - done) }, () => inspect(reference)))
    for (const outcome of outcomes) assert.strictEqual(outcome.code, 0, outcome.stderr)
  }
}

describe("skopeo with docker-credential-ociauth: ACR, GAR and ECR Public from their cloud identities", () => {
  it("GAR: ADC from a service-account key file; oauth2accesstoken + the access token; one Google token for 12 skopeo runs", async () => {
    const inspected = await inspect(`${gar.host}/acme-prod/images/app:1.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr + readFileSync(helperLog, "utf8"))
    assert.strictEqual(JSON.parse(inspected.stdout).schemaVersion, 2)
    const copied = await copy(`${gar.host}/acme-prod/images/app:1.0`, "gar-copy")
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isTrue(readdirSync(join(home, "gar-copy")).includes("manifest.json"))
    await inspectMany(`${gar.host}/acme-prod/images/app:1.0`, 10)
    // One jwt-bearer grant at the key's token_uri: the answer is cached across the helper's runs.
    assert.strictEqual(google.log.count({ method: "POST", status: 200 }), 1, google.log.format())
    assert.strictEqual(google.issued.length, 1)
    assert.deepStrictEqual(googleFront.connects, [`${GOOGLE_TOKEN_HOST}:443`], "no other Google endpoint was reached")
    // GAR's token endpoint saw oauth2accesstoken + that access token, and nothing else.
    assert.isAbove(presented.gar.length, 0)
    for (const p of presented.gar) {
      assert.strictEqual(p.username, "oauth2accesstoken")
      assert.strictEqual(p.password, google.issued[0])
      assert.isTrue(p.accepted)
    }
    assert.strictEqual(gar.log.count({ status: 401, server: "token" }), 0, gar.log.format())
  }, Budget.scaled(180_000))

  it("ACR: DefaultAzureCredential (managed identity) → Entra token → /oauth2/exchange; the zero GUID + the refresh token", async () => {
    const inspected = await inspect(`${acr.host}/team/app:1.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr + readFileSync(helperLog, "utf8"))
    assert.strictEqual(JSON.parse(inspected.stdout).schemaVersion, 2)
    const copied = await copy(`${acr.host}/team/app:1.0`, "acr-copy")
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isTrue(readdirSync(join(home, "acr-copy")).includes("manifest.json"))
    await inspectMany(`${acr.host}/team/app:1.0`, 10)
    // One managed-identity token (for ACR's resource, with the App Service header), one exchange.
    assert.deepStrictEqual(identity.requests, [{ resource: "https://containerregistry.azure.net", authorized: true }])
    assert.strictEqual(entra.issued.length, 1)
    assert.strictEqual(acr.log.count({ server: "exchange", status: 200 }), 1, acr.log.format())
    // The token endpoint saw the zero GUID + one refresh token of the registry, for the Entra principal.
    assert.isAbove(presented.acr.length, 0)
    const refreshTokens = new Set(presented.acr.map((p) => p.password))
    assert.strictEqual(refreshTokens.size, 1)
    for (const p of presented.acr) assert.strictEqual(p.username, ZERO_GUID)
    // The profile took every one of them: each Basic token request was answered 200.
    assert.strictEqual(acr.log.count({ server: "token", authorization: "basic" }), presented.acr.length, acr.log.format())
    assert.strictEqual(acr.log.count({ server: "token", authorization: "basic", status: 200 }), presented.acr.length, acr.log.format())
    const c = claims([...refreshTokens][0]!)
    assert.strictEqual(c?.sub, entra.subject)
    assert.strictEqual(c?.aud, ACR_REGISTRY)
    // The Entra access token never reached the registry's token endpoint or the registry API.
    assert.notInclude([...refreshTokens][0]!, entra.issued[0]!.token)
  }, Budget.scaled(180_000))

  it("ECR Public: GetAuthorizationToken through the AWS SDK; AWS + the password; one API call for 12 skopeo runs", async () => {
    const inspected = await inspect(`${ecrPublic.host}/acme/app:2.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr + readFileSync(helperLog, "utf8"))
    assert.strictEqual(JSON.parse(inspected.stdout).schemaVersion, 2)
    const copied = await copy(`${ecrPublic.host}/acme/app:2.0`, "ecr-public-copy")
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isTrue(readdirSync(join(home, "ecr-public-copy")).includes("manifest.json"))
    await inspectMany(`${ecrPublic.host}/acme/app:2.0`, 10)
    assert.strictEqual(api.calls.length, 1, JSON.stringify(api.calls))
    assert.deepStrictEqual(api.calls[0], {
      target: AwsEcrApi.ecrPublicTarget,
      service: "ecr-public",
      region: "us-east-1",
      registryIds: [],
      status: 200
    })
    assert.isAbove(presented.ecrPublic.length, 0)
    for (const p of presented.ecrPublic) {
      assert.strictEqual(p.username, "AWS")
      assert.isTrue(p.accepted)
    }
    assert.deepStrictEqual([...new Set(ecrPublic.log.filter({ authorization: "basic" }).map((e) => e.path))], ["/token/"], ecrPublic.log.format())
  }, Budget.scaled(180_000))

  it("the right credential to the right host only; no secret in stderr, the store's files or any log", async () => {
    const answers = {
      acr: JSON.parse((await helper("get", acr.host)).stdout),
      gar: JSON.parse((await helper("get", `https://${gar.host}`)).stdout),
      ecrPublic: JSON.parse((await helper("get", ecrPublic.host)).stdout)
    }
    assert.strictEqual(answers.acr.Username, ZERO_GUID)
    assert.strictEqual(answers.gar.Username, "oauth2accesstoken")
    assert.strictEqual(answers.gar.Secret, google.issued[0])
    assert.strictEqual(answers.ecrPublic.Username, "AWS")
    // Each token endpoint was shown its own registry's credential only.
    const mine = { acr: answers.acr.Secret as string, gar: answers.gar.Secret as string, ecrPublic: answers.ecrPublic.Secret as string }
    for (const [registry, list] of Object.entries(presented) as Array<[keyof typeof presented, Array<Presented>]>) {
      assert.isAbove(list.length, 0, registry)
      for (const p of list) assert.strictEqual(p.password, mine[registry], `${registry} was shown another registry's credential`)
    }
    // Basic credentials went to the token endpoints only, never to a registry API.
    for (const emulator of [acr, gar, ecrPublic]) {
      assert.strictEqual(emulator.log.count({ server: "registry", authorization: "basic" }), 0, emulator.log.format())
    }
    const secrets = [
      ...Object.values(mine),
      ...entra.issued.map((t) => t.token),
      identity.header,
      ...google.issued,
      google.serviceAccountKey.private_key.split("\n")[1]!,
      ...api.secrets()
    ]
    const stored = contents(join(home, "cache")) + contents(join(home, "state"))
    const logs = readFileSync(helperLog, "utf8") + acr.log.format() + gar.log.format() + ecrPublic.log.format() + google.log.format() +
      api.log.format()
    for (const secret of secrets) {
      assert.notInclude(stored, secret, "the store's files hold no secret in clear")
      assert.notInclude(logs, secret, "no secret in the helper's stderr or the logs")
    }
  }, Budget.scaled(60_000))
  it("store: an ACR admin login is kept and used; GAR keeps a service-account key but not an access token; ECR Public keeps nothing", async () => {
    const login = (server: string, username: string, secret: string) =>
      helper("store", JSON.stringify({ ServerURL: server, Username: username, Secret: secret }))
    // ACR's admin user: a registry credential, kept; it comes before the Entra identity.
    const stored = await login(acr.host, ACR_ADMIN, ACR_ADMIN_PASSWORD)
    assert.strictEqual(stored.code, 0, stored.stdout)
    // Kept under the registry the host stands for (its `registry` in hosts.json), as the SDK keeps credentials.
    assert.deepStrictEqual(JSON.parse((await helper("list", "")).stdout), { [ACR_REGISTRY]: ACR_ADMIN })
    const before = presented.acr.length
    const inspected = await inspect(`${acr.host}/team/app:1.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr)
    assert.deepStrictEqual(
      presented.acr.slice(before).map((p) => [p.username, p.accepted]),
      [[ACR_ADMIN, true]],
      "skopeo logged in as the admin user"
    )
    assert.strictEqual(JSON.parse((await helper("get", acr.host)).stdout).Username, ACR_ADMIN)
    // erase: the Entra identity answers again.
    assert.strictEqual((await helper("erase", acr.host)).code, 0)
    assert.strictEqual(JSON.parse((await helper("get", acr.host)).stdout).Username, ZERO_GUID)

    // GAR: an access token (it expires within the hour; ADC gives the helper its own) is refused.
    const token = google.issued[0]!
    const refused = await login(gar.host, "oauth2accesstoken", token)
    assert.strictEqual(refused.code, 1)
    // The reason is on standard output, where docker's client reads it (the wrapper sends stderr to the log).
    assert.include(refused.stdout, "cloud identity")
    assert.include(refused.stdout, "_json_key")
    assert.notInclude(refused.stdout + readFileSync(helperLog, "utf8"), token)
    // A service-account key is a registry credential: kept, handed out as given.
    const key = JSON.stringify(google.serviceAccountKey)
    assert.strictEqual((await login(gar.host, "_json_key", key)).code, 0)
    assert.deepStrictEqual(JSON.parse((await helper("get", gar.host)).stdout), { ServerURL: gar.host, Username: "_json_key", Secret: key })
    assert.notInclude(contents(join(home, "state")), google.serviceAccountKey.private_key.split("\n")[1]!, "sealed")
    assert.strictEqual((await helper("erase", gar.host)).code, 0)

    // ECR Public: its only login is AWS + a 12-hour password the helper gets itself.
    const ecr = await login(ecrPublic.host, "AWS", "eyJwYXlsb2FkIjoiZXhwaXJlZCJ9")
    assert.strictEqual(ecr.code, 1)
    assert.include(ecr.stdout, "cloud identity")
    assert.deepStrictEqual(JSON.parse((await helper("list", "")).stdout), {})
  }, Budget.scaled(120_000))
})
