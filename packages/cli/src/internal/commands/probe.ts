
import { RegistryClient } from "@ociauth/fetch"
import { Builtins, NodeRegistryClient } from "ociauth"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import type { HttpClient } from "effect/http"
import { Io } from "../../Io.js"
import * as Probe from "../../Probe.js"
import * as SuggestAdapter from "../../SuggestAdapter.js"
import * as Summary from "../../Summary.js"
import * as Transcript from "../../Transcript.js"
import * as Sanitize from "../sanitize.js"
import { insecure, stdinCredential, toggle } from "./shared.js"
import { checkRegistry } from "./given.js"
import { targetOf } from "./target.js"
import { CommandFailed, ExitCode } from "../../ExitCode.js"
import type * as Findings from "../../Findings.js"
import * as Unstable from "@ociauth/core/Unstable"

/**
 * The registry as the user's host configuration (`hosts.json`, read as every command reads it) names it: a
 * configured host is probed at its adapter's origin (`http://<host>` for an `insecure` one), and one the file
 * declares `insecure` may receive credentials over plain HTTP, as with `--insecure`.
 */
const configured = (registry: string, plain: boolean) =>
  Effect.map(NodeRegistryClient.readHostConfig(Builtins.adapters), (config) => {
    let host: string
    try {
      host = new URL(registry.includes("://") ? registry : `https://${registry}`).host
    } catch {
      return { registry, insecure: plain }
    }
    const insecure = plain || config.insecure.includes(host)
    const adapter = registry.includes("://") ? undefined : config.adapters.find((candidate) => candidate.matches(host))
    if (adapter === undefined) return { registry, insecure }
    const origin = adapter.origin(host)
    return { registry: plain ? origin.replace(/^https:/, "http:") : origin, insecure }
  })

/** The registry refused the credentials: exit 3 (`ExitCode.auth`), with the server's words when it gave some. */
const refusedCredentials = (findings: Findings.Findings): Effect.Effect<never, CommandFailed> => {
  const refusal = findings.tokenRefusals.find((r) => r.identity === "credentials" && r.refusal === "Unauthorized")
  const words = refusal === undefined ? "" : ` (${refusal.status ?? "no answer"}${refusal.detail === null ? "" : `: ${refusal.detail}`})`
  return Effect.fail(
    new CommandFailed({
      code: ExitCode.auth,
      reason: `${findings.registry} refused the credentials${words}.\n  Check them (or log in again with ociauth login), then probe again: the checks that need them found nothing.`
    })
  )
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

export const make = (transport: Layer.Layer<HttpClient.HttpClient> = RegistryClient.layerFetchTransport) =>
  Command.make(
    "probe",
    {
      registry: Argument.String("registry").pipe(
        Argument.withMetavar("host"),
        Argument.withDescription(
          "The registry: ghcr.io, localhost:5000 (docker.io means registry-1.docker.io), or an origin URL such as https://registry.example.com; or a registry and repository (ghcr.io/owner/app, corp-registry/team/app: what comes before the first / is always the registry), with no repository argument."
        )
      ),
      repository: Argument.String("repository").pipe(
        Argument.withMetavar("name"),
        Argument.withDescription("A repository to probe, e.g. library/alpine: the token endpoint, grants and manifest checks need one."),
        Argument.optional
      ),
      user: Flag.String("user").pipe(
        Flag.withAlias("u"),
        Flag.withMetavar("name"),
        Flag.withDescription("Also probe with this account; its password (or access token) comes from standard input with --password-stdin."),
        Flag.optional
      ),
      passwordStdin: toggle("password-stdin", "Read the password (or access token) of --user from standard input, up to a final newline."),
      identityTokenStdin: toggle("identity-token-stdin", "Read an identity (OAuth2 refresh) token from standard input and probe with it; --user is optional."),
      insecure,
      json: toggle("json", "Print the findings as one JSON document (with --transcript and --suggest-adapter inside it) instead of the summary."),
      transcript: toggle("transcript", "Also print every request and response the probe made, as REQUEST/RESPONSE text, secrets redacted."),
      suggestAdapter: toggle("suggest-adapter", "Also print the RegistryAdapter.make({...}) source that fits the findings, for a custom adapter.")
    },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        yield* checkRegistry(args.registry, { origin: true })
        const { registry, repository } = yield* targetOf(args.registry, args.repository)
        const credential = yield* stdinCredential({ ...args, command: `probe ${args.registry}` })
        const progress = io.stderrIsTTY && !args.json
        let frame = 0
        const onStep = (title: string) => (progress ? io.stderr(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} probing ${title}…`) : Effect.void)
        const target = yield* configured(registry, args.insecure)
        const result = yield* Probe.run({
          registry: target.registry,
          ...(Option.isSome(repository) ? { repository: repository.value } : {}),
          ...(Option.isSome(credential) ? { credential: credential.value } : {}),
          insecure: target.insecure,
          onStep
        }).pipe(
          Effect.provide(transport),
          Effect.ensuring(progress ? io.stderr("\r\u001b[2K") : Effect.void)
        )
        // Every secret redacted, in every form, from the server's text before it is encoded (JSON, transcript,
        // summary), and from what is printed after; controls shown escaped.
        const redact = (text: string) => Unstable.redact(text, result.secrets)
        const findings = Sanitize.deep(result.findings, redact)
        const transcript = args.transcript ? Transcript.format(result.exchanges, result.secrets) : undefined
        const adapter = args.suggestAdapter ? redact(SuggestAdapter.fromFindings(findings)) : undefined
        if (args.json) {
          const document = { findings, ...(transcript === undefined ? {} : { transcript }), ...(adapter === undefined ? {} : { adapter }) }
          yield* io.stdout(`${redact(Sanitize.json(Sanitize.deep(document, Sanitize.text)))}\n`)
        } else {
          if (transcript !== undefined) yield* io.stdout(`${transcript}\n`)
          yield* io.stdout(redact(Summary.format(findings, { color: io.color })))
          if (adapter !== undefined) yield* io.stdout(`\n${adapter}`)
        }
        // Refused credentials end the command as token's and request's do (exit 3), once the findings are printed.
        if (findings.credentialsRefused) return yield* refusedCredentials(findings)
      })
  ).pipe(
    Command.withDescription(
      "Find out how a registry authenticates: its challenges, token endpoint (GET and OAuth2 POST), grants, catalog, rate limits and quirks. Reads only: nothing is written or deleted."
    ),
    Command.withShortDescription("Find out how a registry authenticates (reads only)."),
    Command.withExamples([
      { command: "ociauth probe docker.io library/alpine", description: "How Docker Hub authenticates a pull" },
      { command: "ociauth probe ghcr.io/owner/app", description: "The registry and repository as an image reference names them" },
      { command: "ociauth probe ghcr.io --json", description: "The findings as JSON, without a repository" },
      { command: "ociauth probe quay.io --suggest-adapter", description: "A starting point for a custom adapter" },
      {
        command: "echo \"$PASSWORD\" | ociauth probe localhost:5000 team/app --insecure --user \"$USER\" --password-stdin --transcript",
        description: "A plain-HTTP lab registry, with an account, every exchange printed"
      }
    ])
  )
