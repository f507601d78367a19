/**
 * A closed standard output or error (the reader went away: `ociauth probe
 * --transcript | head -1`) ends the process at once and quietly, as SIGPIPE
 * ends a Unix tool: nothing more is written, no stack trace, and the exit code
 * a shell reports for one, 141 (128 + SIGPIPE). Node ignores SIGPIPE and emits
 * `EPIPE` as an `'error'` event instead, which crashes a process without a
 * listener. Any other failed write (`ENOSPC`: `ociauth --version >/dev/full`)
 * ends it with one line on standard error, if that can be written, and exit 1.
 */

/** 128 + SIGPIPE (13): what a shell reports for a tool ended by a closed pipe. */
const EXIT_CODE = 141

/** The name the line of a failed write starts with: `ociauth` unless the executable says otherwise. */
let program = "ociauth"

/** Names the executable for the line of a failed write (`docker-credential-ociauth`). */
export const setProgram = (name: string): void => {
  program = name
}

const codeOf = (error: unknown): unknown => typeof error === "object" && error !== null && "code" in error ? error.code : undefined

/** Whether a write failed because its reader is gone (`EPIPE`, or the stream already torn down by it). */
const isBrokenPipe = (error: unknown): boolean => {
  const code = codeOf(error)
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED"
}

/** Ends the process as a closed pipe ends a Unix tool. */
const end = (): never => process.exit(EXIT_CODE)

let failing = false

/**
 * Ends the process after a write that failed otherwise than by a closed pipe: `<program>: cannot write
 * standard output: ENOSPC` on standard error when it is not the stream that failed (and can be written), exit 1.
 */
const fail = (stream: NodeJS.WriteStream, error: unknown): void => {
  if (failing) return
  failing = true
  const code = codeOf(error)
  const reason = typeof code === "string" ? code : error instanceof Error ? error.message : String(error)
  if (stream === process.stderr) process.exit(1)
  try {
    process.stderr.write(`${program}: cannot write standard output: ${reason}\n`, () => process.exit(1))
  } catch {
    process.exit(1)
  }
}

/** What ends the process after a failed write: quietly with 141 for a closed pipe, else one line and exit 1. */
const failed = (stream: NodeJS.WriteStream, error: unknown): void => {
  if (isBrokenPipe(error)) end()
  fail(stream, error)
}

const watched = new WeakSet<NodeJS.WriteStream>()

/** Listens for the stream's `'error'` (which crashes a process without a listener): `failed`. Once per stream. */
const watch = (stream: NodeJS.WriteStream): void => {
  if (watched.has(stream)) return
  watched.add(stream)
  stream.on("error", (error) => failed(stream, error))
}

/**
 * Writes to the stream; a broken pipe ends the process quietly, any other failure with one line and exit 1
 * (`failed`). `done` runs once the chunk is written, never after a failure.
 */
export const write = (stream: NodeJS.WriteStream, chunk: string | Uint8Array, done?: () => void): void => {
  watch(stream)
  stream.write(chunk, (error) => {
    if (error !== null && error !== undefined) failed(stream, error)
    else done?.()
  })
}
