/**
 * Starts a real `redis-server` (Debian package `redis-server`) on a free loopback
 * port, with no persistence (no RDB snapshots, no AOF) and its working directory
 * in a temporary folder. It is stopped, and the folder removed, when released.
 *
 * @since 0.2.0
 */
import { mkdtemp, rm } from "node:fs/promises"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Scope } from "effect"
import { findBinary as findBinaryIn, freePort, spawnServer, stop } from "./internal/process.js"

/**
 * The `redis-server` binary is not installed.
 *
 * @since 0.2.0
 * @category errors
 */
export class RedisBinaryMissing extends Data.TaggedError("RedisBinaryMissing")<{ readonly searched: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return `redis-server was not found (${this.searched}); install the Debian package: apt-get install -y redis-server`
  }
}

/**
 * The server did not come up.
 *
 * @since 0.2.0
 * @category errors
 */
export class RedisStartError extends Data.TaggedError("RedisStartError")<{ readonly reason: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return `redis-server did not start: ${this.reason}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Path of the binary; default `$OCIAUTH_REDIS_SERVER`, else `redis-server` on `PATH`. */
  readonly binary?: string
  /** Milliseconds to wait for the server to answer `PING`; default 10,000. */
  readonly startupTimeoutMs?: number
}

/**
 * @since 0.2.0
 * @category models
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  /** What the server wrote to stdout (its log), most recent last. */
  readonly output: () => string
  readonly close: () => Promise<void>
}

/**
 * The binary's path, or `undefined` when it is not installed.
 *
 * @since 0.2.0
 * @category utils
 */
export const findBinary = (explicit?: string): string | undefined => findBinaryIn("redis-server", "OCIAUTH_REDIS_SERVER", explicit)


/** One `PING` over RESP; resolves true on `+PONG`. */
const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    let answer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8")
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"))
    })
  })


/**
 * Starts the server; rejects with `RedisBinaryMissing` or `RedisStartError`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = async (options: Options = {}): Promise<RedisServer> => {
  const binary = findBinary(options.binary)
  if (binary === undefined) throw new RedisBinaryMissing({ searched: "$OCIAUTH_REDIS_SERVER, PATH, /usr/bin" })
  const directory = await mkdtemp(join(tmpdir(), "ociauth-redis-"))
  const deadline = performance.now() + (options.startupTimeoutMs ?? 10_000)
  let lastError = "no answer"
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const args = [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--save", "",
      "--appendonly", "no",
      "--dir", directory,
      "--daemonize", "no",
      "--protected-mode", "yes",
      "--loglevel", "warning"
    ]
    const child = spawnServer(binary, args, { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-64 * 1024)
    }
    child.stdout!.on("data", collect)
    child.stderr!.on("data", collect)
    while (performance.now() < deadline && child.exitCode === null) {
      if (await ping(port)) {
        return {
          url: `redis://127.0.0.1:${port}`,
          host: "127.0.0.1",
          port,
          output: () => output,
          close: async () => {
            await stop(child)
            await rm(directory, { recursive: true, force: true })
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await stop(child)
    lastError = `no PONG; log: ${output.trim().split("\n").slice(-5).join(" | ")}`
    if (!/Address already in use/i.test(output)) break
  }
  await rm(directory, { recursive: true, force: true })
  throw new RedisStartError({ reason: lastError })
}

/**
 * The server as a scoped resource.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RedisServer, RedisBinaryMissing | RedisStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => start(options),
      catch: (error) =>
        error instanceof RedisBinaryMissing || error instanceof RedisStartError ? error : new RedisStartError({ reason: String(error) })
    }),
    (server) => Effect.promise(() => server.close())
  )

/**
 * Whether tests against a real Redis can run here. In CI (`CI` set) a missing
 * binary is a failure, not a skip.
 *
 * @since 0.2.0
 * @category utils
 */
export const availability = (): { readonly available: boolean; readonly reason: string } => {
  const binary = findBinary()
  if (binary !== undefined) return { available: true, reason: binary }
  if (process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
    throw new RedisBinaryMissing({ searched: "CI requires it: .ci/run installs the redis-server package" })
  }
  return { available: false, reason: "redis-server is not installed: tests against a real Redis are SKIPPED" }
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Redis extends Context.Service<Redis, RedisServer>()("@ociauth/testing/RedisServer") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Redis, RedisBinaryMissing | RedisStartError> =>
  Layer.effect(Redis, make(options))
