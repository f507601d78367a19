/**
 * Shared by the security attacks: canary secrets in every encoding, the places a
 * secret could surface, and a loopback hostile server.
 */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { inspect } from "node:util"
import { assert } from "@effect/vitest"
import { Base64, Base64Url } from "effect/encoding"

/** One canary per credential kind; `+` and `/` make the URL-encoded forms differ from the raw ones. */
export const CANARY = {
  username: "alice",
  password: "pw+CANARY/5e3f9a",
  identityToken: "idt+CANARY/9c0d41",
  registryToken: "rtk+CANARY/2b8e77",
  issuedToken: "iss-CANARY-d3a1f0"
} as const

/** A secret as it may travel: raw, base64 (padded or not), base64url, URL-encoded. */
export const encodings = (secret: string): ReadonlyArray<string> => {
  const base64 = Base64.encode(secret)
  return [...new Set([secret, base64, base64.replace(/=+$/, ""), Base64Url.encode(secret), encodeURIComponent(secret)])]
}

/** Every secret of every kind, in every encoding: the password and `user:password`, the identity token (alone and as Basic), the registry token, the issued token. */
export const SECRETS: ReadonlyArray<string> = [
  CANARY.password,
  `${CANARY.username}:${CANARY.password}`,
  CANARY.identityToken,
  `<token>:${CANARY.identityToken}`,
  CANARY.registryToken,
  CANARY.issuedToken
].flatMap(encodings)

/** Every way a user could print an error (or anything else). */
export const surfaces = (value: unknown): ReadonlyArray<string> => {
  const e = (typeof value === "object" && value !== null ? value : {}) as { readonly cause?: unknown; readonly message?: unknown }
  return [
    String(value),
    String(e.message),
    JSON.stringify(value) ?? "",
    inspect(value, { depth: Infinity }),
    inspect(e.cause, { depth: Infinity }),
    JSON.stringify(e.cause) ?? ""
  ]
}

/** The running count of (text, secret form) pairs checked, so that a suite can say how much it looked at. */
export const checked = { texts: 0, pairs: 0 }

/** Fails naming the first secret found in any text. */
export const assertClean = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string> = SECRETS): void => {
  for (const text of texts) {
    checked.texts++
    for (const secret of secrets) {
      checked.pairs++
      if (text.includes(secret)) assert.fail(`secret ${JSON.stringify(secret)} in: ${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 200)}`)
    }
  }
}

/** Whether a text carries any canary in any form. */
export const carriesSecret = (text: string): boolean => SECRETS.some((s) => text.includes(s))

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** Everything a request carried that could be a secret: its Authorization, its query and its body. */
export const echoOf = (received: Received): string =>
  [received.headers.authorization ?? "", received.url, received.body].join(" ")

export type Handler = (received: Received, response: ServerResponse, socket: Socket) => void

export interface HostileServer {
  readonly origin: string
  /** Bytes the server wrote on every socket (headers and bodies), for memory bounds measured at the server. */
  readonly bytesWritten: () => number
  readonly close: () => Promise<void>
}

/**
 * A loopback server: each request's body is read whole (requests are small),
 * then handed to `handle`. Open timers and sockets end with `close`.
 */
export const listen = async (handle: Handler): Promise<HostileServer> => {
  const sockets = new Set<Socket>()
  let written = 0
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const received: Received = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      try {
        handle(received, response, request.socket)
      } catch (error) {
        response.destroy(error as Error)
      }
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => {
      written += socket.bytesWritten
      sockets.delete(socket)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytesWritten: () => written + [...sockets].reduce((sum, socket) => sum + socket.bytesWritten, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** Writes `chunk` every `everyMillis` until the client goes away (or `limit` bytes). */
export const drip = (response: ServerResponse, chunk: string | Buffer, everyMillis: number, limit = Infinity): void => {
  let sent = 0
  const timer = setInterval(() => {
    if (response.destroyed || sent >= limit) return clearInterval(timer)
    sent += chunk.length
    response.write(chunk)
  }, everyMillis)
  response.on("close", () => clearInterval(timer))
}

/**
 * Writes `chunk` as fast as the client reads it (backpressure), up to `limit`
 * bytes, then ends: an "endless" body that costs the client only what it reads.
 */
export const flood = (response: ServerResponse, chunk: Buffer, limit: number): void => {
  let sent = 0
  const pump = () => {
    while (!response.destroyed && sent < limit) {
      sent += chunk.length
      if (!response.write(chunk)) return void response.once("drain", pump)
    }
    if (!response.destroyed) response.end()
  }
  response.on("close", () => response.removeAllListeners("drain"))
  pump()
}
