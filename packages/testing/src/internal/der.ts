/** A minimal DER encoder: just what an X.509 certificate needs. */

const length = (n: number): Uint8Array => {
  if (n < 0x80) return Uint8Array.of(n)
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export const tlv = (tag: number, ...content: ReadonlyArray<Uint8Array>): Uint8Array => {
  const body = concat(content)
  return concat([Uint8Array.of(tag), length(body.length), body])
}

export const sequence = (...items: ReadonlyArray<Uint8Array>) => tlv(0x30, ...items)
export const set = (...items: ReadonlyArray<Uint8Array>) => tlv(0x31, ...items)
export const explicit = (n: number, ...items: ReadonlyArray<Uint8Array>) => tlv(0xa0 | n, ...items)
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes)
export const utf8 = (text: string) => tlv(0x0c, new TextEncoder().encode(text))
export const boolean = (value: boolean) => tlv(0x01, Uint8Array.of(value ? 0xff : 0x00))
export const bitString = (bytes: Uint8Array, unusedBits = 0) => tlv(0x03, Uint8Array.of(unusedBits), bytes)

/** A non-negative INTEGER from big-endian bytes (a leading zero is added when the high bit is set). */
export const unsigned = (bytes: Uint8Array): Uint8Array => {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const trimmed = bytes.subarray(start)
  return tlv(0x02, trimmed[0]! & 0x80 ? concat([Uint8Array.of(0), trimmed]) : trimmed)
}

export const integer = (n: number) => {
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return unsigned(Uint8Array.from(bytes.length === 0 ? [0] : bytes))
}

export const oid = (dotted: string): Uint8Array => {
  const arcs = dotted.split(".").map(Number)
  const out: Array<number> = [40 * arcs[0]! + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const chunk: Array<number> = []
    let v = arc
    do {
      chunk.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80
    out.push(...chunk)
  }
  return tlv(0x06, Uint8Array.from(out))
}

const pad = (n: number) => String(n).padStart(2, "0")

/** UTCTime (valid until 2049), `YYMMDDHHMMSSZ`. */
export const utcTime = (millis: number): Uint8Array => {
  const d = new Date(millis)
  const text = `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(
    d.getUTCMinutes()
  )}${pad(d.getUTCSeconds())}Z`
  return tlv(0x17, new TextEncoder().encode(text))
}
