import { Encoding } from "effect"
import { globalValue } from "effect/GlobalValue"

/**
 * The secrets the SDK has sent (passwords, tokens and their encodings), so that
 * any server text it repeats in an error or an event can be scrubbed of them: a
 * server that echoes the credential it received must not make the SDK print it.
 * Bounded: the oldest are forgotten first.
 */
const MAX_SECRETS = 512
const MIN_LENGTH = 4
const MAX_TEXT = 512
const REDACTED = "<redacted>"

const known: Set<string> = globalValue("@ociauth/core/internal/secrets", () => new Set<string>())

/**
 * A secret as a server may echo it: raw; base64 with and without padding;
 * base64url; percent-encoded with upper- or lower-case hex; form-encoded
 * (`+` for a space, as in a token request's body).
 */
const forms = (secret: string): ReadonlyArray<string> => {
  const base64 = Encoding.encodeBase64(secret)
  const percent = encodeURIComponent(secret)
  const form = new URLSearchParams([["", secret]]).toString().slice(1)
  return [...new Set([secret, base64, base64.replace(/=+$/, ""), Encoding.encodeBase64Url(secret), percent, lowerHex(percent), form, lowerHex(form)])]
}

/** A percent-encoded text with its escapes in lower-case hex (`%2f` for `%2F`), as some servers echo it. */
const lowerHex = (encoded: string): string => encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())

/** Remembers a secret the SDK sends, in every form of `forms`. */
export const remember = (secret: string): void => {
  if (secret.length < MIN_LENGTH) return
  for (const form of forms(secret)) {
    if (form.length < MIN_LENGTH) continue
    known.delete(form)
    known.add(form)
  }
  while (known.size > MAX_SECRETS) known.delete(known.values().next().value!)
}

/** Whether a text holds a secret the SDK sent, in any of its remembered forms. */
export const carries = (text: string): boolean => {
  for (const secret of known) if (text.includes(secret)) return true
  return false
}

/** Server text fit to repeat: every known secret replaced, control characters dropped, length bounded. */
export const scrub = (text: string, maxLength: number = MAX_TEXT): string => {
  let out = text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  }
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]/g, " ")
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out
}
