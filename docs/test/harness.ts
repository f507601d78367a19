/**
 * The docs harness: the internet, played by the emulator. Every registry of
 * `registries` below is an emulator with that registry's profile, answering for
 * its public hosts through a `fetch` installed as `globalThis.fetch`, so the
 * blocks run exactly as written, with the built-in adapters as shipped. Loopback
 * requests pass through; any other host is refused with a message (mark such a
 * block ```` ```ts internet ````).
 * The machine's credentials are isolated: an empty docker config, no podman
 * file; the environment variables the blocks read (`GITHUB_TOKEN`,
 * `QUAY_ROBOT_TOKEN`, GitLab CI's `CI_REGISTRY` / `CI_JOB_TOKEN`, …) are set to
 * the emulators' passwords, and restored on close.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RegistryEmulator } from "@ociauth/testing"

/** An emulated registry: what it is, where it answers, who it knows, what it holds. */
export interface Registry {
  /** The emulator's options: profile, users (username → password), grants, private repositories. */
  readonly emulator: RegistryEmulator.Options
  /** The public hosts the registry answers for. */
  readonly hosts: ReadonlyArray<string>
  /** The public host of its token endpoint, when that is on an origin of its own (`auth.docker.io`, `gitlab.com`). */
  readonly realmHost?: string
  /** `[repository, tag]` pushed before the blocks run. */
  readonly images: ReadonlyArray<readonly [string, string]>
  /** Environment variables the blocks read: their values (the passwords of `emulator.users`). */
  readonly env?: Readonly<Record<string, string>>
}

const GITHUB_TOKEN = "ghp_docs-harness-token"
const QUAY_ROBOT_TOKEN = "quay-robot-token-docs"
const CI_JOB_TOKEN = "gitlab-ci-job-token-docs"
const HARBOR_ROBOT_SECRET = "harbor-robot-secret-docs"
const NGC_API_KEY = "nvapi-docs-harness-key"
const ARTIFACTORY_API_KEY = "AKCp-docs-harness-key"
const ZOT_API_KEY = "zak_docs-harness-key"

/** The registries the documentation's blocks talk to. */
export const registries = {
  hub: {
    emulator: { profile: "dockerHub" },
    hosts: ["registry-1.docker.io"],
    realmHost: "auth.docker.io",
    images: [["library/alpine", "latest"], ["library/python", "latest"]]
  },
  ghcr: {
    emulator: { profile: "ghcr", users: { me: GITHUB_TOKEN }, privateRepositories: ["me/*"] },
    hosts: ["ghcr.io"],
    images: [["owner/app", "1.0"], ["owner/app", "1.1"], ["owner/image", "latest"], ["me/app", "1.0"]],
    env: { GITHUB_TOKEN }
  },
  // packages/quay/README.md: the robot of organisation acme, pulling its private repository.
  quay: {
    emulator: {
      profile: "quay",
      users: { "acme+deployer": QUAY_ROBOT_TOKEN },
      grants: [{ account: "acme+deployer", name: "acme/*", actions: ["pull"] }],
      privateRepositories: ["acme/*"]
    },
    hosts: ["quay.io"],
    images: [["acme/app", "latest"]],
    env: { QUAY_ROBOT_TOKEN }
  },
  // packages/gitlab/README.md: a CI job's token (read-only) on a private project of a nested group.
  gitlab: {
    emulator: {
      profile: "gitlab",
      users: { "gitlab-ci-token": CI_JOB_TOKEN },
      grants: [{ account: "gitlab-ci-token", name: "group/*", actions: ["pull"] }],
      privateRepositories: ["group/*"]
    },
    hosts: ["registry.gitlab.com"],
    realmHost: "gitlab.com",
    images: [["group/sub/project/image", "1.0"], ["group/sub/project/image", "latest"]],
    env: { CI_REGISTRY: "registry.gitlab.com", CI_JOB_TOKEN }
  },
  // packages/harbor/README.md: a robot account of a private project.
  harbor: {
    emulator: {
      profile: "harbor",
      users: { "robot$ci": HARBOR_ROBOT_SECRET },
      grants: [{ account: "robot$ci", name: "library/*", actions: ["pull"] }],
      privateRepositories: ["library/*"]
    },
    hosts: ["harbor.corp.example"],
    images: [["library/app", "1.0"], ["library/app", "2.0"]],
    env: { HARBOR_ROBOT_SECRET }
  },
  // packages/nvcr/README.md: `$oauthtoken` and an API key; nvidia/cuda is public on NGC, the key is checked all the same.
  nvcr: {
    emulator: { profile: "nvcr", users: { $oauthtoken: NGC_API_KEY } },
    hosts: ["nvcr.io"],
    images: [["nvidia/cuda", "12.4.1-base-ubuntu22.04"], ["nvidia/cuda", "12.6.3-base-ubuntu24.04"]],
    env: { NGC_API_KEY }
  },
  // packages/artifactory/README.md: repository-path access to docker-local, anonymous access off (Artifactory's default).
  artifactory: {
    // Artifactory's service names the registry's host and port (registry reference §14).
    emulator: {
      profile: "artifactory",
      service: "art.corp.example:443",
      users: { deployer: ARTIFACTORY_API_KEY },
      grants: [{ account: "deployer", name: "team/*", actions: ["pull"] }],
      privateRepositories: ["*"]
    },
    hosts: ["art.corp.example"],
    images: [["team/app", "1.0"]],
    env: { ARTIFACTORY_API_KEY }
  },
  // packages/ecr-public/README.md: an anonymous pull of a public image, ECR Public's default (no AWS call).
  ecrPublic: {
    emulator: { profile: "ecrPublic" },
    hosts: ["public.ecr.aws"],
    images: [["docker/library/alpine", "latest"]]
  },
  // packages/zot/README.md: an API key of alice; tokens from the issuer Zot is configured with.
  zot: {
    emulator: {
      profile: "zot",
      users: { alice: ZOT_API_KEY },
      grants: [{ account: "alice", name: "tools/*", actions: ["pull"] }],
      privateRepositories: ["tools/*"]
    },
    hosts: ["zot.corp.example"],
    realmHost: "auth.corp.example",
    images: [["tools/app", "0.9"], ["tools/app", "1.0"]],
    env: { ZOT_API_KEY }
  }
} satisfies Record<string, Registry>

export type Name = keyof typeof registries

export interface Harness {
  readonly emulators: { readonly [K in Name]: RegistryEmulator.RegistryEmulator }
  readonly hub: RegistryEmulator.RegistryEmulator
  readonly ghcr: RegistryEmulator.RegistryEmulator
  /** The images pushed to each registry (`images`), with their digests. */
  readonly pushed: { readonly [K in Name]: ReadonlyArray<RegistryEmulator.PushedImage> }
  /** Every URL the blocks asked for, as they asked for it. */
  readonly requested: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const isLoopback = (host: string) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)

export const start = async (): Promise<Harness> => {
  const names = Object.keys(registries) as Array<Name>
  const started = await Promise.all(names.map((name) => RegistryEmulator.start((registries[name] as Registry).emulator)))
  const emulators = Object.fromEntries(names.map((name, i) => [name, started[i]!])) as { [K in Name]: RegistryEmulator.RegistryEmulator }

  // Public host → emulator origin: the registry's hosts, and its realm's host where the token endpoint has an origin of its own.
  const routes: Record<string, string> = {}
  const pushed = Object.fromEntries(names.map((name) => [name, [] as Array<RegistryEmulator.PushedImage>])) as {
    [K in Name]: Array<RegistryEmulator.PushedImage>
  }
  for (const name of names) {
    const registry: Registry = registries[name]
    const emulator = emulators[name]
    for (const [repository, tag] of registry.images) pushed[name].push(emulator.pushImage(repository, tag))
    for (const host of registry.hosts) routes[host] = emulator.origin
    const realmOrigin = new URL(emulator.challenge.realm).origin
    if (realmOrigin !== emulator.origin) {
      if (registry.realmHost === undefined) throw new Error(`docs harness: ${name}'s realm is on another origin: give its realmHost`)
      routes[registry.realmHost] = realmOrigin
    }
  }

  // Answers name the public hosts, not the emulators' loopback origins (a
  // challenge's realm, a redirect's Location), as the real registries do.
  // An origin is replaced whole (`http://127.0.0.1:4000` is not the start of `…:40001`).
  const publicOf = new Map<string, string>()
  for (const [host, origin] of Object.entries(routes)) if (!publicOf.has(origin)) publicOf.set(origin, `https://${host}`)
  const origins = new RegExp(`(${[...publicOf.keys()].map((o) => o.replace(/[.:/]/g, "\\$&")).join("|")})(?!\\d)`, "g")
  const disguise = (response: Response): Response => {
    const headers = new Headers(response.headers)
    let changed = false
    for (const name of ["www-authenticate", "location"]) {
      const value = headers.get(name)
      if (value === null) continue
      const next = value.replace(origins, (origin) => publicOf.get(origin)!)
      if (next !== value) {
        headers.set(name, next)
        changed = true
      }
    }
    return changed ? new Response(response.body, { status: response.status, statusText: response.statusText, headers }) : response
  }

  const requested: Array<string> = []
  const realFetch = globalThis.fetch
  const routed = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    requested.push(url.href)
    if (isLoopback(url.host)) return realFetch(input, init)
    const target = routes[url.host]
    if (target === undefined || url.protocol !== "https:") {
      return Promise.reject(new TypeError(`docs harness: no route to ${url.href}; a block that needs the internet is marked \`\`\`ts internet`))
    }
    const to = new URL(url.pathname + url.search, target)
    return realFetch(input instanceof Request ? new Request(to, input) : to, init).then(disguise)
  }
  globalThis.fetch = routed as typeof globalThis.fetch

  const home = mkdtempSync(join(tmpdir(), "ociauth-docs-home-"))
  writeFileSync(join(home, "config.json"), "{}")
  const saved = { ...process.env }
  const env = Object.assign({}, ...names.map((name) => (registries[name] as Registry).env ?? {})) as Record<string, string>
  Object.assign(process.env, { HOME: home, DOCKER_CONFIG: home, REGISTRY_AUTH_FILE: join(home, "no-auth.json") }, env)
  delete process.env.DOCKER_AUTH_CONFIG
  delete process.env.XDG_RUNTIME_DIR

  return {
    emulators,
    hub: emulators.hub,
    ghcr: emulators.ghcr,
    pushed,
    requested,
    close: async () => {
      globalThis.fetch = realFetch
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
      rmSync(home, { recursive: true, force: true })
      await Promise.all(started.map((emulator) => emulator.close()))
    }
  }
}
