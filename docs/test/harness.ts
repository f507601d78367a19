/**
 * The docs harness: the internet, played by the emulator. Docker Hub
 * (`registry-1.docker.io`, `auth.docker.io`) and GHCR (`ghcr.io`) are routed to
 * emulators with those registries' profiles by a `fetch` installed as
 * `globalThis.fetch`, so the blocks run exactly as written, with the built-in
 * adapters as shipped. Loopback requests pass through; any other host is
 * refused with a message (mark such a block ```` ```ts internet ````).
 * The machine's credentials are isolated: an empty docker config, no podman
 * file, `GITHUB_TOKEN` set to the emulator's password for `me`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RegistryEmulator } from "@ociauth/testing"

export interface Harness {
  readonly hub: RegistryEmulator.RegistryEmulator
  readonly ghcr: RegistryEmulator.RegistryEmulator
  /** Every URL the blocks asked for, as they asked for it. */
  readonly requested: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const GITHUB_TOKEN = "ghp_docs-harness-token"
const isLoopback = (host: string) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)

export const start = async (): Promise<Harness> => {
  const hub = await RegistryEmulator.start({ profile: "dockerHub" })
  const ghcr = await RegistryEmulator.start({ profile: "ghcr", users: { me: GITHUB_TOKEN }, privateRepositories: ["me/*"] })
  for (const repository of ["library/alpine", "library/python"]) hub.pushImage(repository, "latest")
  for (const [repository, tag] of [["owner/app", "1.0"], ["owner/app", "1.1"], ["owner/image", "latest"], ["me/app", "1.0"]] as const) {
    ghcr.pushImage(repository, tag)
  }
  const routes: Record<string, string> = {
    "registry-1.docker.io": hub.origin,
    "auth.docker.io": new URL(hub.challenge.realm).origin,
    "ghcr.io": ghcr.origin
  }

  // Answers name the public hosts, not the emulators' loopback origins (a
  // challenge's realm, a redirect's Location), as the real registries do.
  const reverse = Object.entries(routes).map(([host, origin]) => [origin, `https://${host}`] as const)
  const disguise = (response: Response): Response => {
    const headers = new Headers(response.headers)
    let changed = false
    for (const name of ["www-authenticate", "location"]) {
      const value = headers.get(name)
      if (value === null) continue
      const next = reverse.reduce((text, [origin, host]) => text.split(origin).join(host), value)
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
  Object.assign(process.env, { HOME: home, DOCKER_CONFIG: home, REGISTRY_AUTH_FILE: join(home, "no-auth.json"), GITHUB_TOKEN })
  delete process.env.DOCKER_AUTH_CONFIG
  delete process.env.XDG_RUNTIME_DIR

  return {
    hub,
    ghcr,
    requested,
    close: async () => {
      globalThis.fetch = realFetch
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
      rmSync(home, { recursive: true, force: true })
      await hub.close()
      await ghcr.close()
    }
  }
}
