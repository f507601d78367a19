/**
 * Server text the SDK repeats is scrubbed of every secret it sent, in every
 * form a server could echo it in.
 */
import { assert, describe, it } from "@effect/vitest"
import { Base64, Base64Url } from "effect/encoding"
import * as secrets from "../../src/internal/secrets.js"

describe("secrets.scrub", () => {
  const secret = "pw CANARY/+=*'~!(ü)"
  secrets.remember(secret)
  const echoes: ReadonlyArray<readonly [string, string]> = [
    ["raw", secret],
    ["base64", Base64.encode(secret)],
    ["base64 without padding", Base64.encode(secret).replace(/=+$/, "")],
    ["base64url", Base64Url.encode(secret)],
    ["percent-encoded", encodeURIComponent(secret)],
    ["percent-encoded, lower-case hex", encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ["form-encoded", new URLSearchParams({ p: secret }).toString().slice(2)],
    ["form-encoded, lower-case hex", new URLSearchParams({ p: secret }).toString().slice(2).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())]
  ]
  for (const [name, echo] of echoes) {
    it(`${name}: replaced, and carries() sees it`, () => {
      const text = `invalid credentials: got "${echo}" from you`
      assert.isTrue(secrets.carries(text))
      const scrubbed = secrets.scrub(text)
      assert.notInclude(scrubbed, echo)
      assert.include(scrubbed, "<redacted>")
    })
  }

  it("bounds the text and drops control characters", () => {
    const scrubbed = secrets.scrub(`a\u0000b\nc${"x".repeat(10_000)}`, 64)
    assert.isAtMost(scrubbed.length, 65)
    assert.notMatch(scrubbed, /[\u0000-\u001f]/)
  })
})
