import { HttpSteps } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { HttpClient } from "effect/http"
import { Io } from "../../Io.js"
import * as Probe from "../../Probe.js"
import * as SuggestAdapter from "../../SuggestAdapter.js"
import * as Summary from "../../Summary.js"
import * as Transcript from "../../Transcript.js"
import * as Sanitize from "../sanitize.js"
import { insecure, stdinCredential, toggle } from "./shared.js"

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

export const make = (transport: Layer.Layer<HttpClient.HttpClient> = RegistryClient.layerFetchTransport) =>
  Command.make(
    "probe",
    {
      registry: Argument.String("registry").pipe(Argument.withDescription("host[:port] (docker.io maps to registry-1.docker.io) or an origin URL")),
      repository: Argument.String("repository").pipe(Argument.withDescription("a repository to probe, e.g. library/python or owner/app"), Argument.optional),
      user: Flag.String("user").pipe(Flag.withAlias("u"), Flag.withDescription("probe with this account too (with --password-stdin)"), Flag.optional),
      passwordStdin: toggle("password-stdin", "read the password from standard input"),
      identityTokenStdin: toggle("identity-token-stdin", "read an identity (refresh) token from standard input"),
      insecure,
      json: toggle("json", "print the findings as JSON"),
      transcript: toggle("transcript", "print every exchange in REQUEST/RESPONSE form, secrets redacted"),
      suggestAdapter: toggle("suggest-adapter", "print the RegistryAdapter.make({...}) for the findings")
    },
    (args) =>
      Effect.gen(function* () {
        const io = yield* Io
        const credential = yield* stdinCredential({ ...args, command: `probe ${args.registry}` })
        const progress = io.stderrIsTTY && !args.json
        let frame = 0
        const onStep = (title: string) => (progress ? io.stderr(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} probing ${title}…`) : Effect.void)
        const result = yield* Probe.run({
          registry: args.registry,
          ...(Option.isSome(args.repository) ? { repository: args.repository.value } : {}),
          ...(Option.isSome(credential) ? { credential: credential.value } : {}),
          insecure: args.insecure,
          onStep
        }).pipe(
          Effect.provide(transport),
          Effect.ensuring(progress ? io.stderr("\r\u001b[2K") : Effect.void)
        )
        // Every secret redacted, in every form, from the server's text before it is encoded (JSON, transcript,
        // summary), and from what is printed after; controls shown escaped.
        const redact = (text: string) => HttpSteps.redact(text, result.secrets)
        const findings = Sanitize.deep(result.findings, redact)
        const transcript = args.transcript ? Transcript.format(result.exchanges, result.secrets) : undefined
        const adapter = args.suggestAdapter ? redact(SuggestAdapter.fromFindings(findings)) : undefined
        if (args.json) {
          const document = { findings, ...(transcript === undefined ? {} : { transcript }), ...(adapter === undefined ? {} : { adapter }) }
          return yield* io.stdout(`${redact(Sanitize.json(Sanitize.deep(document, Sanitize.text)))}\n`)
        }
        if (transcript !== undefined) yield* io.stdout(`${transcript}\n`)
        yield* io.stdout(redact(Summary.format(findings, { color: io.color })))
        if (adapter !== undefined) yield* io.stdout(`\n${adapter}`)
      })
  ).pipe(Command.withDescription("Find out how a registry authenticates: the seed documents' investigation, automated. Never writes or deletes anything."))
