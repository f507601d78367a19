/**
 * `RegistryClient.authorize`: the registry auth flow as a combinator over a
 * client the program holds — a private image through it costs the round trips
 * the layer's does (challenge, token, request), and the client underneath is
 * the one given.
 */
import { HttpClientRequest } from "effect/http"
import * as HttpClient from "effect/http/HttpClient"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Authenticator, CredentialProvider, Registries, RegistryAdapter } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { RegistryEmulator } from "@ociauth/testing"
import { Effect, Layer } from "effect"

describe("RegistryClient.authorize", () => {
  let emulator: RegistryEmulator.RegistryEmulator
  beforeAll(async () => {
    emulator = await RegistryEmulator.start({})
    emulator.pushImage("team/app", "latest")
  })
  afterAll(() => emulator.close())

  const engine = (emulator: RegistryEmulator.RegistryEmulator) =>
    Authenticator.layer().pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          RegistryClient.layerFetchTransport,
          Registries.layer([RegistryAdapter.make({ name: "emulator", hosts: [emulator.host] })]),
          CredentialProvider.layerAnonymous
        )
      )
    )

  it.live("data-first and data-last: the tags of a repository, one challenge, one token, then one request each", () =>
    Effect.gen(function* () {
      emulator.log.clear()
      const transport = yield* HttpClient.HttpClient
      const first = yield* RegistryClient.authorize(transport)
      const last = yield* transport.pipe(RegistryClient.authorize({ deadline: "20 seconds" }))
      for (const client of [first, last]) {
        const response = yield* client.execute(HttpClientRequest.get(`${emulator.origin}/v2/team/app/tags/list`))
        assert.strictEqual(response.status, 200)
        assert.deepStrictEqual((yield* response.json) as unknown, { name: "team/app", tags: ["latest"] })
      }
      assert.strictEqual(emulator.log.count({ server: "token" }), 1, emulator.log.format())
    }).pipe(Effect.scoped, Effect.provide(engine(emulator))))
})
