/**
 * Self-made ECDSA P-256 certificates (a root CA and a leaf it signs), so that
 * JWTs carry an `x5c` chain the distribution registry verifies against a root
 * bundle. Keys are generated at start and never written anywhere but a temp dir.
 */
import * as crypto from "node:crypto"
import * as der from "./der.js"

const ECDSA_WITH_SHA256 = der.sequence(der.oid("1.2.840.10045.4.3.2"))
const COMMON_NAME = "2.5.4.3"
const BASIC_CONSTRAINTS = "2.5.29.19"
const KEY_USAGE = "2.5.29.15"

export interface Certified {
  readonly der: Uint8Array
  readonly pem: string
  readonly privateKey: crypto.KeyObject
  readonly publicKey: crypto.KeyObject
}

const name = (commonName: string) => der.sequence(der.set(der.sequence(der.oid(COMMON_NAME), der.utf8(commonName))))

const extension = (id: string, critical: boolean, value: Uint8Array) =>
  der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value))

const toPem = (bytes: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(bytes).toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`

const issue = (options: {
  readonly subject: string
  readonly issuer: string
  readonly publicKey: crypto.KeyObject
  readonly signingKey: crypto.KeyObject
  readonly ca: boolean
  readonly now: number
}): Uint8Array => {
  const spki = options.publicKey.export({ type: "spki", format: "der" })
  const extensions = options.ca
    ? [
        extension(BASIC_CONSTRAINTS, true, der.sequence(der.boolean(true))),
        // keyCertSign | cRLSign
        extension(KEY_USAGE, true, der.bitString(Uint8Array.of(0x06), 1))
      ]
    : [
        extension(BASIC_CONSTRAINTS, true, der.sequence()),
        // digitalSignature
        extension(KEY_USAGE, true, der.bitString(Uint8Array.of(0x80), 7))
      ]
  const serial = crypto.randomBytes(12)
  serial[0]! &= 0x7f
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.unsigned(serial),
    ECDSA_WITH_SHA256,
    name(options.issuer),
    der.sequence(der.utcTime(options.now - 3600_000), der.utcTime(options.now + 365 * 24 * 3600_000)),
    name(options.subject),
    spki,
    der.explicit(3, der.sequence(...extensions))
  )
  const signature = crypto.sign("sha256", tbs, options.signingKey)
  return der.sequence(tbs, ECDSA_WITH_SHA256, der.bitString(signature))
}

/** A root CA and a leaf certificate signed by it, both ECDSA P-256. */
export const makeChain = (label: string, now: number): { readonly root: Certified; readonly leaf: Certified } => {
  const rootKeys = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
  const leafKeys = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
  const rootDer = issue({
    subject: `${label} root CA`,
    issuer: `${label} root CA`,
    publicKey: rootKeys.publicKey,
    signingKey: rootKeys.privateKey,
    ca: true,
    now
  })
  const leafDer = issue({
    subject: `${label} token signer`,
    issuer: `${label} root CA`,
    publicKey: leafKeys.publicKey,
    signingKey: rootKeys.privateKey,
    ca: false,
    now
  })
  return {
    root: { der: rootDer, pem: toPem(rootDer), ...rootKeys },
    leaf: { der: leafDer, pem: toPem(leafDer), ...leafKeys }
  }
}
