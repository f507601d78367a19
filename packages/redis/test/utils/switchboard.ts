import { connect, createServer } from "node:net"
import type { AddressInfo, Server, Socket } from "node:net"

/**
 * A loopback port in front of a real redis-server that a test switches between
 * `up` (bytes forwarded both ways), `refused` (nothing listens: connections are
 * refused) and `silent` (connections are accepted and never answered). Every
 * switch drops the connections open at that moment, as a Redis restart would.
 */
export interface Switchboard {
  readonly port: number
  readonly set: (mode: "up" | "refused" | "silent") => Promise<void>
  readonly close: () => Promise<void>
}

export const start = async (target: number): Promise<Switchboard> => {
  let mode: "up" | "refused" | "silent" = "up"
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on("error", () => {})
    socket.on("close", () => sockets.delete(socket))
  }
  const accept = (client: Socket) => {
    track(client)
    if (mode !== "up") return
    const upstream = connect(target, "127.0.0.1")
    track(upstream)
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
    client.pipe(upstream).pipe(client)
  }
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(accept)
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => resolve(server))
    })
  let server: Server | undefined = await listen(0)
  const port = (server.address() as AddressInfo).port
  const drop = () => {
    for (const socket of sockets) socket.destroy()
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server
      server = undefined
      if (s === undefined) return resolve()
      s.close(() => resolve())
      drop()
    })
  return {
    port,
    set: async (next) => {
      mode = next
      drop()
      if (next === "refused") return stop()
      if (server === undefined) server = await listen(port)
    },
    close: stop
  }
}
