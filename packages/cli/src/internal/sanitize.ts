/**
 * The one output sanitiser: every line the CLI prints goes through it, so that
 * text a server chose (challenge parameters, headers, error bodies, token
 * fields) is shown, never interpreted by the terminal. C0 controls, DEL, the C1
 * controls (U+0080–U+009F, 8-bit escapes many terminals honour) and the
 * bidirectional formatting characters are written escaped (`\x1b`, `\x7f`,
 * `\u009b`, `\u202e`); an escape sequence (CSI, OSC 8 hyperlinks, OSC 52
 * clipboard writes) becomes inert text with it. Only the CLI's own layout
 * survives: tabs and line breaks of whole output, colours when colours are on,
 * the progress line's erase on a terminal.
 */
import type { Io } from "../Io.js"

// eslint-disable-next-line no-control-regex
const ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex
const BUT_LAYOUT = /\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const hex = (code: number, width: number) => code.toString(16).padStart(width, "0")

/** One character as it is shown: `\xHH` up to DEL, `\uHHHH` above. */
const shown = (c: string): string => {
  const code = c.charCodeAt(0)
  return code <= 0x7f ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`
}

/** A value a server chose, placed inside a line: every control shown escaped, line breaks and tabs included (a value never starts a line of its own). */
export const field = (text: string): string => text.replace(ALL, shown)

/** Text printed whole (a transcript, a body): every control shown escaped but tabs, `\n` and `\r\n`. */
export const text = (value: string): string => value.replace(BUT_LAYOUT, shown)

/** Every string in a value (keys included) through `f`: arrays and plain objects walked, the rest kept. */
export const deep = <A>(value: A, f: (text: string) => string): A => {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return f(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), walk(x)]))
    return v
  }
  return walk(value) as A
}

// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * A value as indented JSON with nothing a terminal acts on: JSON itself escapes
 * C0 controls; DEL, C1 and the bidirectional characters are written as `\uHHHH`
 * JSON escapes too, so a parser reads the same strings back.
 */
export const json = (value: unknown): string => JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)

// The CLI's own sequences: colours (SGR) when colours are on; the progress line's "back to the start, erase it" on a terminal.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g
// eslint-disable-next-line no-control-regex
const ERASE = /\r\u001b\[2K/g

/** `text`, except the sequences `own` matches (one pattern, or none), which pass as they are. */
const keeping = (value: string, own: RegExp | undefined): string => {
  if (own === undefined) return text(value)
  let out = ""
  let last = 0
  for (const match of value.matchAll(own)) {
    out += text(value.slice(last, match.index)) + match[0]
    last = match.index + match[0].length
  }
  return out + text(value.slice(last))
}

/** The CLI's own sequences that a stream keeps: colours when `color`, the progress line's erase on a terminal. */
const ownSequences = (color: boolean, tty: boolean): RegExp | undefined => {
  const own = [...(color ? [SGR] : []), ...(tty ? [ERASE] : [])]
  return own.length === 0 ? undefined : new RegExp(own.map((r) => r.source).join("|"), "g")
}

/**
 * `Io` with every string written sanitised (`text`), keeping only the CLI's own
 * colours (when `color`) and the progress line's erase (on a terminal). Bytes
 * pass as they are: they are data a user sends to a file or a pipe.
 */
export const io = (inner: Io["Service"]): Io["Service"] => {
  const stdout = ownSequences(inner.color, inner.stdoutIsTTY)
  const stderr = ownSequences(inner.color, inner.stderrIsTTY)
  return {
    ...inner,
    stdout: (chunk) => inner.stdout(typeof chunk === "string" ? keeping(chunk, stdout) : chunk),
    stderr: (value) => inner.stderr(keeping(value, stderr))
  }
}
