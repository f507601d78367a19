/**
 * The command's edge to its process: standard output (text or bytes),
 * standard error, standard input (one line, for passwords and tokens), and
 * what the terminal is (TTY or not, colours or not). Commands read it from
 * context, so tests run them in process with captured output.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as BrokenPipe from "./internal/brokenPipe.js"
import * as Stdin from "./internal/stdin.js"
/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  readonly stdout: (chunk: string | Uint8Array) => Effect.Effect<void>
  readonly stderr: (text: string) => Effect.Effect<void>
  /**
   * Standard input (a secret): on Node up to its first newline, at most 64 KiB and one byte — more than
   * 64 KiB is no secret — after which no more is read.
   */
  readonly stdin: Effect.Effect<string>
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  readonly stdinIsTTY: boolean
  /** Whether ANSI colours may be used: a TTY and no `NO_COLOR`. */
  readonly color: boolean
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Io extends Context.Service<Io, Service>()("@ociauth/cli/Io") {}

/** A write to one of the process's streams; a closed pipe ends the process quietly, as it ends a Unix tool (exit 141). */
const write = (stream: NodeJS.WriteStream, chunk: string | Uint8Array): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    BrokenPipe.write(stream, chunk, () => resume(Effect.void))
  })

/** Standard input up to its first newline, at most 64 KiB and a byte (`Stdin.read`); then no more is read. */
const readStdin: Effect.Effect<string> = Effect.promise(() => Stdin.read(process.stdin, { line: true }))

/**
 * The process's own streams. Colours follow `NO_COLOR` (any value turns them
 * off) and whether standard output is a terminal. A closed pipe (`ociauth
 * probe --transcript | head -1`) ends the process at once and quietly, as
 * SIGPIPE ends a Unix tool: no stack trace, exit code 141 (128 + SIGPIPE).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerNode: Layer.Layer<Io> = Layer.sync(Io, () => ({
  stdout: (chunk) => write(process.stdout, chunk),
  stderr: (text) => write(process.stderr, text),
  stdin: readStdin,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  stdinIsTTY: process.stdin.isTTY === true,
  color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === ""
}))

/**
 * Output kept in memory, for tests and programs that run a command in process.
 *
 * @since 0.2.0
 * @category models
 */
export interface Captured {
  readonly stdout: () => string
  readonly stdoutBytes: () => Uint8Array
  readonly stderr: () => string
}

/**
 * Captures the output; `stdin` is the given text; no terminal, no colours.
 *
 * @since 0.2.0
 * @category constructors
 */
export const capture = (options: { readonly stdin?: string; readonly tty?: boolean } = {}): {
  readonly layer: Layer.Layer<Io>
  readonly captured: Captured
} => {
  const out: Array<Uint8Array> = []
  const err: Array<string> = []
  const encoder = new TextEncoder()
  const bytes = () => {
    const all = new Uint8Array(out.reduce((n, c) => n + c.length, 0))
    let offset = 0
    for (const c of out) {
      all.set(c, offset)
      offset += c.length
    }
    return all
  }
  const tty = options.tty ?? false
  return {
    layer: Layer.succeed(Io, {
      stdout: (chunk) => Effect.sync(() => void out.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk)),
      stderr: (text) => Effect.sync(() => void err.push(text)),
      stdin: Effect.succeed(options.stdin ?? ""),
      stdoutIsTTY: tty,
      stderrIsTTY: tty,
      stdinIsTTY: false,
      color: false
    }),
    captured: {
      stdout: () => new TextDecoder().decode(bytes()),
      stdoutBytes: bytes,
      stderr: () => err.join("")
    }
  }
}
