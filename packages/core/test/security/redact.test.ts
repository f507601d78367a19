/**
 * Issue 26 §3–4: one scrubber for every form of every secret, and no control
 * character — C0 or C1 — in server text the SDK repeats.
 */
import { assert, describe, it } from "@effect/vitest"
import { Base64, Base64Url } from "effect/encoding"

import * as secrets from "../../src/internal/secrets.js"
import * as Unstable from "@ociauth/core/Unstable"

/** `"`, `\` and `/` make the JSON forms differ; `+`, space, `*` and `~` the encoded ones; `ü` the UTF-8 ones. */
const SECRET = `pw"CANARY\\5e/3 f+*~!ü`
const GIVEN = `given"CANARY\\7a/1 b+*~!ü`

const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())
const b64 = (s: string) => Base64.encode(s)
const b64ytes = (bytes: Uint8Array) => Base64.encode(bytes)
const hex = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("")

/** A secret as a hostile server could echo it back. */
const echoes = (secret: string): ReadonlyArray<readonly [string, string]> => [
  ["raw", secret],
  ["JSON-escaped", JSON.stringify(secret).slice(1, -1)],
  ["JSON-escaped with \\/", JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/")],
  ["percent-encoded", encodeURIComponent(secret)],
  ["percent-encoded, lower-case hex", lower(encodeURIComponent(secret))],
  ["strictly percent-encoded (RFC 3986)", strict(secret)],
  ["strictly percent-encoded, lower-case hex", lower(strict(secret))],
  ["form-encoded", new URLSearchParams({ p: secret }).toString().slice(2)],
  ["strictly form-encoded", strict(secret).replace(/%20/g, "+")],
  ["base64", b64(secret)],
  ["base64url", Base64Url.encode(secret)],
  ["inside Basic base64(user:secret)", b64(`alice:${secret}`)],
  ["inside base64 at offset 1", b64(`x${secret}y`)],
  ["inside base64 at offset 2", b64(`xy${secret}z`)],
  ["inside base64url at offset 1", Base64Url.encode(`x${secret}`)],
  ["hex of its UTF-8 bytes", hex(secret)],
  ["hex of its UTF-8 bytes, upper-case", hex(secret).toUpperCase()],
  ["HTML-escaped (named)", secret.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")],
  ["HTML-escaped, some characters as decimal references", secret.replace(/"/g, "&quot;").replace(/\\/g, "&#92;")],
  ["HTML-escaped, every character as a hex reference", [...secret].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join("")],
  ["HTML-escaped, punctuation as decimal references", secret.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.codePointAt(0)};`)]
]

/** What the echo would still give away: the raw secret, or a base64 run of 8+ characters of it at any alignment. */
const leaks = (text: string, secret: string): boolean => {
  if (text.includes(secret)) return true
  for (const [, echo] of echoes(secret)) if (text.includes(echo)) return true
  const bytes = new TextEncoder().encode(secret)
  for (let k = 0; k < 3; k++) {
    const shifted = new Uint8Array(k + bytes.length)
    shifted.set(bytes, k)
    // the interior of the run that encodes the secret's bytes alone, whatever precedes them
    const core = b64ytes(shifted).slice(Math.ceil((8 * k) / 6) + 1, Math.floor((8 * (k + bytes.length)) / 6) - 1)
    if (core.length >= 8 && (text.includes(core) || text.includes(core.replace(/\+/g, "-").replace(/\//g, "_")))) return true
  }
  return false
}

describe("Unstable.redact and scrub: every form", () => {
  // Remembered as the engine remembers what it sends.
  secrets.remember(SECRET)
  for (const [name, echo] of echoes(SECRET)) {
    it(`a secret the SDK sent, ${name}: redact and scrub`, () => {
      const text = `invalid credentials: got "${echo}" from you`
      const out = Unstable.redact(text)
      assert.isFalse(leaks(out, SECRET), out)
      assert.include(out, "<redacted>")
      assert.isFalse(leaks(Unstable.scrub(text), SECRET))
      assert.isTrue(secrets.carries(text))
    })
  }
  for (const [name, echo] of echoes(GIVEN)) {
    it(`a given secret, ${name}; nothing else changed`, () => {
      const text = `line one\n\tgot ${echo}\r\nline three`
      const out = Unstable.redact(text, [GIVEN, `alice:${GIVEN}`])
      assert.isFalse(leaks(out, GIVEN), out)
      assert.isTrue(out.startsWith("line one\n\tgot ") && out.endsWith("\r\nline three"), out)
      assert.include(out, "<redacted>")
      // only what the SDK sent is remembered: a given secret is not
      assert.isFalse(secrets.carries(text))
    })
  }
})

describe("Unstable.scrub: control characters", () => {
  it("C0, DEL and C1 (U+0080–U+009F) are all dropped", () => {
    const hostile = "a\u001b]52;c;cHduZWQ=\u0007b\u009b2Jc\u0085d\u009d8;;http://evil\u009ce\u007ff\u0000g"
    const out = Unstable.scrub(hostile)
    assert.notMatch(out, /[\u0000-\u001f\u007f-\u009f]/)
    assert.include(out, "a")
    assert.include(out, "g")
  })
  it("letters beyond C1 are kept", () => {
    assert.strictEqual(Unstable.scrub("café ü ß ¡ \u00a0x"), "café ü ß ¡ \u00a0x")
  })
})
