import { AuthEvent, Authenticator, Challenge, Reference, Registries, Scope } from "@ociauth/core"
import type { CredentialProvider, TokenStore } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { RegistryClient } from "@ociauth/fetch"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Argument, Command, Flag } from "effect/cli"
import * as HttpClient from "effect/http/HttpClient"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { engine } from "../engine.js"
import * as Sanitize from "../sanitize.js"
import { describe } from "./request.js"
import { checkTarget } from "./given.js"
import { insecure, verbose, withNetworkHints } from "./shared.js"

export interface Seams {
  /** Where tokens are kept between invocations: the seam for the file token store (issue 17); memory by default. */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore>
  /** Where credentials come from; the machine's by default. */
  readonly credentials?: Layer.Layer<CredentialProvider.CredentialProvider>
  /** The transport under the engine (and discovery's anonymous `/v2/`); fetch without following redirects by default. */
  readonly transport?: Layer.Layer<HttpClient.HttpClient>
}

/** How long discovery's `/v2/` may take to answer: the SDK's response timeout (`RegistryClient.defaultResponseTimeout`). */
const DISCOVERY_TIMEOUT = RegistryClient.defaultResponseTimeout

/** The challenge of an origin: the adapter's, else the one `/v2/` answers with (within `DISCOVERY_TIMEOUT`). */
const discover = (origin: string, transport: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.get(`${origin}/v2/`).pipe(
      Effect.timeoutOrElse({
        duration: DISCOVERY_TIMEOUT,
        orElse: () =>
          Effect.fail(
            new CommandFailed({
              code: ExitCode.network,
              reason: `GET ${origin}/v2/ sent no response headers within ${Duration.format(DISCOVERY_TIMEOUT)}.\n  The registry accepted the connection but did not answer: check that ${origin} is a registry, or try again later.`
            })
          )
      })
    )
    const header = response.headers["www-authenticate"]
    if (header === undefined) {
      return yield* new CommandFailed({ code: ExitCode.failure, reason: `${origin}/v2/ answered ${response.status} without a challenge: this registry needs no token` })
    }
    const challenges = yield* Challenge.parse(header, { lenient: true })
    return yield* Option.match(Challenge.preferred(challenges), {
      onNone: () => Effect.fail(new CommandFailed({ code: ExitCode.failure, reason: `${origin}/v2/ challenges with neither Bearer nor Basic: ${Sanitize.field(Unstable.scrub(header))}` })),
      onSome: Effect.succeed
    })
  }).pipe(Effect.provide(transport))

export const make = (seams: Seams = {}) =>
  Command.make(
    "token",
    {
      target: Argument.String("repository").pipe(
        Argument.withMetavar("reference"),
        Argument.withDescription("The repository, as in an image reference: docker.io/library/alpine, ghcr.io/owner/app, localhost:5000/team/app, or alpine (Docker Hub).")
      ),
      scope: Flag.String("scope").pipe(
        Flag.withMetavar("scope"),
        Flag.withDescription(
          "What the token is for: actions on the repository (pull, pull,push) or a whole scope (repository:owner/app:pull, registry:catalog:*). Repeatable; pull when not given."
        ),
        Flag.atLeast(0)
      ),
      insecure,
      verbose
    },
    (args) =>
      Effect.flatMap(Io, (io) => {
        // -v: the auth flow's lines, printed before the summary, and on a failure what happened before it
        // (a token that granted nothing: asked for what, as whom). Server text: secrets redacted, controls escaped.
        const pending: Array<string> = []
        const onEvent = (event: AuthEvent.AuthEvent) => Effect.sync(() => void (args.verbose && pending.push(`· ${describe(event)}`)))
        const flush = Effect.suspend(() =>
          pending.length === 0 ? Effect.void : io.stderr(pending.splice(0).map((line) => `${Sanitize.field(Unstable.redact(line))}\n`).join(""))
        )
        return Effect.gen(function* () {
        yield* checkTarget(args.target)
        const reference = yield* Reference.parse(args.target).pipe(
          Effect.mapError((error) => new UsageError({ reason: error.message, hint: "Give registry/repository, e.g. ociauth token ghcr.io/owner/app" }))
        )
        const host = reference.registry
        const registries = yield* Registries.Registries
        const adapter = registries.resolve(host)
        const origin = args.insecure ? adapter.origin(host).replace(/^https:/, "http:") : adapter.origin(host)
        const repository = adapter.normalizeRepository(reference.repository)
        const scopes = yield* Effect.forEach(args.scope.length === 0 ? ["pull"] : args.scope, (text) =>
          text.includes(":")
            ? Scope.parse(text).pipe(Effect.mapError((e) => new UsageError({ reason: e.message })))
            : Effect.succeed(Scope.repository(repository, text.split(",")))
        )
        const challenge = yield* Option.match(adapter.challenge, { onNone: () => discover(origin, seams.transport ?? RegistryClient.layerFetchTransport), onSome: Effect.succeed })
        if (challenge.scheme !== "bearer") {
          return yield* new CommandFailed({ code: ExitCode.failure, reason: `${host} takes Basic credentials itself: it issues no tokens` })
        }
        const authenticator = yield* Authenticator.Authenticator
        const authorization = yield* authenticator.authorize({ origin, challenge, scopes, host })
        yield* io.stdout(`${Redacted.value(authorization.credentials)}\n`)
        yield* flush
        if (io.stderrIsTTY || args.verbose) {
          const token = Option.getOrUndefined(authorization.token)
          // Server text (the challenge's realm and service, a JWT's grant): secrets redacted, controls shown escaped.
          const shown = (value: string) => Sanitize.field(Unstable.redact(value))
          const lines = [
            `realm    ${shown(challenge.realm)}`,
            `service  ${shown(challenge.service ?? "(none)")}`,
            `scopes   ${shown(Scope.merge(scopes).map(Scope.format).join(" "))}`,
            `granted  ${token === undefined ? "?" : Option.match(token.granted, { onNone: () => "not readable (opaque token)", onSome: (g) => shown(g.map(Scope.format).join(" ") || "nothing") })}`,
            `expires  ${token === undefined ? "?" : `${DateTime.formatIso(token.expiresAt)} (${Math.round(Duration.toMillis(DateTime.distance(yield* DateTime.now, token.expiresAt)) / 1000)} s)`}`
          ]
          yield* io.stderr(`${lines.join("\n")}\n`)
        }
      }).pipe(
        withNetworkHints({ insecure: args.insecure, url: false }),
        Effect.ensuring(flush),
        Effect.provide(engine({ insecure: args.insecure ? [args.target.split("/")[0]!] : [], ...seams, onEvent }))
      )
      })
  ).pipe(
    Command.withDescription(
      "Print a bearer token for a repository on standard output, with the credentials of docker's config or its helpers (anonymous without). On a terminal, or with -v, also its realm, service, scopes, grant and expiry on standard error."
    ),
    Command.withShortDescription("Print a bearer token for a repository (for curl and scripts)."),
    Command.withExamples([
      { command: "ociauth token docker.io/library/alpine", description: "A pull token for Docker Hub's alpine" },
      {
        command:
          "curl -H \"Authorization: Bearer $(ociauth token docker.io/library/alpine)\" -H \"Accept: application/vnd.oci.image.index.v1+json\" https://registry-1.docker.io/v2/library/alpine/manifests/latest",
        description: "The token in a curl command"
      },
      { command: "ociauth token localhost:5000/team/app --insecure --scope pull,push -v", description: "A push token from a plain-HTTP lab registry, what it grants explained" }
    ])
  )
