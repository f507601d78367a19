/**
 * `RegistryClient.layerFetchWith`: `layerFetch` with the runtime's options, with
 * the same needs (`Registries`, `CredentialProvider`) — what getting-started.md
 * points at to change the deadline.
 */
import { createServer, type Socket } from "node:net"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { CredentialProvider, Registries } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, Option } from "effect"
import { HttpClient } from "effect/http"

describe("RegistryClient.layerFetchWith", () => {
  it("its deadline bounds a registry that accepts the connection and never answers", async () => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => void sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const layer = RegistryClient.layerFetchWith({ deadline: "300 millis", responseTimeout: "1 minute" }).pipe(
        Layer.provide([Registries.layerGeneric, CredentialProvider.layerAnonymous])
      )
      const error = await Effect.runPromise(
        Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flip(client.get(`${origin}/v2/`))).pipe(Effect.provide(layer))
      )
      const timeout = Option.getOrThrow(RegistryClient.registryError(error))
      assert.strictEqual(timeout._tag, "RegistryTimeout")
      if (timeout._tag === "RegistryTimeout") {
        assert.strictEqual(timeout.bound, "deadline")
        assert.strictEqual(timeout.deadlineMillis, 300)
      }
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
