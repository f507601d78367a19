import { spawn } from "node:child_process"
import type { ChildProcess, SpawnOptions } from "node:child_process"
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { delimiter, join } from "node:path"

/** A server binary: an explicit path, then `$variable`, then `PATH`, then `/usr/bin`. */
export const findBinary = (name: string, variable: string, explicit?: string): string | undefined => {
  const candidates = [explicit, process.env[variable]].filter((c): c is string => c !== undefined && c !== "")
  for (const candidate of candidates) if (existsSync(candidate)) return candidate
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, name)
    if (dir !== "" && existsSync(path)) return path
  }
  return existsSync(`/usr/bin/${name}`) ? `/usr/bin/${name}` : undefined
}

/** A port nobody listens on now (another process may still take it before the server binds). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

/** Servers still running; killed when this process exits, however it exits (a closed pipe, an uncaught error). */
const running = new Set<ChildProcess>()
let exitHookInstalled = false

/** Spawns a server that dies with this process: a harness that never reaches `close` leaks no server. */
export const spawnServer = (binary: string, args: ReadonlyArray<string>, options: SpawnOptions): ChildProcess => {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once("exit", () => {
      for (const child of running) child.kill("SIGKILL")
    })
  }
  const child = spawn(binary, args, options)
  running.add(child)
  child.once("exit", () => running.delete(child))
  return child
}

/** Stops a server: SIGTERM, then SIGKILL after 5 s. */
export const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGTERM")
  })
