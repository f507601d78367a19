/**
 * Runs the documentation's code blocks (extracted to docs/snippets/ by
 * scripts/extract-docs.mjs) against the emulator through the docs harness. A
 * block that throws or rejects fails its test. Blocks marked `internet` or
 * `no-run` are skipped and counted; test-file blocks run as vitest files.
 * The blocks of the adapter READMEs (`routed`) are checked further: they asked
 * for their registry's public URL, got a token with their credentials, were
 * served with it, printed what the emulator holds, and an anonymous client is
 * refused where the README says credentials are needed.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type { RegistryEmulator } from "@ociauth/testing"
import * as Harness from "./harness.js"

interface Block {
  readonly file: string
  readonly origin: string
  readonly mode: "run" | "internet" | "no-run" | "test"
}

const snippets = join(import.meta.dirname, "..", "snippets")
const blocks: ReadonlyArray<Block> = JSON.parse(readFileSync(join(snippets, "index.json"), "utf8"))

/** What a block talking to an emulated registry must have done. */
interface Routed {
  readonly registry: Harness.Name
  /** The public URL it asks for. */
  readonly asked: string
  readonly repository: string
  /** The arguments of its one `console.log`, from the images the harness pushed. */
  readonly printed: (pushed: ReadonlyArray<RegistryEmulator.PushedImage>) => ReadonlyArray<unknown>
  /** The repository is private: an anonymous client is refused. */
  readonly private: boolean
  /** How the block asks for its token: with its Basic credentials, or anonymously (ECR Public's default). */
  readonly credentials?: "basic" | "none"
}
const tagsOf = (repository: string) => (pushed: ReadonlyArray<RegistryEmulator.PushedImage>) => [
  { name: repository, tags: pushed.filter((image) => image.repository === repository).map((image) => image.tag).sort() }
]
const digestOf = (repository: string, tag: string) => (pushed: ReadonlyArray<RegistryEmulator.PushedImage>) => [
  pushed.find((image) => image.repository === repository && image.tag === tag)!.digest
]
const routed: Readonly<Record<string, Routed>> = {
  "quay-README-01.ts": {
    registry: "quay",
    asked: "https://quay.io/v2/acme/app/manifests/latest",
    repository: "acme/app",
    printed: digestOf("acme/app", "latest"),
    private: true
  },
  "gitlab-README-01.ts": {
    registry: "gitlab",
    asked: "https://registry.gitlab.com/v2/group/sub/project/image/tags/list",
    repository: "group/sub/project/image",
    printed: tagsOf("group/sub/project/image"),
    private: true
  },
  "harbor-README-01.ts": {
    registry: "harbor",
    asked: "https://harbor.corp.example/v2/library/app/tags/list",
    repository: "library/app",
    printed: tagsOf("library/app"),
    private: true
  },
  "nvcr-README-01.ts": {
    registry: "nvcr",
    asked: "https://nvcr.io/v2/nvidia/cuda/tags/list",
    repository: "nvidia/cuda",
    printed: tagsOf("nvidia/cuda"),
    private: false
  },
  "artifactory-README-01.ts": {
    registry: "artifactory",
    asked: "https://art.corp.example/artifactory/api/docker/docker-local/v2/team/app/tags/list",
    repository: "team/app",
    printed: tagsOf("team/app"),
    private: true
  },
  "ecr-public-README-01.ts": {
    registry: "ecrPublic",
    asked: "https://public.ecr.aws/v2/docker/library/alpine/manifests/latest",
    repository: "docker/library/alpine",
    printed: digestOf("docker/library/alpine", "latest"),
    private: false,
    credentials: "none"
  },
  "zot-README-01.ts": {
    registry: "zot",
    asked: "https://zot.corp.example/v2/tools/app/tags/list",
    repository: "tools/app",
    printed: tagsOf("tools/app"),
    private: true
  }
}

/** The status an anonymous client gets for `path`: its token request's refusal, or the registry's answer to its token. */
const anonymousStatus = async (emulator: RegistryEmulator.RegistryEmulator, repository: string, path: string): Promise<number> => {
  const query = new URLSearchParams({ service: emulator.tokenServer.service, scope: `repository:${repository}:pull` })
  const token = await fetch(`${emulator.tokenServer.realm}?${query}`)
  if (token.status !== 200) return token.status
  const { token: bearer } = (await token.json()) as { token: string }
  const response = await fetch(`${emulator.origin}${path}`, { headers: { authorization: `Bearer ${bearer}` } })
  await response.body?.cancel()
  return response.status
}

describe("docs: every runnable code block runs against the emulator", () => {
  let harness: Harness.Harness
  beforeAll(async () => {
    harness = await Harness.start()
  })
  afterAll(async () => {
    await harness.close()
    const skipped = blocks.filter((b) => b.mode === "internet" || b.mode === "no-run")
    console.log(
      `docs: ${blocks.filter((b) => b.mode === "run").length} blocks run, ${blocks.filter((b) => b.mode === "test").length} run as test files, ` +
        `${skipped.length} skipped` + (skipped.length > 0 ? ` (${skipped.map((b) => `${b.origin} ${b.mode}`).join(", ")})` : "")
    )
  })

  it("has blocks to run", () => {
    assert.isAbove(blocks.filter((b) => b.mode === "run").length, 10)
  })

  it("runs the adapter READMEs' blocks against their registries", () => {
    for (const file of Object.keys(routed)) assert.strictEqual(blocks.find((b) => b.file === file)?.mode, "run", file)
  })

  for (const block of blocks) {
    if (block.mode !== "run") continue
    it(block.origin, async () => {
      const expected = routed[block.file]
      const emulator = expected === undefined ? undefined : harness.emulators[expected.registry]
      const logFrom = emulator?.log.entries.length ?? 0
      const askedFrom = harness.requested.length
      const printed: Array<ReadonlyArray<unknown>> = []
      const log = console.log
      console.log = (...args: Array<unknown>) => {
        printed.push(args)
        log(...args)
      }
      try {
        await import(/* @vite-ignore */ join(snippets, block.file))
      } finally {
        console.log = log
      }
      if (expected === undefined || emulator === undefined) return

      const trace = `\n${emulator.log.format()}`
      assert.include(harness.requested.slice(askedFrom), expected.asked, "asked for the registry's public URL")
      const entries = emulator.log.entries.slice(logFrom)
      const credentials = expected.credentials ?? "basic"
      assert.isTrue(entries.some((e) => e.server === "token" && e.authorization === credentials && e.status === 200), `a token (${credentials})${trace}`)
      if (credentials === "none") assert.isFalse(entries.some((e) => e.authorization === "basic"), `no credentials sent${trace}`)
      const path = new URL(expected.asked).pathname
      assert.isTrue(entries.some((e) => e.server === "registry" && e.path === path && e.authorization === "bearer" && e.status === 200), `served with the token${trace}`)
      assert.deepStrictEqual(printed, [expected.printed(harness.pushed[expected.registry])], "printed what the registry holds")
      const anonymous = await anonymousStatus(emulator, expected.repository, path)
      if (expected.private) assert.oneOf(anonymous, [401, 403], "an anonymous client is refused")
      else assert.strictEqual(anonymous, 200, "public: an anonymous client is served")
    })
  }
})
