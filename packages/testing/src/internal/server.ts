import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as Effect from "effect/Effect"
import type { Scope } from "effect"
import type { Fault, Faults } from "../Faults.js"
import type { RequestLog } from "../RequestLog.js"
import type { Grant } from "../TokenServer.js"

export interface Exchange {
  readonly request: http.IncomingMessage
  readonly response: http.ServerResponse
  readonly method: string
  readonly url: URL
  /** Set when the handler answered. */
  readonly fault: Fault | undefined
}

export interface RunningServer {
  readonly origin: string
  readonly port: number
  readonly close: () => Promise<void>
}

const authScheme = (header: string | undefined): string => {
  if (header === undefined || header.trim() === "") return "none"
  return header.trim().split(/\s+/)[0]!.toLowerCase()
}

/**
 * An HTTP server on a free loopback port. Each request is logged with the status
 * it got, and faults are applied before the handler runs.
 */
export const listen = (options: {
  /** The server's name in the log, or a function of the request path. */
  readonly name: string | ((path: string) => string)
  readonly log: RequestLog
  readonly faults: Faults
  readonly handle: (exchange: Exchange) => void | Promise<void>
}): Promise<RunningServer> => {
  const sockets = new Set<Socket>()
  const server = http.createServer((request, response) => {
    const method = (request.method ?? "GET").toUpperCase()
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const fault = options.faults.take(method, url.pathname)
    const server = typeof options.name === "string" ? options.name : options.name(url.pathname)
    const record = () =>
      options.log.record({
        server,
        method,
        path: url.pathname,
        query: url.search,
        status: response.statusCode,
        authorization: authScheme(request.headers.authorization)
      })
    response.on("finish", record)
    const run = async () => {
      if (fault?.latencyMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
      if (fault?.drop === true) {
        response.off("finish", record)
        options.log.record({ server, method, path: url.pathname, query: url.search, status: 0, authorization: authScheme(request.headers.authorization) })
        request.socket.destroy()
        return
      }
      if (fault?.answer !== undefined) {
        const { body = "", headers = {}, status } = fault.answer
        response.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers })
        response.end(body)
        request.resume()
        return
      }
      if (fault?.status !== undefined) {
        const headers: Record<string, string> = { "content-type": "application/json" }
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter)
        const code = fault.status === 429 ? "TOOMANYREQUESTS" : fault.status >= 500 ? "UNAVAILABLE" : "DENIED"
        response.writeHead(fault.status, headers)
        response.end(JSON.stringify({ errors: [{ code, message: "injected fault" }] }))
        request.resume()
        return
      }
      await options.handle({ request, response, method, url, fault })
    }
    run().catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "application/json" })
        response.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: String(error) }] }))
      } else {
        response.destroy()
      }
    })
  })
  server.keepAliveTimeout = 5_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        origin: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

export const readBody = async (request: http.IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error(`request body over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Responses whose JSON bodies end with a newline, as Go's `json.Encoder` writes them (Docker Hub, GHCR). */
const newlineJson = new WeakSet<http.ServerResponse>()

/** JSON bodies of this response end with `\n`, as a Go server's (every Content-Length of the seeds' JSON bodies counts one). */
export const goJson = (response: http.ServerResponse): void => {
  newlineJson.add(response)
}

export const sendJson = (
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void => {
  const text = JSON.stringify(body) + (newlineJson.has(response) ? "\n" : "")
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers })
  response.end(text)
}

/** A non-JSON body (a plain-text refusal). */
export const sendText = (
  response: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {}
): void => {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers })
  response.end(body)
}

export const ociError = (code: string, message: string, detail: unknown = null) => ({ errors: [{ code, message, detail }] })

export const basicCredentials = (header: string | undefined): { readonly username: string; readonly password: string } | undefined => {
  if (header === undefined) return undefined
  const match = /^basic\s+(\S+)$/i.exec(header.trim())
  if (match === null) return undefined
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon === -1 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

export const bearerToken = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const match = /^bearer\s+(\S+)$/i.exec(header.trim())
  return match === null ? undefined : match[1]
}

/** Whether a repository name matches a pattern: `*`, an exact name, or a prefix ending in `/*`. */
export const matchesPattern = (pattern: string, name: string): boolean =>
  pattern === "*" || pattern === name || (pattern.endsWith("/*") && name.startsWith(pattern.slice(0, -1)))

/** The actions `grants` give `subject` (empty for anonymous) on a resource. */
export const grantedActions = (grants: ReadonlyArray<Grant>, subject: string, type: string, name: string): ReadonlyArray<string> => {
  const actions = new Set<string>()
  for (const grant of grants) {
    if (grant.account !== undefined && grant.account !== subject) continue
    if ((grant.type ?? "repository") !== type || !matchesPattern(grant.name, name)) continue
    for (const action of grant.actions) actions.add(action)
  }
  return [...actions]
}

/**
 * A loopback server as a scoped resource whose clock is the Effect `Clock`
 * (a `TestClock` in tests): started with `start(options, now)`, closed with the scope.
 */
export const scopedOnClock = <O, A extends { readonly close: () => Promise<void> }>(
  start: (options: O, now: () => number) => Promise<A>,
  options: O
): Effect.Effect<A, never, Scope.Scope> =>
  Effect.clockWith((clock) =>
    Effect.acquireRelease(
      Effect.promise(() => start(options, () => clock.currentTimeMillisUnsafe())),
      (server) => Effect.promise(() => server.close())
    )
  )
