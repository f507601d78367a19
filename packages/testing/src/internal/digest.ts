import { createHash } from "node:crypto"

/** The digest algorithms the emulator computes: the OCI image spec's registered ones. */
export type Algorithm = "sha256" | "sha512"

const HEX_LENGTH: Readonly<Record<Algorithm, number>> = { sha256: 64, sha512: 128 }

/** What a digest string turns out to be: usable, malformed, or of an algorithm not supported here. */
export type Parsed =
  | { readonly _tag: "Digest"; readonly algorithm: Algorithm; readonly digest: string }
  | { readonly _tag: "Invalid" }
  | { readonly _tag: "Unsupported"; readonly algorithm: string }

// The image spec's grammar: algorithm-component ("+" / "." / "_" / "-" separated) ":" encoded.
const GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/

export const parse = (text: string): Parsed => {
  const match = GRAMMAR.exec(text)
  if (match === null) return { _tag: "Invalid" }
  const algorithm = match[1]!
  if (algorithm !== "sha256" && algorithm !== "sha512") return { _tag: "Unsupported", algorithm }
  const hex = match[2]!
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return { _tag: "Invalid" }
  return { _tag: "Digest", algorithm, digest: text }
}

export const of = (algorithm: Algorithm, bytes: Uint8Array | string): string =>
  `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`

/** Why a digest does not identify some bytes, or `undefined` when it does. */
export type Problem = "invalid" | "unsupported" | "mismatch"

export const verify = (digest: string, bytes: Uint8Array): Problem | undefined => {
  const parsed = parse(digest)
  if (parsed._tag === "Invalid") return "invalid"
  if (parsed._tag === "Unsupported") return "unsupported"
  return of(parsed.algorithm, bytes) === digest ? undefined : "mismatch"
}

/** The OCI error message for a digest problem (code `DIGEST_INVALID`, status 400, in every case). */
export const problemMessage = (problem: Problem): string =>
  problem === "mismatch"
    ? "provided digest did not match uploaded content"
    : problem === "unsupported"
      ? "unsupported digest algorithm"
      : "invalid digest format"
