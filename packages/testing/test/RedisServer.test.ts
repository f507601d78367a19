/**
 * A real redis-server (Debian's redis-server) on a free loopback port. Skipped,
 * loudly, only where the binary is missing outside CI.
 */
import { connect } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { RedisServer } from "@ociauth/testing"

const availability = RedisServer.availability()
if (!availability.available) console.warn(`\n*** ${availability.reason} ***\n`)

/** Sends raw RESP commands and resolves with what came back once `until` matches. */
const send = (port: number, text: string, until: RegExp): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port })
    let answer = ""
    socket.once("error", reject)
    socket.once("connect", () => socket.write(text))
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8")
      if (until.test(answer)) {
        socket.destroy()
        resolve(answer)
      }
    })
  })

describe.skipIf(!availability.available)("RedisServer (real redis-server)", () => {
  it.effect("starts on loopback without persistence, answers commands, and stops when released", () =>
    Effect.gen(function* () {
      const server = yield* RedisServer.make()
      assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/)
      const set = yield* Effect.promise(() => send(server.port, "SET k v\r\nGET k\r\n", /\$1\r\nv\r\n/))
      assert.include(set, "+OK")
      const config = yield* Effect.promise(() => send(server.port, "CONFIG GET save\r\nCONFIG GET appendonly\r\n", /appendonly\r\n\$2\r\nno\r\n/))
      assert.include(config, "save\r\n$0\r\n")
    }))
})
