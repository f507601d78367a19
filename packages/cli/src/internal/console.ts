import { Console, Effect } from "effect"
import type { Io } from "../Io.js"

const ANSI = /\u001b\[[0-9;]*m/g
const join = (args: ReadonlyArray<unknown>) => `${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}\n`

/** A `Console` writing through `Io`: what `@effect/cli` prints (help, errors, completions) goes where the commands' output goes. */
export const fromIo = (io: Io["Type"]): Console.Console => {
  // @effect/cli colours its help and errors: only on a terminal without NO_COLOR.
  const text = (args: ReadonlyArray<unknown>) => (io.color ? join(args) : join(args).replace(ANSI, ""))
  const out = (...args: ReadonlyArray<unknown>) => io.stdout(text(args))
  const err = (...args: ReadonlyArray<unknown>) => io.stderr(text(args))
  const none = () => Effect.void
  const unsafeOut = (...args: ReadonlyArray<unknown>) => void Effect.runFork(io.stdout(text(args)))
  const unsafeErr = (...args: ReadonlyArray<unknown>) => void Effect.runFork(io.stderr(text(args)))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: none,
    clear: Effect.void,
    count: none,
    countReset: none,
    debug: err,
    dir: out,
    dirxml: out,
    error: err,
    group: none,
    groupEnd: Effect.void,
    info: out,
    log: out,
    table: out,
    time: none,
    timeEnd: none,
    timeLog: none,
    trace: err,
    warn: err,
    unsafe: {
      ...globalThis.console,
      log: unsafeOut,
      info: unsafeOut,
      error: unsafeErr,
      warn: unsafeErr,
      debug: unsafeErr
    }
  } as unknown as Console.Console
}
