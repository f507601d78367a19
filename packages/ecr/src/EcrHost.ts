/**
 * Amazon ECR registry hosts: `<12-digit account>.dkr.ecr.<region>.amazonaws.com`
 * and every variant the AWS credential helper (`docker-credential-ecr-login`)
 * accepts — dual-stack `dkr-ecr`, FIPS `ecr-fips`, China (`amazonaws.com.cn`,
 * `on.amazonwebservices.com.cn`), `on.aws`, the European Sovereign Cloud
 * (`amazonaws.eu`), GovCloud (`us-gov-*` regions) and the ISO partitions
 * (`c2s.ic.gov`, `sc2s.sgov.gov`, `cloud.adc-e.uk`, `csp.hci.ic.gov`). The
 * account and region are read from the host; a port is allowed and ignored.
 *
 * A pure parser: `parse` gives a `Result`, `parseEffect` an `Effect`, `matches`
 * a predicate.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
/**
 * @since 0.1.0
 * @category models
 */
export interface EcrHost {
  /** The registry ID: the 12-digit AWS account. */
  readonly account: string
  readonly region: string
  /** `<account>.dkr.ecr-fips.<region>…`: the API must be called on its FIPS endpoint. */
  readonly fips: boolean
  /** `<account>.dkr-ecr.<region>…`: the dual-stack (IPv4 and IPv6) registry endpoint. */
  readonly dualStack: boolean
  /** The DNS suffix after the region: `amazonaws.com`, `amazonaws.com.cn`, `c2s.ic.gov`, … */
  readonly domain: string
}

/**
 * @since 0.1.0
 * @category errors
 */
export class EcrHostError extends Data.TaggedError("EcrHostError")<{ readonly host: string }> {
  /** @since 0.1.0 */
  override get message(): string {
    return `${JSON.stringify(this.host.slice(0, 256))} is not an Amazon ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)`
  }
}

/** The AWS helper's pattern (ecr-login/api/client.go), anchored, with the port split off first. */
const PATTERN =
  /^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/

/** The host of `host[:port]`, or of a URL (a `proxyEndpoint`); `undefined` for anything else. */
const hostname = (input: string): string | undefined => {
  let host = input.trim()
  if (host.includes("://")) {
    try {
      host = new URL(host).host
    } catch {
      return undefined
    }
  } else if (host.includes("/")) {
    return undefined
  }
  const port = /:\d{1,5}$/.exec(host)
  if (port !== null) host = host.slice(0, port.index)
  return host.toLowerCase()
}

/** The pattern's match on the host of `host`, or `null`. */
const patternMatch = (host: string): RegExpExecArray | null => {
  const name = host.length > 512 ? undefined : hostname(host)
  return name === undefined ? null : PATTERN.exec(name)
}

/**
 * Reads account, region and endpoint flavour from a host (`host[:port]`, or a
 * URL such as a `proxyEndpoint`).
 *
 * @example
 * ```ts
 * import { EcrHost } from "@ociauth/ecr"
 * import { Result } from "effect"
 *
 * const host = Result.getOrThrow(EcrHost.parse("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com"))
 * // { account: "123456789012", region: "us-gov-west-1", fips: true, dualStack: false, domain: "amazonaws.com" }
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (host: string): Result.Result<EcrHost, EcrHostError> => {
  const match = patternMatch(host)
  if (match === null) return Result.fail(new EcrHostError({ host }))
  const [, account, separator, fips, region, domain] = match as unknown as [string, string, string, string | undefined, string, string]
  return Result.succeed({ account, region, fips: fips !== undefined, dualStack: separator === "-", domain })
}

/**
 * @since 0.1.0
 * @category parsing
 */
export const parseEffect = (host: string): Effect.Effect<EcrHost, EcrHostError> => Effect.fromResult(parse(host))

/**
 * Whether `host` is an ECR registry host.
 *
 * @since 0.1.0
 * @category predicates
 */
export const matches = (host: string): boolean => patternMatch(host) !== null // no error built for every other host

/**
 * The registry's canonical host, as `proxyEndpoint` and `docker login` name it.
 *
 * @since 0.1.0
 * @category getters
 */
export const format = (host: EcrHost): string =>
  `${host.account}.dkr${host.dualStack ? "-" : "."}ecr${host.fips ? "-fips" : ""}.${host.region}.${host.domain}`
