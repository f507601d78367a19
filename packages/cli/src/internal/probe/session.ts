/**
 * One run of the probe: where it goes (the API origin), with what identity,
 * and what it has recorded so far (the exchanges for the transcript, the
 * secrets to scrub, the rate limits met, the token attempts).
 */
import { Credential, Registries } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { RegistryClient } from "@ociauth/fetch"
import { Builtins } from "ociauth"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Base64 from "effect/encoding/Base64"
import * as HttpClient from "effect/http/HttpClient"
import type * as Findings from "../../Findings.js"
import type * as Probe from "../../Probe.js"
import type { Exchange } from "../../Transcript.js"
import { ProbeError } from "../probeError.js"

/**
 * The time one exchange of the probe has when `Probe.Options.deadline` is not given: the SDK's default
 * request deadline (`RegistryClient.defaultDeadline`), so that `probe` gives a silent registry up
 * when `request` and `token` do.
 */
export const DEFAULT_DEADLINE = RegistryClient.defaultDeadline

export interface Session {
  readonly client: HttpClient.HttpClient
  readonly deadline: Duration.Duration
  readonly registry: string
  readonly origin: string
  readonly host: string
  readonly credential: Credential.Credential
  readonly hasCredentials: boolean
  /** The identity the repository is probed with: the credentials when there are some. */
  readonly primary: "anonymous" | "credentials"
  /** The hosts whose plain-HTTP API may receive credentials: the probed host when `--insecure`. */
  readonly insecureHosts: ReadonlyArray<string>
  /** The `Authorization` value of `Basic` credentials. */
  readonly basicHeader: string | undefined
  readonly step: (title: string) => Effect.Effect<void>
  readonly exchanges: Array<Exchange>
  /** Every secret sent or received, for the findings and the transcript to scrub. */
  readonly secrets: Array<string>
  /** The rate limits met, one per kind and server. */
  readonly limits: Array<Findings.RateLimitSeen>
  /** The `Authorization` values that carry the credentials (Basic, or a token issued on them). */
  readonly credentialed: Set<string>
  readonly attempts: Array<Findings.TokenAttempt>
}

/** The API origin for what the user typed: a URL as it is; a host through the built-in adapters (docker.io → registry-1.docker.io). */
export const originOf = (registry: string, insecure: boolean): Result.Result<string, string> => {
  try {
    if (registry.includes("://")) return Result.succeed(new URL(registry).origin)
    const host = new URL(`https://${registry}`).host
    const origin = Registries.make(Builtins.adapters).resolve(host).origin(host)
    return Result.succeed(insecure ? origin.replace(/^https:/, "http:") : origin)
  } catch {
    return Result.fail(`"${registry}" is neither a host[:port] nor a URL`)
  }
}

/**
 * A run's session, or `ProbeError` (`Usage`) for a registry that is no host or URL, or for credentials that
 * would go over plain HTTP where the engine would not send them (only loopback or a host declared `--insecure`).
 */
export const make = (options: Probe.Options): Effect.Effect<Session, ProbeError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const deadline = Duration.fromInputUnsafe(options.deadline ?? DEFAULT_DEADLINE)
    const origin = yield* Result.match(originOf(options.registry, options.insecure ?? false), {
      onFailure: (reason) => Effect.fail(new ProbeError({ reason: "Usage", detail: reason })),
      onSuccess: Effect.succeed
    })
    const host = new URL(origin).host
    const credential = options.credential ?? Credential.anonymous
    const basicHeader = credential._tag === "Basic" ? Base64.encode(`${credential.username}:${Redacted.value(credential.password)}`) : undefined
    const hasCredentials = credential._tag !== "Anonymous"
    // The engine's rules, not a copy: credentials over plain HTTP only to loopback or a host declared --insecure;
    // a realm only where Realm.validate lets credentials go.
    const insecureHosts = options.insecure === true ? [host] : []
    if (hasCredentials && new URL(origin).protocol === "http:" && !Unstable.mayUsePlainHttp(origin, insecureHosts)) {
      return yield* new ProbeError({
        reason: "Usage",
        detail: `${origin} is plain HTTP: credentials go over plain HTTP only to loopback or to a host declared with --insecure`
      })
    }
    return {
      client,
      deadline,
      registry: options.registry,
      origin,
      host,
      credential,
      hasCredentials,
      primary: hasCredentials ? "credentials" : "anonymous",
      insecureHosts,
      basicHeader: basicHeader === undefined ? undefined : `Basic ${basicHeader}`,
      step: options.onStep ?? (() => Effect.void),
      exchanges: [],
      secrets: [...Credential.secrets(credential), ...(basicHeader === undefined ? [] : [basicHeader])],
      limits: [],
      credentialed: new Set(),
      attempts: []
    }
  })

/** A request to the registry's API that is not the catalog (which a valid account may be refused). */
const isApiRequest = (session: Session, url: string): boolean =>
  url.startsWith(`${session.origin}/v2/`) && !/^\/v2\/_catalog(\?|$)/.test(url.slice(session.origin.length))

/**
 * Whether the registry refused the credentials given, as the SDK would read it (`Unauthorized`): the token
 * server answered 401 to them (a GET with them as Basic, or an identity token's POST; a password's POST
 * refused is asked again with GET, as the SDK does), or the registry answered 401 to a request that carried
 * them as Basic (the catalog aside: an account may be refused it).
 */
export const credentialsRefused = (session: Session): boolean =>
  session.hasCredentials &&
  (session.attempts.some((a) =>
    a.identity === "credentials" && a.refusal === "Unauthorized" && (a.method === "GET" || session.credential._tag === "IdentityToken")
  ) ||
    (session.basicHeader !== undefined &&
      session.exchanges.some((e) => e.status === 401 && e.requestHeaders.authorization === session.basicHeader && isApiRequest(session, e.url))))
