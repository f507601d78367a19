/**
 * `probe --suggest-adapter`: the `RegistryAdapter.make({...})` a user would
 * write for the registry from the findings — the realm and service known in
 * advance (one round trip saved), and each quirk as the adapter field that
 * handles it. Fields that would say what the specs say are left out, and so
 * is what only refused credentials could have shown (`credentialsRefused`).
 *
 * @since 0.2.0
 */
import type { Findings } from "./Findings.js"

const quote = (text: string): string => JSON.stringify(text)

/**
 * The adapter's source code (TypeScript).
 *
 * @since 0.2.0
 * @category formatting
 */
export const fromFindings = (f: Findings): string => {
  const host = new URL(f.origin).host
  const fields: Array<string> = [`name: ${quote(host.replace(/[^a-z0-9]+/gi, "-"))}`, `hosts: [${quote(host)}]`]
  if (f.credentialsRefused) fields.push(`// the credentials were refused: nothing below comes from the checks that need them (probe again with working ones)`)
  if (f.auth.scheme === "bearer" && f.auth.realm !== null) {
    const service = f.auth.service === null ? "" : `, service: ${quote(f.auth.service)}`
    fields.push(`// realm and service known in advance: no discovery round trip`)
    fields.push(`challenge: { scheme: "bearer", realm: ${quote(f.auth.realm)}${service}, scopes: [] }`)
  }
  if (f.quirks.includes("library-prefix")) {
    fields.push(`// one-component names live under library/`)
    fields.push("normalizeRepository: (name) => (name.includes(\"/\") ? name : `library/${name}`)")
  }
  const t = f.tokenEndpoint
  if (t.lifetimeSeconds !== null && t.lifetimeSource === "jwt") {
    fields.push(`// responses carry no expires_in; the JWTs last ${t.lifetimeSeconds} s`)
    fields.push(`defaultTokenLifetime: "${t.lifetimeSeconds} seconds"`)
  } else if (f.quirks.includes("no-expires-in")) {
    fields.push(`// responses carry no expires_in and the tokens are opaque: 60 s is assumed (measure and adjust)`)
    fields.push(`defaultTokenLifetime: "60 seconds"`)
  }
  if (f.quirks.includes("placeholder-scope")) {
    fields.push(`// the /v2/ and _catalog challenges name ${f.placeholder?.scope ?? "a placeholder"}: never ask for it`)
    fields.push(`trustChallengeScope: false`)
  }
  if (f.quirks.includes("token-get-only")) fields.push(`tokenRequest: { method: "get" }`)
  const capabilities: Array<string> = []
  if (f.catalog.supported === "no") capabilities.push("catalog: false")
  if (f.quirks.includes("delete-unsupported")) capabilities.push("delete: false")
  if (capabilities.length > 0) fields.push(`capabilities: { ${capabilities.join(", ")} }`)
  if (f.catalog.supported === "credentials only" && f.placeholder !== null) {
    fields.push(`// the catalog is listed to any account's token; there is no registry:catalog:* grant`)
    fields.push(`catalogScope: null`)
  }
  const body = fields.map((line) => `  ${line}${line.startsWith("//") ? "" : ","}`).join("\n").replace(/,$/, "")
  return `import { RegistryAdapter } from "@ociauth/core"\n\nexport const adapter = RegistryAdapter.make({\n${body}\n})\n`
}
