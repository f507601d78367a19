/** An inclusive byte range within a representation of known size. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * Reads a `Range` request header (RFC 9110 §14) against a size: `undefined` when
 * it is absent or is to be ignored (another unit, several ranges), the range to
 * serve, or `"unsatisfiable"` (a malformed byte-range-spec, a first byte past
 * the end, an empty suffix) for a 416.
 */
export const parse = (header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined => {
  if (header === undefined) return undefined
  const equals = header.indexOf("=")
  if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== "bytes") return undefined
  const set = header.slice(equals + 1).trim()
  if (set.includes(",")) return undefined
  const match = /^(\d*)-(\d*)$/.exec(set)
  if (match === null || (match[1] === "" && match[2] === "")) return "unsatisfiable"
  if (match[1] === "") {
    const suffix = Number(match[2])
    return suffix === 0 || size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const last = match[2] === "" ? size - 1 : Number(match[2])
  if (last < start || start >= size) return "unsatisfiable"
  return { start, end: Math.min(last, size - 1) }
}

/** The part of a chunked body within a range. */
export function* slice(chunks: Iterable<Uint8Array>, range: ByteRange): Iterable<Uint8Array> {
  let offset = 0
  for (const chunk of chunks) {
    const from = Math.max(range.start - offset, 0)
    const to = Math.min(range.end + 1 - offset, chunk.length)
    if (from < to) yield chunk.subarray(from, to)
    offset += chunk.length
    if (offset > range.end) return
  }
}
