/**
 * Standard input read with a bound: up to its end, its first newline (a
 * password or a token is one line), or `MAX_BYTES`, whichever comes first —
 * then the stream is let go of, so that `< /dev/zero` (or a writer that never
 * stops) neither fills the memory nor keeps the process waiting.
 */

/** What a secret or a credential helper's request may be at most: 64 KiB. */
export const MAX_BYTES = 64 * 1024

/** Whether `text` (from `read`, which keeps `MAX_BYTES` and one byte of a longer input) is more than `MAX_BYTES`. */
export const tooLong = (text: string): boolean => Buffer.byteLength(text, "utf8") > MAX_BYTES

/** Reads `stream` up to its end, or its first newline (`line`), or past `MAX_BYTES` bytes (`tooLong`); then stops reading it. */
export const read = (stream: NodeJS.ReadStream, options: { readonly line: boolean }): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      stream.off("data", onData)
      stream.off("end", onEnd)
      stream.off("error", onEnd)
      // Nothing more is read: a pipe's writer that keeps writing gets EPIPE, /dev/zero is closed.
      stream.pause()
      stream.destroy()
      const all = Buffer.concat(chunks)
      resolve(all.subarray(0, MAX_BYTES + 1).toString("utf8"))
    }
    const onData = (chunk: Buffer) => {
      const newline = options.line ? chunk.indexOf(0x0a) : -1
      const kept = newline === -1 ? chunk : chunk.subarray(0, newline + 1)
      chunks.push(kept)
      size += kept.length
      if (size > MAX_BYTES || newline !== -1) finish()
    }
    const onEnd = () => finish()
    stream.on("data", onData)
    stream.once("end", onEnd)
    stream.once("error", onEnd)
    stream.resume()
  })
