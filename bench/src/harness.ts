/**
 * What every workload shares: the real registry with its token server, a
 * counting proxy in front of it, content, and small measuring helpers.
 */
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { RegistryAdapter } from "@ociauth/core"
import { DistributionRegistry, Image, TokenServer } from "@ociauth/testing"


/** Counts every HTTP request to the registry, and connections that never made one (e.g. TLS probes). */
export interface CountingProxy {
  readonly origin: string
  readonly host: string
  readonly requests: number
  readonly failedConnections: number
  readonly byPath: Map<string, number>
  readonly reset: () => void
  readonly close: () => Promise<void>
}

export const countingProxy = async (target: string): Promise<CountingProxy> => {
  const upstream = new URL(target)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const sockets = new Set<Socket>()
  const state = { requests: 0, failedConnections: 0, byPath: new Map<string, number>() }
  const server = http.createServer((request, response) => {
    state.requests++
    const route = (request.url ?? "/").replace(/\?.*$/, "").replace(/sha256:[a-f0-9]+/, "<digest>").replace(/uploads\/[^/]+$/, "uploads/<id>")
    const key = `${request.method} ${route}`
    state.byPath.set(key, (state.byPath.get(key) ?? 0) + 1)
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: { ...request.headers, host: upstream.host }, agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      }
    )
    forward.on("error", () => response.destroy())
    request.pipe(forward)
  })
  server.on("clientError", (_error, socket) => {
    state.failedConnections++
    socket.destroy()
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const proxy: CountingProxy = {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    get requests() {
      return state.requests
    },
    get failedConnections() {
      return state.failedConnections
    },
    byPath: state.byPath,
    reset: () => {
      state.requests = 0
      state.failedConnections = 0
      state.byPath.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        agent.destroy()
        server.close(() => resolve())
      })
  }
  return proxy
}

export interface Bed {
  readonly tokens: TokenServer.TokenServer
  readonly registry: DistributionRegistry.DistributionRegistry
  readonly proxy: CountingProxy
  /** An adapter for the proxied registry that knows the realm in advance. */
  readonly adapter: RegistryAdapter.RegistryAdapter
  readonly push: (repository: string, tag: string) => Promise<{ readonly digest: string; readonly config: string }>
  readonly close: () => Promise<void>
}

/**
 * The real registry, its token server, and the counting proxy in front of the registry.
 * Tokens last an hour (the token server's default is 300 s): no client renews one inside
 * a measured run, however slow the machine (or callgrind) makes it, so the runs compare
 * warm requests only; the plain clients' fixed tokens are renewed anyway (`token.ts`).
 */
export const bed = async (): Promise<Bed> => {
  const tokens = await TokenServer.start({ service: "ociauth-bench", users: { bench: "bench-pw" }, ttl: "1 hour" })
  const registry = await DistributionRegistry.start({ tokenServer: tokens })
  const proxy = await countingProxy(registry.origin)
  const adapter = RegistryAdapter.make({
    name: "bench-registry",
    hosts: [proxy.host],
    challenge: { scheme: "bearer", realm: tokens.realm, service: tokens.service, scopes: [] }
  })
  const basic = `Basic ${Buffer.from("bench:bench-pw").toString("base64")}`
  const push = async (repository: string, tag: string) => {
    const url = new URL(tokens.realm)
    url.searchParams.set("service", tokens.service)
    url.searchParams.set("scope", `repository:${repository}:pull,push`)
    const token = ((await (await fetch(url, { headers: { authorization: basic } })).json()) as { token: string }).token
    const auth = { authorization: `Bearer ${token}` }
    const upload = async (bytes: Uint8Array<ArrayBuffer>) => {
      const started = await fetch(`${registry.origin}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: auth })
      const location = new URL(started.headers.get("location")!, registry.origin)
      location.searchParams.set("digest", Image.digestOf(bytes))
      const put = await fetch(location, { method: "PUT", headers: auth, body: bytes })
      if (put.status !== 201) throw new Error(`upload answered ${put.status}`)
      return Image.digestOf(bytes)
    }
    const image = Image.make([new TextEncoder().encode(`${repository}:${tag} layer`)])
    for (const layer of image.layers) await upload(layer.bytes)
    await upload(image.config.bytes)
    const put = await fetch(`${registry.origin}/v2/${repository}/manifests/${tag}`, {
      method: "PUT",
      headers: { ...auth, "content-type": image.manifest.mediaType },
      body: image.manifest.text
    })
    if (put.status !== 201) throw new Error(`manifest PUT answered ${put.status}`)
    return { digest: put.headers.get("docker-content-digest")!, config: image.config.digest }
  }
  return {
    tokens,
    registry,
    proxy,
    adapter,
    push,
    close: async () => {
      await proxy.close()
      await registry.close()
      await tokens.close()
    }
  }
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

/** Wall time and CPU time (user + system) of an async function. */
export const measure = async <A>(run: () => Promise<A>) => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await run()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { result, wallMs, cpuMs: (used.user + used.system) / 1000 }
}

/** The median (of an even count, the mean of the two middle values). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const ratio = (a: number, b: number) => (b === 0 ? "n/a" : `${(a / b).toFixed(2)}×`)
export const ms = (n: number) => `${n.toFixed(0)} ms`

/**
 * The skopeo version, installing the Debian package when it is missing and
 * this process may (root or sudo); `undefined` when it cannot be had.
 */
export const ensureSkopeo = async (log: (text: string) => void): Promise<string | undefined> => {
  const { execFile } = await import("node:child_process")
  const { promisify } = await import("node:util")
  const run = promisify(execFile)
  const version = () => run("skopeo", ["--version"]).then((r) => r.stdout.trim(), () => undefined)
  const found = await version()
  if (found !== undefined) return found
  const root = process.getuid?.() === 0
  const sudo = root ? [] : ["sudo", "-n"]
  log("skopeo is missing: installing the Debian package")
  try {
    const apt = (...args: Array<string>) =>
      sudo.length === 0
        ? run("apt-get", args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 300_000 })
        : run(sudo[0]!, [...sudo.slice(1), "apt-get", ...args], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 300_000 })
    await apt("update", "-qq")
    await apt("install", "-y", "-qq", "skopeo")
  } catch (error) {
    log(`could not install skopeo (${String(error).split("\n")[0]}): its column is skipped`)
    return undefined
  }
  return version()
}
