/**
 * Round trips with a real client: skopeo (Debian's 1.9.3) pushes an image and a
 * two-platform index from an OCI layout to every profile, pulls them back to
 * another layout, and every manifest and blob must come back byte for byte.
 * Skipped, loudly, only where skopeo is missing outside CI.
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { promisify } from "node:util"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { onTestFinished } from "vitest"
import { Profiles, RegistryEmulator } from "@ociauth/testing"
import * as Layout from "./ociLayout.js"

const run = promisify(execFile)

const skopeo = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "skopeo")).find((path) => existsSync(path))
const inCi = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false"
if (skopeo === undefined) {
  if (inCi) throw new Error("skopeo is not installed, and CI requires it: .ci/run installs the skopeo package")
  console.warn("\n*** skopeo is not installed: the skopeo round trips are SKIPPED (apt-get install -y skopeo) ***\n")
}

/**
 * Registries a standard client cannot use as they are, by design of the registry (a
 * quirk ociauth absorbs): there, skopeo must fail, for exactly that reason.
 */
const standardClientsFail: Partial<Record<keyof typeof Profiles.named, { readonly why: string; readonly error: RegExp }>> = {
  zot: {
    why: "Zot's open /v2/ names its realm bare (`bearer realm=http://…`): a strict challenge parser reads `realm=http`",
    error: /unsupported protocol scheme/
  },
  artifactory: {
    why: "the API lives under /artifactory/api/docker/<repo>/v2/: docker clients need the reverse proxy's subdomain or port method",
    error: /pinging container registry .*404/
  }
}

/** Every built-in profile: a new profile gets its round trip without a line here. */
const profiles = Object.keys(Profiles.named) as ReadonlyArray<keyof typeof Profiles.named>

describe.skipIf(skopeo === undefined).each(profiles)("skopeo round trip against the %s profile", (profile) => {
  let emulator: RegistryEmulator.RegistryEmulator
  let work: string
  const content = Layout.imageAndIndex()

  const copy = async (...args: ReadonlyArray<string>) => {
    // Waits on skopeo's exit, with no deadline of its own (the test's scaled timeout catches a hang);
    // a skopeo still running when the test ends is killed.
    const stop = new AbortController()
    onTestFinished(() => stop.abort())
    try {
      await run(skopeo!, ["--insecure-policy", "copy", "--all", "--preserve-digests", "--retry-times", "0", ...args], {
        env: { ...process.env, REGISTRY_AUTH_FILE: join(work, "auth.json"), HOME: work },
        signal: stop.signal
      })
    } catch (error) {
      const { stderr } = error as { stderr?: string }
      throw new Error(`skopeo ${args.join(" ")} failed: ${stderr ?? String(error)}\n${emulator.log.format()}`)
    }
  }

  beforeAll(async () => {
    emulator = await RegistryEmulator.start({ profile, users: { alice: "pw" } })
    work = await mkdtemp(join(tmpdir(), `ociauth-skopeo-${profile}-`))
    await writeFile(join(work, "auth.json"), JSON.stringify({ auths: {} }))
    await Layout.write(join(work, "source"), content)
  })
  afterAll(async () => {
    await emulator?.close()
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  const incompatible = standardClientsFail[profile]
  if (incompatible !== undefined) {
    it(`fails, as against the real registry: ${incompatible.why}`, async () => {
      const remote = `docker://${emulator.host}/alice/round-trip:image`
      const failure = await copy("--dest-tls-verify=false", "--dest-creds", "alice:pw", `oci:${join(work, "source")}:image`, remote).then(
        () => undefined,
        (error: unknown) => String(error)
      )
      assert.match(failure ?? "skopeo succeeded", incompatible.error)
    })
    return
  }

  for (const ref of ["image", "index"] as const) {
    it(`pushes the ${ref} and pulls it back byte for byte`, async () => {
      const remote = `docker://${emulator.host}/alice/round-trip:${ref}`
      await copy("--dest-tls-verify=false", "--dest-creds", "alice:pw", `oci:${join(work, "source")}:${ref}`, remote)
      assert.strictEqual(emulator.tags("alice/round-trip").includes(ref), true)

      const target = join(work, `pulled-${ref}`)
      await copy("--src-tls-verify=false", "--src-creds", "alice:pw", remote, `oci:${target}:${ref}`)
      const digest = await Layout.refDigest(target, ref)
      assert.strictEqual(digest, content.refs[ref]!.digest)

      // The manifest and everything it names (an index's manifests and theirs), byte for byte.
      const manifests = [digest!]
      let blobs = 0
      for (const manifest of manifests) {
        const pulled = await Layout.readBlob(target, manifest)
        assert.deepStrictEqual(pulled, content.blobs.get(manifest), manifest)
        const json = JSON.parse(new TextDecoder().decode(pulled)) as Layout.ManifestJson
        manifests.push(...(json.manifests ?? []).map((m) => m.digest))
        for (const blob of [...(json.config === undefined ? [] : [json.config]), ...(json.layers ?? [])]) {
          assert.deepStrictEqual(await Layout.readBlob(target, blob.digest), content.blobs.get(blob.digest), blob.digest)
          blobs++
        }
      }
      assert.deepStrictEqual([manifests.length, blobs], ref === "index" ? [3, 4] : [1, 2])
    })
  }
})
