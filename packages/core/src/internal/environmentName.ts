import * as Option from "effect/Option"
/**
 * The per-registry environment variable names, encoded so that no two hosts
 * share one. A host (normalised, lower case) is a host name — labels of letters
 * and digits with hyphens inside, joined by dots — with an optional `:port`.
 * Letters are upper-cased, digits kept, and
 *
 * - `.` → `_` (one underscore: the names of dotted hosts did not change),
 * - `-` → `__` (two per hyphen, so `--` is four),
 * - `:` → `___` (three).
 *
 * A dot or a colon is never next to a hyphen, a dot or another colon in a host
 * name, so between two letters or digits a run of 1 underscore is a dot, 3 a
 * colon, 2k are k hyphens: the name decodes to exactly one host.
 * Any other host (an IPv6 literal, a Unicode name, a name with `_` or an empty
 * label) is five underscores and the hex of its UTF-8 bytes (`[::1]:5000` →
 * `_____5B3A3A315D3A35303030`): a host name's form never starts with `_`.
 */

const HOST = /^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*(?::[0-9]+)?$/

/** Whether a normalised host is a host name with an optional port (its form is readable). */
export const isHostName = (host: string): boolean => HOST.test(host)

/** The encoded form of a normalised host. */
export const encode = (host: string): string =>
  HOST.test(host)
    ? host.toUpperCase().replace(/[.:-]/g, (c) => (c === "." ? "_" : c === "-" ? "__" : "___"))
    : `_____${Array.from(new TextEncoder().encode(host), (byte) => byte.toString(16).padStart(2, "0")).join("").toUpperCase()}`

/** The host an encoded name stands for, if it stands for one. */
export const decode = (name: string): Option.Option<string> => {
  if (!/^[A-Z0-9_]+$/.test(name)) return Option.none()
  const host = name.toLowerCase().replace(/_+/g, (run) => (run.length === 1 ? "." : run.length === 3 ? ":" : run.length % 2 === 0 ? "-".repeat(run.length / 2) : "\u0000"))
  return HOST.test(host) && encode(host) === name ? Option.some(host) : Option.none()
}

/** The name every version before this one used: every character but a letter or digit folded to `_` (not injective). */
export const folded = (host: string): string => host.toUpperCase().replace(/[^A-Z0-9]/g, "_")
