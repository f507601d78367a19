/**
 * A closed standard output or error (the reader went away: `ociauth probe
 * --transcript | head -1`) ends the process at once and quietly, as SIGPIPE
 * ends a Unix tool: nothing more is written, no stack trace, and the exit code
 * a shell reports for one, 141 (128 + SIGPIPE). Node ignores SIGPIPE and emits
 * `EPIPE` as an `'error'` event instead, which crashes a process without a
 * listener.
 */

/** 128 + SIGPIPE (13): what a shell reports for a tool ended by a closed pipe. */
export const EXIT_CODE = 141

/** Whether a write failed because its reader is gone (`EPIPE`, or the stream already torn down by it). */
export const isBrokenPipe = (error: unknown): boolean => {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED"
}

/** Ends the process as a closed pipe ends a Unix tool. */
export const end = (): never => process.exit(EXIT_CODE)

const watched = new WeakSet<NodeJS.WriteStream>()

/**
 * Listens for the stream's `'error'`: a broken pipe ends the process quietly (`end`); any other error is
 * rethrown, as Node would have thrown it without a listener. Once per stream.
 */
export const watch = (stream: NodeJS.WriteStream): void => {
  if (watched.has(stream)) return
  watched.add(stream)
  stream.on("error", (error) => {
    if (isBrokenPipe(error)) end()
    throw error
  })
}

/** Writes to the stream; a broken pipe ends the process quietly. `done` runs once the chunk is written. */
export const write = (stream: NodeJS.WriteStream, chunk: string | Uint8Array, done?: () => void): void => {
  watch(stream)
  stream.write(chunk, (error) => {
    if (error !== null && error !== undefined && isBrokenPipe(error)) end()
    done?.()
  })
}
