/**
 * `docker-credential-ociauth` driven by a real client: skopeo, with nothing
 * but the helper configured (`credHelpers` of its `auth.json`), inspects and
 * copies images from emulator profiles — ECR backed by `AwsEcrApi` (the real
 * AWS SDK signs and sends `GetAuthorizationToken` to it), a Quay robot token
 * from the environment, an internal Harbor (named by the host configuration
 * only) with a robot login handed to `store`, and a registry the helper knows
 * nothing of (skopeo falls back to anonymous). containers/image never reads
 * `credsStore`; `credential-helpers` in `registries.conf` names the helper for
 * every host instead. The helper runs as an executable named
 * `docker-credential-ociauth` first on skopeo's PATH: a shell wrapper running
 * the helper built from the sources (`helperBin.helperHome`) with this Node.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { helperHome } from "./helperBin.js"
import { runProcess } from "./utils.js"
import { CredentialProvider } from "@ociauth/core"
import { AwsEcrApi, Budget, RegistryEmulator } from "@ociauth/testing"

const ECR_REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
const ROBOT = "acme+ci"
const ROBOT_TOKEN = "QUAYROBOTTOKEN0123456789ABCDEFGHIJKLMNOPQRSTUV"
const HARBOR_ROBOT = "robot$acme+ci"
const HARBOR_SECRET = "HarborRobotSecret0123456789abcdefGHIJ"

const run = runProcess

/** Every file under `dir`, as text. */
const contents = (dir: string): string =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
    .join("\n")

let home: string
let env: Record<string, string>
let api: AwsEcrApi.AwsEcrApi
let ecr: RegistryEmulator.RegistryEmulator
let quay: RegistryEmulator.RegistryEmulator
let bystander: RegistryEmulator.RegistryEmulator
let harbor: RegistryEmulator.RegistryEmulator
let helperLog: string

/** A registry whose every repository is private, with one robot account that may pull `acme/*`. */
const robotRegistry = (profile: "quay" | "harbor", robot: string, secret: string) =>
  RegistryEmulator.start({ profile, users: { [robot]: secret }, grants: [{ account: robot, name: "acme/*", actions: ["pull"] }], privateRepositories: ["*"] })

beforeAll(async () => {
  api = await AwsEcrApi.start()
  ecr = await RegistryEmulator.start({ profile: "ecr", issuedPasswords: api.passwords })
  ecr.pushImage("team/app", "1.0")
  quay = await robotRegistry("quay", ROBOT, ROBOT_TOKEN)
  quay.pushImage("acme/app", "2.0")
  bystander = await RegistryEmulator.start({ profile: "distribution" })
  bystander.pushImage("pub/app", "3.0")
  // An internal Harbor: no name the adapters know, only the host configuration says what it is.
  harbor = await robotRegistry("harbor", HARBOR_ROBOT, HARBOR_SECRET)
  harbor.pushImage("acme/tool", "4.0")

  // The helper as docker and skopeo find it: an executable named docker-credential-ociauth on PATH, built from the sources.
  const made = await helperHome("ociauth-helper-skopeo-", {
    helped: [ecr.host, quay.host, bystander.host, harbor.host],
    hosts: {
      [ecr.host]: { adapter: "ecr", registry: ECR_REGISTRY, insecure: true },
      [quay.host]: { adapter: "quay", insecure: true },
      [harbor.host]: { adapter: "harbor", insecure: true }
    }
  })
  home = made.home
  helperLog = made.helperLog
  const quayPrefix = CredentialProvider.environmentPrefix(quay.host)
  env = {
    ...made.env,
    ...api.environment,
    [`${quayPrefix}USERNAME`]: ROBOT,
    [`${quayPrefix}PASSWORD`]: ROBOT_TOKEN
  }
}, Budget.scaled(60_000))

afterAll(async () => {
  await Promise.all([ecr?.close(), quay?.close(), bystander?.close(), harbor?.close(), api?.close()])
  if (home !== undefined) rmSync(home, { recursive: true, force: true })
})

const skopeo = (args: ReadonlyArray<string>) => run("skopeo", args, env)
const inspect = (reference: string) => skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${reference}`])
const helper = (verb: string, stdin: string) => run(join(home, "bin", "docker-credential-ociauth"), [verb], env, stdin)

describe("skopeo with docker-credential-ociauth as its only credential source", () => {
  it("ECR: inspects and copies; 100 skopeo invocations cost 1 GetAuthorizationToken", async () => {
    const first = await inspect(`${ecr.host}/team/app:1.0`)
    assert.strictEqual(first.code, 0, first.stderr)
    assert.strictEqual(JSON.parse(first.stdout).schemaVersion, 2)
    assert.strictEqual(api.calls.length, 1, "the first pull asked the AWS API")
    const copied = await skopeo(["copy", "--src-tls-verify=false", `docker://${ecr.host}/team/app:1.0`, `dir:${join(home, "ecr-copy")}`])
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isTrue(readdirSync(join(home, "ecr-copy")).includes("manifest.json"))
    // 98 more invocations: 100 skopeo processes, each starting the helper.
    for (let batch = 0; batch < 98; batch += 12) {
      const outcomes = await Promise.all(Array.from({ length: Math.min(12, 98 - batch) }, () => inspect(`${ecr.host}/team/app:1.0`)))
      for (const outcome of outcomes) assert.strictEqual(outcome.code, 0, outcome.stderr)
    }
    assert.strictEqual(api.calls.length, 1, "one GetAuthorizationToken for 100 skopeo invocations")
    assert.deepStrictEqual(api.calls[0], {
      target: AwsEcrApi.ecrTarget,
      service: "ecr",
      region: "eu-west-1",
      registryIds: ["123456789012"],
      status: 200
    })
    // The registry saw the password, as Basic, on every authorised request; none refused.
    assert.isAbove(ecr.log.count({ server: "registry", authorization: "basic", status: 200 }), 100)
    assert.strictEqual(ecr.log.count({ server: "registry", status: 403 }), 0)
  }, Budget.scaled(600_000))

  it("Quay robot token: from the environment, to the Quay host's token server only", async () => {
    const inspected = await inspect(`${quay.host}/acme/app:2.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr)
    const copied = await skopeo(["copy", "--src-tls-verify=false", `docker://${quay.host}/acme/app:2.0`, `dir:${join(home, "quay-copy")}`])
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isAbove(quay.tokenServer.log.count({ authorization: "basic", status: 200 }), 0, quay.tokenServer.log.format())
  }, Budget.scaled(120_000))

  it("an internal Harbor (hosts.json): a robot login handed to store, to Harbor's token endpoint only", async () => {
    const stored = await helper("store", JSON.stringify({ ServerURL: harbor.host, Username: HARBOR_ROBOT, Secret: HARBOR_SECRET }))
    assert.strictEqual(stored.code, 0, stored.stdout)
    const inspected = await inspect(`${harbor.host}/acme/tool:4.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr + readFileSync(helperLog, "utf8"))
    const copied = await skopeo(["copy", "--src-tls-verify=false", `docker://${harbor.host}/acme/tool:4.0`, `dir:${join(home, "harbor-copy")}`])
    assert.strictEqual(copied.code, 0, copied.stderr)
    assert.isTrue(readdirSync(join(home, "harbor-copy")).includes("manifest.json"))
    assert.isAbove(harbor.log.count({ server: "token", authorization: "basic", status: 200 }), 0, harbor.log.format())
    assert.strictEqual(harbor.log.count({ server: "token", status: 401 }), 0, harbor.log.format())
  }, Budget.scaled(120_000))

  it("registries.conf's credential-helpers names the helper for every host; auth.json's credsStore is not read", async () => {
    // containers/image reads credHelpers from auth.json, never credsStore: with only credsStore, no credential.
    const onlyCredsStore = join(home, "auth-credsstore.json")
    writeFileSync(onlyCredsStore, JSON.stringify({ auths: {}, credsStore: "ociauth" }))
    // The default list, for a skopeo that reads CONTAINERS_REGISTRIES_CONF (1.9 reads the system's file: the same).
    const noHelpers = join(home, "registries-none.conf")
    writeFileSync(noHelpers, "credential-helpers = [\"containers-auth.json\"]\n")
    const refused = await run("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${quay.host}/acme/app:2.0`], {
      ...env,
      REGISTRY_AUTH_FILE: onlyCredsStore,
      CONTAINERS_REGISTRIES_CONF: noHelpers
    })
    assert.notStrictEqual(refused.code, 0, refused.stdout)
    // registries.conf: the helper after auth.json, for every host, with no credHelpers entry. The user's file
    // (~/.config/containers/registries.conf: skopeo 1.9 reads no CONTAINERS_REGISTRIES_CONF), in a home of its own.
    const empty = join(home, "auth-empty.json")
    writeFileSync(empty, JSON.stringify({ auths: {} }))
    const userHome = join(home, "registries-conf-home")
    mkdirSync(join(userHome, ".config", "containers"), { recursive: true })
    const conf = join(userHome, ".config", "containers", "registries.conf")
    writeFileSync(conf, "credential-helpers = [\"containers-auth.json\", \"ociauth\"]\n")
    const before = quay.tokenServer.log.count({ authorization: "basic", status: 200 })
    const inspected = await run("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${quay.host}/acme/app:2.0`], {
      ...env,
      HOME: userHome,
      REGISTRY_AUTH_FILE: empty,
      CONTAINERS_REGISTRIES_CONF: conf
    })
    assert.strictEqual(inspected.code, 0, inspected.stderr + readFileSync(helperLog, "utf8"))
    assert.strictEqual(JSON.parse(inspected.stdout).schemaVersion, 2)
    assert.isAbove(quay.tokenServer.log.count({ authorization: "basic", status: 200 }), before, quay.tokenServer.log.format())
  }, Budget.scaled(120_000))

  it("a host the helper does not know: credentials not found, skopeo pulls anonymously", async () => {
    const answer = await helper("get", bystander.host)
    assert.strictEqual(answer.code, 1)
    assert.strictEqual(answer.stdout.trim(), "credentials not found in native keychain")
    const inspected = await inspect(`${bystander.host}/pub/app:3.0`)
    assert.strictEqual(inspected.code, 0, inspected.stderr)
    // No credential reached it: its token server issued an anonymous token.
    assert.strictEqual(bystander.log.count({ authorization: "basic" }), 0, bystander.log.format())
    assert.isAbove(bystander.log.count({ server: "token", authorization: "none", status: 200 }), 0, bystander.log.format())
  }, Budget.scaled(120_000))

  it("the right credential to the right host only; no secret in stderr, the store's files or any log", async () => {
    const ecrAnswer = JSON.parse((await helper("get", ecr.host)).stdout)
    const quayAnswer = JSON.parse((await helper("get", `https://${quay.host}`)).stdout)
    assert.strictEqual(ecrAnswer.Username, "AWS")
    assert.strictEqual(quayAnswer.Username, ROBOT)
    assert.strictEqual(quayAnswer.Secret, ROBOT_TOKEN)
    const secrets = [ecrAnswer.Secret as string, ROBOT_TOKEN, HARBOR_SECRET, ...api.secrets()]
    // Basic credentials reached ECR's registry (the AWS password) and Quay's token endpoint (the robot) only:
    // never Quay's registry API, never the bystander.
    assert.isAbove(ecr.log.count({ server: "registry", authorization: "basic" }), 0)
    assert.deepStrictEqual([...new Set(quay.log.filter({ authorization: "basic" }).map((e) => e.path))], ["/v2/auth"], quay.log.format())
    assert.strictEqual(bystander.log.count({ authorization: "basic" }), 0, bystander.log.format())
    const stored = contents(join(home, "cache")) + contents(join(home, "state"))
    const logs = readFileSync(helperLog, "utf8") + ecr.log.format() + quay.log.format() + quay.tokenServer.log.format() + harbor.log.format() +
      api.log.format()
    for (const secret of secrets) {
      assert.notInclude(stored, secret, "the store's files hold no secret in clear")
      assert.notInclude(logs, secret, "no secret in the helper's stderr or the logs")
    }
  }, Budget.scaled(120_000))
})
