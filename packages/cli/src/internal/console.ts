import type { Console } from "effect"
import * as Effect from "effect/Effect"
import type { CliError, HelpDoc } from "effect/cli"
import { CliOutput } from "effect/cli"
import type { Io } from "../Io.js"

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g
const join = (args: ReadonlyArray<unknown>) => `${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}\n`

/**
 * A `Console` writing through `Io`: what `effect/cli` prints itself (completion
 * scripts) goes where the commands' output goes. Colours only when `Io` has them.
 */
export const fromIo = (io: Io["Service"]): Console.Console => {
  const text = (args: ReadonlyArray<unknown>) => (io.color ? join(args) : join(args).replace(ANSI, ""))
  // Io's writes are effects; a Console's are calls: each runs at once, in order (a fiber starts synchronously).
  const out = (...args: ReadonlyArray<unknown>): void => void Effect.runFork(io.stdout(text(args)))
  const err = (...args: ReadonlyArray<unknown>): void => void Effect.runFork(io.stderr(text(args)))
  const none = (): void => undefined
  return {
    assert: none,
    clear: none,
    count: none,
    countReset: none,
    debug: err,
    dir: out,
    dirxml: out,
    error: err,
    group: none,
    groupCollapsed: none,
    groupEnd: none,
    info: out,
    log: out,
    table: out,
    time: none,
    timeEnd: none,
    timeLog: none,
    trace: err,
    warn: err
  }
}

/** Our own subcommand list (`- probe  …`), in place of `effect/cli`'s `SUBCOMMANDS` table. */
const commands = (doc: HelpDoc.HelpDoc, bold: (text: string) => string): string => {
  const all = (doc.subcommands ?? []).flatMap((group) => group.commands)
  if (all.length === 0) return ""
  const width = Math.max(...all.map((sub) => sub.name.length))
  const rows = all.map((sub) => `  - ${sub.name.padEnd(width)}  ${sub.shortDescription ?? sub.description}`)
  return `${bold("COMMANDS")}\n${rows.join("\n")}\n`
}

/** The flags people reach for to give a password (docker login's `-p`/`--password`): there is none, on purpose. */
const PASSWORD_FLAGS: ReadonlySet<string> = new Set(["--password", "--pass", "--passwd", "-p"])

/**
 * An unknown `--password`: what to do instead, in place of "Unrecognized flag". Never the flag's value: the
 * error names the flag only.
 */
const passwordHint = (error: CliError.CliError, commandPath: ReadonlyArray<string>): string | undefined => {
  if (error._tag !== "UnrecognizedOption" || !PASSWORD_FLAGS.has(error.option)) return undefined
  const command = commandPath[1]
  const why = `${error.option} is not an option: a password on the command line shows in the process list and stays in the shell's history`
  if (command === "login") return `${why}. Pipe it to --password-stdin:\n  echo "$PASSWORD" | ociauth login <registry> --username <user> --password-stdin`
  if (command === "probe") return `${why}. Pipe it to --password-stdin:\n  echo "$PASSWORD" | ociauth probe <registry> --user <user> --password-stdin`
  return `${why}. ${command === undefined ? "ociauth" : `ociauth ${command}`} uses the credentials stored by ociauth login (or docker login):\n  echo "$PASSWORD" | ociauth login <registry> --username <user> --password-stdin`
}

/** The help with our subcommand list before its examples (or at its end). */
const withCommands = (help: string, list: string): string => {
  if (list === "") return help
  const lines = help.split("\n")
  const examples = lines.findIndex((line) => line.replace(ANSI, "") === "EXAMPLES")
  return examples < 0 ? `${help}\n${list}` : [...lines.slice(0, examples), list, ...lines.slice(examples)].join("\n")
}

/**
 * What `effect/cli` presents, through `Io`: help and the version (`ociauth
 * --version` prints the version alone, as it did) on standard output; a usage
 * error on standard error as every other error is (`ociauth: …`), with the
 * command whose `--help` shows the usage.
 */
export const presenter = (io: Io["Service"]): CliOutput.Presenter => ({
  present: (event) =>
    Effect.gen(function* () {
      const formatter = yield* CliOutput.Formatter
      switch (event._tag) {
        case "Help": {
          const { subcommands: _, ...rest } = event.helpDoc
          const bold = (text: string) => (io.color ? `\u001b[1m${text}\u001b[0m` : text)
          const help = formatter.formatHelpDoc(rest).replace(/\n*$/, "\n")
          return yield* io.stdout(withCommands(help, commands(event.helpDoc, bold)))
        }
        case "InvalidInvocation": {
          const lines = event.errors.map((error) => `ociauth: ${passwordHint(error, event.commandPath) ?? formatter.formatCliError(error)}`)
          return yield* io.stderr(`${lines.join("\n")}\n  ${[...event.commandPath, "--help"].join(" ")} shows the usage.\n`)
        }
        case "Version":
          return yield* io.stdout(`${event.version}\n`)
      }
    })
})
