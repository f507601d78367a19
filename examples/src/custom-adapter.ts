/**
 * A custom adapter for an in-house registry: one declarative record, one
 * layer. This one knows its realm in advance (one round trip saved per cold
 * request), keeps tokens 15 minutes when the token server does not say, sends
 * its own `client_id`, and forbids DELETE (the SDK refuses it without a request).
 *
 *   tsx examples/src/custom-adapter.ts --url https://registry.corp.example team/app
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { RegistryAdapter } from "@ociauth/core"
import { Console, Effect, Result } from "effect"
import { listTags } from "./list-tags.js"
import { isMain, layer, messageOf, parseArgs, runMain, setupFromCli } from "./shared.js"

export const host = "registry.corp.example"

/** The adapter; `origin` and `realm` aim it somewhere else (a staging copy, the emulator). */
export const inHouse = (target: { readonly origin?: string; readonly realm?: string } = {}) =>
  RegistryAdapter.make({
    name: "in-house",
    hosts: [host],
    origin: () => target.origin ?? `https://${host}`,
    challenge: { scheme: "bearer", realm: target.realm ?? `https://sso.corp.example/v2/token`, service: "corp-registry", scopes: [] },
    defaultTokenLifetime: "15 minutes",
    tokenRequest: { clientId: "in-house-ci" },
    capabilities: { delete: false }
  })

export const program = (repository: string) =>
  Effect.gen(function* () {
    const { tags } = yield* listTags(`${host}/${repository}`)
    yield* Console.log(`${host}/${repository}: ${tags.join(" ")}`)
    const client = yield* HttpClient.HttpClient
    const outcome = yield* Effect.result(client.execute(HttpClientRequest.delete(`https://${host}/v2/${repository}/manifests/${tags[0] ?? "latest"}`)))
    yield* Result.match(outcome, {
      onFailure: (refused) => Console.log(`DELETE refused before sending: ${messageOf(refused)}`),
      onSuccess: (response) => Console.log(`DELETE answered ${response.status}: the adapter should have refused it`)
    })
  })

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const { flags, positional } = parseArgs(argv)
  const url = flags.get("url")
  const realm = flags.get("realm")
  const setup = setupFromCli(argv)
  runMain(
    program(positional[0] ?? "team/app").pipe(
      Effect.provide(layer({ ...setup, adapters: [inHouse({ ...(url === undefined ? {} : { origin: url }), ...(realm === undefined ? {} : { realm }) })] }))
    )
  )
}
