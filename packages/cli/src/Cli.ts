/**
 * The `ociauth` command: `probe`, `token`, `request`, `login`, `logout`, with
 * `--help`, `--version` and shell completions (`--completions bash|zsh|fish|sh`)
 * from `effect/cli`. `run` is the whole program as an Effect: it never fails,
 * it prints what went wrong and what to do on standard error and returns the
 * exit code (`ExitCode`). Output goes through `Io`, so a program (or a test)
 * runs it in process.
 *
 * @since 0.2.0
 */

import type { CredentialProvider, CredentialStore, TokenStore } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as NodeStdio from "@effect/platform-node-shared/NodeStdio"
import * as NodeTerminal from "@effect/platform-node-shared/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { CliConfig, CliOutput, Command, Flag, GlobalFlag, TerminalCapabilities } from "effect/cli"
import * as HttpClient from "effect/http/HttpClient"
import { classify, ExitCode } from "./ExitCode.js"
import { Io } from "./Io.js"
import * as LoginCommands from "./internal/commands/login.js"
import * as ProbeCommand from "./internal/commands/probe.js"
import * as RequestCommand from "./internal/commands/request.js"
import * as TokenCommand from "./internal/commands/token.js"
import { fromIo, presenter } from "./internal/console.js"
import * as Sanitize from "./internal/sanitize.js"
import { version as packageVersion } from "./internal/version.js"

/**
 * The version `--version` prints.
 *
 * @since 0.2.0
 * @category constants
 */
export const version: string = packageVersion

/**
 * The seams of the program: every one has a default for a real run.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Where `token` and `request` keep tokens between invocations. In memory (one
   * invocation) by default: the file token store of issue 17 plugs in here. When
   * it also provides `FileTokenStore.FileTokenStore`, `logout` forgets the
   * registry's tokens in it.
   */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore>
  /** Where `token` and `request` read credentials; the machine's (`NodeCredentials.layer`) by default. */
  readonly credentials?: Layer.Layer<CredentialProvider.CredentialProvider>
  /** Where `login` and `logout` write; docker's config and its helpers (`NodeCredentials.layerStore()`) by default. */
  readonly store?: Layer.Layer<CredentialStore.CredentialStore>
  /** The raw transport of `probe`; fetch without following redirects by default. */
  readonly probeTransport?: Layer.Layer<HttpClient.HttpClient>
  /** The transport under `token` and `request` (the engine adds auth, retries and redirects); fetch without following redirects by default. */
  readonly transport?: Layer.Layer<HttpClient.HttpClient>
}

/**
 * The command tree.
 *
 * @since 0.2.0
 * @category constructors
 */
export const command = (options: Options = {}) => {
  const seams = {
    ...(options.tokenStore === undefined ? {} : { tokenStore: options.tokenStore }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.transport === undefined ? {} : { transport: options.transport })
  }
  const store = options.store === undefined ? {} : { store: options.store }
  return Command.make("ociauth").pipe(
    Command.withDescription(
      "Authenticate against OCI / Docker registries: probe how one does it, print tokens, send authenticated requests, log in and out. Credentials come from docker's config and its helpers, as docker's own."
    ),
    Command.withExamples([
      { command: "ociauth probe docker.io library/alpine", description: "How a registry authenticates (reads only)" },
      { command: "ociauth request HEAD docker.io/library/alpine:latest", description: "The status and digest of an image's manifest" },
      { command: "ociauth token docker.io/library/alpine", description: "A pull token, for curl" },
      { command: "echo \"$GITHUB_TOKEN\" | ociauth login ghcr.io --username \"$GITHUB_ACTOR\" --password-stdin", description: "Log in as docker login does" },
      { command: "ociauth request --help", description: "A command's arguments, flags and examples" }
    ]),
    Command.withSubcommands([
      ProbeCommand.make(options.probeTransport),
      TokenCommand.make(seams),
      RequestCommand.make(seams),
      LoginCommands.login({ ...seams, ...store }),
      LoginCommands.logout({ ...store, ...(options.tokenStore === undefined ? {} : { tokenStore: options.tokenStore }) })
    ])
  )
}

/**
 * What `run` needs besides `Io`: the platform services of `effect/cli`
 * (file system, path, terminal, standard streams) and the child-process
 * spawner that runs credential helpers (`@effect/platform-node-shared`'s
 * `NodeFileSystem`, `NodePath`, `NodeTerminal`, `NodeStdio` and
 * `NodeChildProcessSpawner` on Node).
 *
 * @since 0.2.0
 * @category models
 */
export type Environment = Io | Command.Environment

/**
 * The platform services `run` needs on Node (everything in `Environment` but
 * `Io`): file system, path, terminal and standard streams, and the spawner of
 * credential helpers, from `@effect/platform-node-shared`.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerPlatform: Layer.Layer<Command.Environment> = Layer.mergeAll(
  NodeChildProcessSpawner.layer,
  NodeTerminal.layer,
  NodeStdio.layer
).pipe(Layer.provideMerge(Layer.merge(NodeFileSystem.layer, NodePath.layer)))

/**
 * `--version` without `effect/cli`'s `-v` alias: `-v` is `--verbose` on `token`
 * and `request`, and means nothing else anywhere.
 */
const versionFlag = GlobalFlag.Action({
  flag: Flag.Boolean("version").pipe(Flag.withDescription("Print the version of ociauth and exit."), Flag.withDefault(false)),
  run: GlobalFlag.Version.run
})

const helpFlag = GlobalFlag.Action({
  flag: Flag.Boolean("help").pipe(
    Flag.withAlias("h"),
    Flag.withDescription("Show what a command does, its arguments and flags, and examples to copy."),
    Flag.withDefault(false)
  ),
  run: GlobalFlag.Help.run
})

const completionsFlag = GlobalFlag.Action({
  flag: GlobalFlag.Completions.flag.pipe(
    Flag.withDescription("Print the completion script of a shell, which says where it goes: ociauth --completions bash >> ~/.bashrc")
  ),
  run: GlobalFlag.Completions.run
})

/**
 * The built-in flags of `effect/cli` in our words: `--help`, `--version`
 * (without its alias) and `--completions`. Not `--wizard` (no command prompts:
 * secrets come from standard input) nor `--log-level` (nothing logs: `-v`
 * explains the auth flow).
 */
const config = CliConfig.make({ builtIns: [helpFlag, versionFlag, completionsFlag] })

/**
 * Runs the program on `argv` (as `process.argv`: the runtime and the script
 * first) and returns the exit code. Every line it prints goes through one
 * sanitiser: control characters and escape sequences a server chose are shown
 * escaped (`\x1b`, `\u009b`), never interpreted by the terminal.
 *
 * @since 0.2.0
 * @category running
 */
export const run = (argv: ReadonlyArray<string>, options: Options = {}): Effect.Effect<ExitCode, never, Environment> =>
  Effect.gen(function* () {
    const io = Sanitize.io(yield* Io)
    const cli = Command.runWith(command(options), { version })
    return yield* cli(argv.slice(2)).pipe(
      Effect.provideService(Io, io),
      Effect.as(ExitCode.ok as ExitCode),
      Effect.catchCause((cause) => {
        const { code, message } = Option.match(Cause.findErrorOption(cause), {
          onNone: () => ({ code: ExitCode.failure, message: Cause.pretty(cause) }),
          onSome: classify
        })
        return Effect.as(message === "" ? Effect.void : io.stderr(`ociauth: ${Unstable.redact(message)}\n`), code)
      }),
      // What effect/cli prints (help, version, usage errors, completions) goes through Io, coloured only when Io is.
      Effect.provideService(CliOutput.Presenter, presenter(io)),
      Effect.provideService(CliOutput.Formatter, CliOutput.defaultFormatter({ colors: io.color })),
      Effect.provideService(TerminalCapabilities.TerminalCapabilities, {
        canColor: io.color,
        canAnimate: io.stdoutIsTTY,
        canPrompt: io.stdinIsTTY && io.stdoutIsTTY
      }),
      Effect.provideService(CliConfig.CliConfig, config),
      Effect.provideService(Console.Console, fromIo(io)),
      // No request of the CLI's carries trace propagation headers: probe's own, discoveries, token requests.
      Effect.provideService(HttpClient.TracerPropagationEnabled, false)
    )
  })
