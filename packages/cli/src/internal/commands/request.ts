import { Args, Command, Options } from "@effect/cli"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import { AuthEvent, HttpSteps, Reference, RegistryError } from "@ociauth/core"
import { DateTime, Effect, Option, Stream } from "effect"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { engine } from "../engine.js"
import { insecure, verbose } from "./shared.js"
import type { Seams } from "./token.js"

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ")

/** One line per event, for `-v`. No event carries a secret. */
export const describe = (event: AuthEvent.AuthEvent): string =>
  AuthEvent.AuthEvent.$match(event, {
    ChallengeDiscovered: (e) => `challenge from ${e.origin}: ${e.challenge}`,
    TokenRequested: (e) => `token request: ${e.method} ${e.realm} service=${e.service ?? "(none)"} scopes=${e.scopes.join(" ") || "(none)"} as ${e.credential}`,
    TokenPostFallback: (e) => `the OAuth2 POST was refused (${e.status ?? "not JSON"}): asking again with GET`,
    TokenIssued: (e) =>
      `token issued for ${e.scopes.join(" ") || "(no scope)"}: grants ${Option.match(e.granted, { onNone: () => "(opaque)", onSome: (g) => g.join(" ") || "nothing" })}, expires ${DateTime.formatIso(e.expiresAt)}`,
    TokenCacheHit: (e) => `token from the cache for ${e.scopes.join(" ")}`,
    TokenRefreshAhead: (e) => `renewing the token for ${e.scopes.join(" ")} ahead of its expiry`,
    TokenInvalidated: (e) => `the registry refused the token for ${e.scopes.join(" ")}: dropped`,
    RefreshFailed: (e) => `renewing a ${e.what} for ${e.target} failed: ${e.reason}`,
    Retrying: (e) => `retrying ${e.target}: ${e.reason}`,
    Redirected: (e) => `redirected ${e.from} → ${e.to} (${e.authorization ? "credentials kept: same origin" : "credentials dropped"})`
  })

export const make = (seams: Seams = {}) =>
  Command.make(
    "request",
    {
      args: Args.text({ name: "[METHOD] url-or-reference" }).pipe(
        Args.withDescription("an optional method, then a registry URL or an image reference (its manifest)"),
        Args.between(1, 2)
      ),
      header: Options.text("header").pipe(Options.withAlias("H"), Options.withDescription("a request header, 'Name: value'; repeatable"), Options.repeated),
      insecure,
      verbose
    },
    ({ args, header, insecure: plain, verbose: explain }) =>
      Effect.flatMap(Io, (io) => Effect.gen(function* () {
        const [first, second] = args
        const method = (second === undefined ? "GET" : first!.toUpperCase()) as HttpMethod
        const target = second ?? first!
        if (!METHODS.has(method)) return yield* new UsageError({ reason: `unknown method ${method}`, hint: `one of ${[...METHODS].join(", ")}` })
        let url: string
        const headers: Record<string, string> = {}
        if (/^https?:\/\//i.test(target)) {
          url = target
        } else {
          const reference = yield* Reference.parse(target).pipe(
            Effect.mapError(() => new UsageError({ reason: `"${target}" is neither a URL nor an image reference`, hint: "e.g. ociauth request ghcr.io/owner/app:1.0" }))
          )
          url = `${plain ? "http" : "https"}://${reference.registry}/v2/${reference.repository}/manifests/${Reference.identifier(reference)}`
          headers.accept = MANIFEST_ACCEPT
        }
        for (const line of header) {
          const colon = line.indexOf(":")
          if (colon <= 0) return yield* new UsageError({ reason: `"${line}" is not a header`, hint: "-H 'Name: value'" })
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        const note = (text: string) => (explain ? io.stderr(`${text}\n`) : Effect.void)
        yield* note(`> ${method} ${RegistryError.redactUrl(url)}`)
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(headers)))
        yield* note(`< ${response.status}`)
        if (explain) for (const [name, value] of Object.entries(response.headers)) yield* note(`< ${name}: ${value}`)
        if (!HttpSteps.hasNoBody(response)) yield* response.stream.pipe(Stream.runForEach((chunk) => io.stdout(chunk)))
        if (response.status >= 400) {
          return yield* new CommandFailed({
            code: response.status === 401 || response.status === 403 ? ExitCode.auth : ExitCode.failure,
            reason: `${method} ${RegistryError.redactUrl(url)} answered ${response.status}`
          })
        }
      }).pipe(
        Effect.provide(
          engine({
            insecure: plain ? [new URL(/^https?:\/\//i.test(args[args.length - 1]!) ? args[args.length - 1]! : `http://${args[args.length - 1]!.split("/")[0]}`).host] : [],
            ...seams,
            onEvent: (event) => (explain ? io.stderr(`· ${describe(event)}\n`) : Effect.void)
          })
        )
      ))
  ).pipe(Command.withDescription("An authenticated curl: any registry URL or image reference; -v explains the auth flow; the body goes to standard output."))
