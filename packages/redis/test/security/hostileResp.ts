/**
 * A hostile Redis on loopback: a tiny `net` server that speaks just enough RESP
 * for ioredis to connect (it answers the `INFO` ready check and `CLIENT`/`SELECT`
 * properly), then answers every other command — `QUIT` included — the way its
 * mode says: with a reply of the wrong type, an error, bytes that are not RESP,
 * nothing at all, or one byte per second of a reply that never ends.
 */
import { createServer } from "node:net"
import type { Socket } from "node:net"

export type Mode = "integer" | "array" | "nil" | "status" | "error" | "garbage" | "silent" | "drip"

export const modes: ReadonlyArray<Mode> = ["integer", "array", "nil", "status", "error", "garbage", "silent", "drip"]

export interface HostileResp {
  readonly port: number
  /** Commands received (upper-case names), in order. */
  readonly commands: Array<string>
  readonly close: () => Promise<void>
}

const replies: Record<Exclude<Mode, "silent" | "drip">, string> = {
  integer: ":42\r\n",
  array: "*3\r\n$2\r\nv1\r\n:7\r\n*1\r\n$-1\r\n",
  nil: "$-1\r\n",
  status: "+OK\r\n",
  error: "-ERR hostile\r\n",
  garbage: "\u0000\u00ff!not resp at all\r\n"
}

/** Reads complete RESP arrays of bulk strings (what clients send) from the front of `buffer`. */
const parseCommands = (buffer: Buffer): { readonly commands: Array<Array<string>>; readonly rest: Buffer } => {
  const commands: Array<Array<string>> = []
  let offset = 0
  outer: while (offset < buffer.length) {
    if (buffer[offset] !== 0x2a /* * */) return { commands, rest: Buffer.alloc(0) }
    let at = buffer.indexOf("\r\n", offset)
    if (at < 0) break
    const count = Number(buffer.subarray(offset + 1, at).toString())
    let cursor = at + 2
    const args: Array<string> = []
    for (let i = 0; i < count; i++) {
      at = buffer.indexOf("\r\n", cursor)
      if (at < 0) break outer
      const length = Number(buffer.subarray(cursor + 1, at).toString())
      if (at + 2 + length + 2 > buffer.length) break outer
      args.push(buffer.subarray(at + 2, at + 2 + length).toString())
      cursor = at + 2 + length + 2
    }
    commands.push(args)
    offset = cursor
  }
  return { commands, rest: buffer.subarray(offset) }
}

export const start = (mode: Mode): Promise<HostileResp> =>
  new Promise((resolve, reject) => {
    const commands: Array<string> = []
    const sockets = new Set<Socket>()
    const timers = new Set<NodeJS.Timeout>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => {})
      socket.on("close", () => sockets.delete(socket))
      let pending: Buffer = Buffer.alloc(0)
      let dripping = false
      socket.on("data", (chunk) => {
        const parsed = parseCommands(Buffer.concat([pending, chunk]))
        pending = parsed.rest
        for (const args of parsed.commands) {
          const name = (args[0] ?? "").toUpperCase()
          commands.push(name)
          if (name === "INFO") socket.write("$21\r\n# Server\r\nloading:0\r\n\r\n")
          else if (name === "CLIENT" || name === "SELECT") socket.write("+OK\r\n")
          else if (mode === "silent") continue
          else if (mode === "drip") {
            // The start of a reply that never ends: a bulk string of a million bytes, one a second.
            if (dripping) continue
            dripping = true
            socket.write("$1000000\r\n")
            const timer = setInterval(() => socket.write("x"), 1_000)
            timers.add(timer)
            socket.on("close", () => clearInterval(timer))
          } else socket.write(replies[mode])
        }
      })
    })
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") return reject(new Error("no port"))
      resolve({
        port: address.port,
        commands,
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearInterval(timer)
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
