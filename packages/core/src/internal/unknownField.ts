/**
 * A host configuration's fields that no entry has, found before the schema
 * (which would ignore them): a typo (`"insecur": true`) is an error naming the
 * field and the one meant, not a silent default.
 */
import { quote } from "./adapterHost.js"

/** The edit distance of two short words (a field name and a typo of it). */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}

/** A field no entry has: an error, not a silent default (`"insecur": true` must not leave the host on https). */
export const unknownField = (json: unknown, fields: ReadonlyArray<string>): string | undefined => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const hosts = (json as { readonly hosts?: unknown }).hosts
  for (const key of Object.keys(json)) if (key !== "hosts" && key !== "$schema") return `unknown field ${quote(key, 60)} (the file has "hosts" only)`
  if (typeof hosts !== "object" || hosts === null || Array.isArray(hosts)) return undefined
  for (const [host, entry] of Object.entries(hosts)) {
    if (typeof entry !== "object" || entry === null) continue
    for (const key of Object.keys(entry)) {
      if (fields.includes(key)) continue
      const near = fields.find((field) => distance(key.toLowerCase(), field) <= 2)
      return `${quote(host, 60)}: unknown field ${quote(key, 60)}${near === undefined ? "" : ` (did you mean "${near}"?)`}; an entry has ${fields.join(", ")}`
    }
  }
  return undefined
}
