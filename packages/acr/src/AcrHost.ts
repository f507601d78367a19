/**
 * Azure Container Registry host names, parsed (registry reference §8):
 * the login server `<name>.azurecr.io` (with a domain-name-label hash,
 * `<name>-<hash>.azurecr.io`), the sovereign clouds `azurecr.cn`, `azurecr.us`,
 * `azurecr.de`, geo-replicas `<name>.<region>.geo.azurecr.io` and dedicated data
 * endpoints `<name>.<region>.data.azurecr.io`. Registry names are 5–50 letters
 * and digits; anything else — a port, a path, another suffix — is not ACR.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
/**
 * The clouds' registry domains.
 *
 * @since 0.1.0
 * @category constants
 */
export const suffixes: ReadonlyArray<string> = ["azurecr.io", "azurecr.cn", "azurecr.us", "azurecr.de"]

/**
 * @since 0.1.0
 * @category models
 */
export interface AcrHost {
  /** The registry's name (with its domain-name-label hash, if any). */
  readonly name: string
  /** The cloud's domain: `azurecr.io`, `azurecr.cn`, `azurecr.us` or `azurecr.de`. */
  readonly suffix: string
  /** `login`: the login server; `geo`: a geo-replica; `data`: a dedicated data endpoint (blobs only). */
  readonly kind: "login" | "geo" | "data"
  /** The replica's or data endpoint's region. */
  readonly region: Option.Option<string>
  /** The login server every host of the registry belongs to: its token service and credential key. */
  readonly loginServer: string
}

const NAME = /^[a-z0-9]{5,50}(?:-[a-z0-9]{1,64})?$/
const REGION = /^[a-z][a-z0-9]{1,39}$/

/**
 * Reads a host (`host[:port]`, any case); `None` when it is not an ACR host.
 *
 * @example
 * ```ts
 * import { AcrHost } from "@ociauth/acr"
 *
 * AcrHost.parse("contoso.westeurope.geo.azurecr.io")
 * // Some({ name: "contoso", suffix: "azurecr.io", kind: "geo", region: Some("westeurope"), loginServer: "contoso.azurecr.io" })
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (host: string): Option.Option<AcrHost> => {
  const lower = host.toLowerCase()
  const suffix = suffixes.find((s) => lower.endsWith(`.${s}`))
  if (suffix === undefined) return Option.none()
  const labels = lower.slice(0, -(suffix.length + 1)).split(".")
  const name = labels[0]!
  if (!NAME.test(name)) return Option.none()
  const loginServer = `${name}.${suffix}`
  if (labels.length === 1) return Option.some({ name, suffix, kind: "login", region: Option.none(), loginServer })
  if (labels.length === 3 && REGION.test(labels[1]!) && (labels[2] === "geo" || labels[2] === "data")) {
    return Option.some({ name, suffix, kind: labels[2], region: Option.some(labels[1]!), loginServer })
  }
  return Option.none()
}

/**
 * Whether a host is an ACR host.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAcrHost = (host: string): boolean => Option.isSome(parse(host))

/**
 * The login server of an ACR host, else the host itself (lower-cased).
 *
 * @since 0.1.0
 * @category getters
 */
export const loginServer = (host: string): string =>
  Option.match(parse(host), { onNone: () => host.toLowerCase(), onSome: (parsed) => parsed.loginServer })
