import * as Base64 from "effect/encoding/Base64"
import * as Base64Url from "effect/encoding/Base64Url"

/**
 * The secrets the SDK has sent (passwords, tokens and their encodings), so that
 * any server text it repeats in an error or an event can be scrubbed of them: a
 * server that echoes the credential it received must not make the SDK print it.
 * Bounded: the oldest are forgotten first.
 */
const MAX_FORMS = 4096
const MIN_LENGTH = 4
/** A base64 run cut out of a longer encoding is only looked for when it is this long (fewer would match by chance). */
const MIN_CORE = 8
const MAX_TEXT = 512
const REDACTED = "<redacted>"

interface Known {
  readonly forms: Set<string>
  /** `forms`, longest first (so a longer form is replaced before a shorter one inside it); rebuilt after a change. */
  sorted: ReadonlyArray<string> | undefined
}

const KnownKey = Symbol.for("@ociauth/core/internal/secrets")

/** One registry per process, shared by every copy of this module that is loaded. */
const known: Known = (() => {
  const global = globalThis as typeof globalThis & { [KnownKey]?: Known }
  return (global[KnownKey] ??= { forms: new Set<string>(), sorted: undefined })
})()

const utf8 = new TextEncoder()

/** Each byte's two lower-case hex digits, built once per process. */
const HEX: ReadonlyArray<string> = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))

/** The hex of `secret`'s UTF-8 bytes, lower-case. */
const hexOf = (secret: string): string => {
  let out = ""
  for (const byte of utf8.encode(secret)) out += HEX[byte]!
  return out
}

/** A percent-encoded text with its escapes in lower-case hex (`%2f` for `%2F`), as some servers echo it. */
export const lowerHex = (encoded: string): string => encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())

/** Percent-encoding of every byte but RFC 3986's unreserved characters (Go's `url.PathEscape`, Java, PHP's `rawurlencode`). */
const strictPercent = (secret: string): string =>
  encodeURIComponent(secret).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * The runs of base64 that encode `secret` wherever it starts in a longer text
 * (three alignments, standard and URL alphabets): a server that echoes
 * `Basic base64(something + secret)` still carries one of them.
 */
const base64Cores = (secret: string): ReadonlyArray<string> => {
  const bytes = utf8.encode(secret)
  const out: Array<string> = []
  for (let k = 0; k < 3; k++) {
    const shifted = new Uint8Array(k + bytes.length)
    shifted.set(bytes, k)
    const encoded = Base64.encode(shifted)
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6))
    if (core.length >= MIN_CORE) out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"))
  }
  return out
}

/**
 * A secret as a server may echo it: raw; JSON-escaped (with and without `\/`,
 * and twice, as JSON inside a JSON string);
 * base64 with and without padding, base64url, and the base64 runs of the secret
 * inside a longer encoded text; percent-encoded (JavaScript's or strict RFC 3986,
 * upper- or lower-case hex); form-encoded (`+` for a space, as in a token
 * request's body, JavaScript's or strict); the hex of its UTF-8 bytes (either
 * case). HTML character references are decoded where they are found instead
 * (see `redact`): a server may escape any subset of the characters.
 */
export const forms = (secret: string): ReadonlyArray<string> => {
  const base64 = Base64.encode(secret)
  const json = JSON.stringify(secret).slice(1, -1)
  const percent = encodeURIComponent(secret)
  const strict = strictPercent(secret)
  const form = new URLSearchParams([["", secret]]).toString().slice(1)
  const strictForm = strict.replace(/%20/g, "+")
  const hex = hexOf(secret)
  return [
    ...new Set([
      secret,
      json,
      json.replace(/\//g, "\\/"),
      JSON.stringify(json).slice(1, -1), // JSON inside a JSON string
      base64,
      base64.replace(/=+$/, ""),
      Base64Url.encode(secret),
      percent,
      lowerHex(percent),
      strict,
      lowerHex(strict),
      form,
      lowerHex(form),
      strictForm,
      lowerHex(strictForm),
      ...base64Cores(secret),
      hex,
      hex.toUpperCase()
    ])
  ].filter((f) => f.length >= MIN_LENGTH)
}

/** Remembers a secret the SDK sends, in every form of `forms`. */
export const remember = (secret: string): void => {
  if (secret.length < MIN_LENGTH) return
  for (const form of forms(secret)) {
    known.forms.delete(form)
    known.forms.add(form)
  }
  while (known.forms.size > MAX_FORMS) known.forms.delete(known.forms.values().next().value!)
  known.sorted = undefined
}

const longestFirst = (all: Iterable<string>): ReadonlyArray<string> => [...all].sort((a, b) => b.length - a.length)

const rememberedForms = (): ReadonlyArray<string> => (known.sorted ??= longestFirst(known.forms))

/** Whether a text holds a secret the SDK sent, in any of its remembered forms. */
export const carries = (text: string): boolean => {
  for (const secret of known.forms) if (text.includes(secret)) return true
  return text.includes("&") && redactEntities(text, rememberedForms()) !== text
}

/**
 * Every form (see `forms`) of every secret the SDK sent and of `extra`
 * replaced by `<redacted>`; nothing else changed (no bound, line breaks and
 * controls kept). For text that is printed whole, as a transcript is.
 */
export const redact = (text: string, extra: Iterable<string> = []): string => {
  const given = [...new Set(extra)].filter((s) => s.length >= MIN_LENGTH)
  const all = given.length === 0 ? rememberedForms() : longestFirst(new Set([...known.forms, ...given.flatMap(forms)]))
  let out = text
  for (const secret of all) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  }
  return out.includes("&") ? redactEntities(out, all) : out
}

const NAMED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", sol: "/", bsol: "\\", plus: "+", num: "#", nbsp: "\u00a0" }
const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g

/**
 * The secrets that only HTML character references hide (`pw&quot;x&#92;y` for
 * `pw"x\y`, whichever characters a server chose to escape): the text is read
 * with its references decoded, and each match is replaced where it stands in
 * the original text.
 */
const redactEntities = (text: string, secrets: ReadonlyArray<string>): string => {
  // The decoded text, and for each of its characters where it starts and ends in `text`.
  let decoded = ""
  const starts: Array<number> = []
  const ends: Array<number> = []
  let last = 0
  const copy = (until: number) => {
    for (let k = last; k < until; k++) {
      decoded += text[k]
      starts.push(k)
      ends.push(k + 1)
    }
  }
  for (const match of text.matchAll(ENTITY)) {
    const body = match[1]!
    const code = body[0] === "#" ? (body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10)) : undefined
    const char = code !== undefined ? (code <= 0x10ffff ? String.fromCodePoint(code) : undefined) : NAMED[body.toLowerCase()]
    if (char === undefined) continue
    copy(match.index)
    for (const unit of char) {
      decoded += unit
      starts.push(match.index)
      ends.push(match.index + match[0].length)
    }
    last = match.index + match[0].length
  }
  if (last === 0) return text
  copy(text.length)
  const spans: Array<readonly [number, number]> = []
  for (const secret of secrets) {
    for (let at = decoded.indexOf(secret); at !== -1; at = decoded.indexOf(secret, at + 1)) {
      spans.push([starts[at]!, ends[at + secret.length - 1]!])
    }
  }
  if (spans.length === 0) return text
  spans.sort((a, b) => a[0] - b[0])
  let out = ""
  let from = 0
  for (const [start, end] of spans) {
    if (end <= from) continue
    out += text.slice(from, Math.max(from, start)) + REDACTED
    from = end
  }
  return out + text.slice(from)
}

/** C0 controls, DEL and the C1 controls (U+0080–U+009F, which many terminals honour as 8-bit escapes). */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g

/** Server text fit to repeat: every known secret replaced, C0 and C1 control characters dropped, length bounded. */
export const scrub = (text: string, maxLength: number = MAX_TEXT): string => {
  // Cut well past the bound before redacting, so that a secret is never halved by the cut and then missed.
  const bounded = text.length > maxLength * 8 ? text.slice(0, maxLength * 8) : text
  const out = redact(bounded).replace(CONTROLS, " ")
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out
}
