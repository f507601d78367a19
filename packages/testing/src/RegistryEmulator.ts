/**
 * An in-process registry that follows the OCI distribution spec (v1.1) — `/v2/`,
 * manifests (GET, HEAD, PUT, DELETE; sha256 and sha512 digests; `subject` and
 * `OCI-Subject`; non-distributable layers), blobs (GET with `Range`, HEAD,
 * DELETE), uploads (monolithic, chunked in order, streamed, progress, cancel,
 * cross-repository mount), tags and catalog with pagination, the referrers API
 * — over in-memory content. It checks the tokens of its own `TokenServer` and
 * answers with the challenges a real registry sends (`scope`,
 * `error="invalid_token"` / `"insufficient_scope"`).
 *
 * Profiles are data (`Profile`): a record per registry says where its token
 * endpoint lives, what its tokens and challenges look like, how it refuses and
 * what it serves. The built-in ones (`profiles/`): `distribution` (the spec, as
 * the CNCF registry implements it), `dockerHub` and `ghcr` (the seed
 * transcripts), `quay`, `gitlab`, `harbor`, `nvcr`, `artifactory`, `zot` (the
 * registry reference). `start({ profile })` takes a name or a record.
 *
 * Fault injection (`faults`) and a request log shared by every server of the
 * emulator (`log`) let tests count round trips and break things on purpose.
 *
 * @since 0.1.0
 */
import type * as http from "node:http"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Scope as EffectScope } from "effect"
import type { Challenge } from "@ociauth/core"
import { Faults } from "./Faults.js"
import * as Image from "./Image.js"
import type * as ProfileModule from "./Profile.js"
import * as Profiles from "./profiles/index.js"
import * as AuthCheck from "./internal/authCheck.js"
import * as Cdn from "./internal/cdn.js"
import { ContentStore } from "./internal/content.js"
import * as IdentityExchange from "./internal/identityExchange.js"
import * as Policy from "./internal/policy.js"
import * as PullLimits from "./internal/pullLimits.js"
import * as Realms from "./internal/realms.js"
import * as Refusals from "./internal/refusals.js"
import * as Routes from "./internal/routes.js"
import { listen, scopedOnClock } from "./internal/server.js"
import type { Exchange } from "./internal/server.js"
import { Uploads } from "./internal/uploads.js"
import { RequestLog } from "./RequestLog.js"
import type * as TokenServer from "./TokenServer.js"

/**
 * A built-in profile's name, or a profile record (`Profile.make`).
 *
 * @since 0.1.0
 * @category models
 */
export type Profile = Profiles.Name | ProfileModule.Profile

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly profile?: Profile
  /**
   * Accounts: username → password. Each owns the namespace `<username>/*`: push
   * and delete only there. Pull: on `distribution`, accounts pull every
   * repository; on the other profiles, public repositories, their own and what
   * `grants` give them.
   */
  readonly users?: Readonly<Record<string, string>>
  /**
   * Access beyond the accounts' own namespaces: project members, robot
   * accounts, read-only CI tokens, admins (`{ account, type: "registry", name: "catalog", actions: ["*"] }`).
   */
  readonly grants?: ReadonlyArray<TokenServer.Grant>
  /** Repositories (exact, `prefix/*`, or `*`) anonymous users may not pull. */
  readonly privateRepositories?: ReadonlyArray<string>
  /** The token service (JWT audience) the registry challenges with and accepts; the profile's by default. */
  readonly service?: string
  /** Token lifetime (also when it is not announced, as on GHCR); the profile's by default. */
  readonly tokenTtl?: Duration.Input
  /** Docker Hub profile: anonymous pulls (manifest GETs) allowed per window and source address. The profile's (100) by default. */
  readonly pullRateLimit?: number
  /** Docker Hub profile: pulls allowed per window to a Personal account. The profile's (200) by default. @since 1.0.0 */
  readonly personalPullRateLimit?: number
  /**
   * Docker Hub profile: the plan of each account (`personal` when left out). Paid plans (`pro`,
   * `team`, `business`) pull without limit and get no `ratelimit-*` headers (docker/docs `pulls.md`).
   * @since 1.0.0
   */
  readonly accountPlans?: Readonly<Record<string, "personal" | "pro" | "team" | "business">>
  /**
   * The address anonymous pulls are counted by (Docker Hub: per IPv4 address or IPv6 /64, see
   * `pullLimitSource`): the connection's remote address by default; a test may read it from a header.
   * @since 1.0.0
   */
  readonly clientAddress?: (request: http.IncomingMessage) => string
  /**
   * When the Basic credentials a registry token is issued on expire (epoch ms): the token dies with
   * them (GAR: `GoogleOAuthServer`'s `expiresAt`, 5 min with Workload Identity Federation).
   * @since 1.0.0
   */
  readonly credentialExpiry?: (username: string, password: string) => number | undefined
  /** Largest upload kept in memory; default 256 MiB. */
  readonly maxUploadBytes?: number
  /** Scopes granted per token at most (silently, the first ones); unlimited by default. */
  readonly maxTokenScopes?: number
  /**
   * Passwords issued by a cloud API (ECR's, from `AwsEcrApi`): accepted as Basic
   * credentials by a `basicOnly` registry (ECR) and by the token endpoint (ECR Public).
   */
  readonly issuedPasswords?: TokenServer.IssuedPasswords
  /**
   * The cloud identity side, for profiles with an `exchange` (ACR): the account
   * an identity token presented to the exchange stands for, or `undefined` when
   * it is not valid (unknown, expired). `EntraStandIn.verify` fits.
   */
  readonly identity?: (token: string) => string | undefined
  /**
   * Basic credentials checked by a function, besides `users` (GAR's
   * `oauth2accesstoken` with a live OAuth2 token: `GoogleOAuthServer.authenticate` fits).
   */
  readonly authenticate?: (username: string, password: string) => string | undefined
  /** Lifetime of the exchange's refresh tokens; the profile's by default. */
  readonly refreshTokenTtl?: Duration.Input
}

/**
 * An image pushed by `pushImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushedImage {
  readonly repository: string
  readonly tag: string
  readonly digest: string
  readonly config: string
  readonly layers: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RegistryEmulator {
  /** The profile's name. */
  readonly profile: string
  /** The profile's record. */
  readonly behaviour: ProfileModule.Profile
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly tokenServer: TokenServer.TokenServer
  /** The challenge the registry sends (without scope): realm and service (as the profile announces it). */
  readonly challenge: Challenge.BearerChallenge
  /** The origin blobs are redirected to (Docker Hub's CDN, GitLab's object storage, GHCR's `pkg-containers.githubusercontent.com`). */
  readonly cdnOrigin: string | undefined
  /** The second realm challenges name once a token has expired (NGC's `authn.nvidia.com`); `undefined` for most profiles. @since 1.0.0 */
  readonly expiredRealm: TokenServer.TokenServer | undefined
  /** Every request to the registry, its token server and its CDN. */
  readonly log: RequestLog
  /** Faults of the registry (the token server has its own: `tokenServer.faults`). */
  readonly faults: Faults
  /** The path before `/v2/` (Artifactory's repository path); `""` for most registries. */
  readonly apiPrefix: string
  /** Stores a blob in a repository; returns its digest. */
  readonly putBlob: (repository: string, bytes: Uint8Array) => string
  /** A blob of `size` bytes generated as it is read (nothing is kept in memory). */
  readonly generateBlob: (repository: string, size: number, seed?: number) => string
  /** Pushes a small image (config + layers + OCI manifest) under a tag. */
  readonly pushImage: (repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>) => PushedImage
  readonly tags: (repository: string) => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

/**
 * What Docker Hub counts anonymous pulls by, as its `docker-ratelimit-source`
 * header writes it: an IPv4 address as it is, an IPv6 address as its /64
 * network (`2001:41d0:801:2000::`, docker/hub-feedback#2464).
 *
 * @since 1.0.0
 * @category utils
 */
export const pullLimitSource: (address: string) => string = PullLimits.pullLimitSource

/**
 * Starts an emulator on free loopback ports. `now` gives the time tokens are
 * issued and checked at.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, now: () => number = () => Date.now()): Promise<RegistryEmulator> => {
  const profile = resolveProfile(options.profile)
  const log = new RequestLog()
  const faults = new Faults()
  const content = new ContentStore()
  const policy = Policy.make(profile, content, options)
  const cdn = profile.blobRedirect ? await Cdn.start(profile.cdnPath, content, log, now) : undefined
  // The registry listens first: a profile's service may name its host (Artifactory). Its handler
  // needs the token side, and is in place before anyone can know the port.
  let handle: (exchange: Exchange) => Promise<void> = () => Promise.reject(new Error("the emulator is starting"))
  const registry = await listen({ name: AuthCheck.logName(profile), log, faults, handle: (exchange) => handle(exchange) })
  const host = `127.0.0.1:${registry.port}`
  const realms = await Realms.start(profile, options, { origin: registry.origin, host, log, faults }, policy, content, now)
  const { tokenServer, second } = realms
  const refusals = Refusals.make(profile, { registryOrigin: registry.origin, tokenServer, second })
  const pullLimits = PullLimits.make(profile, options, now)
  const serve = Routes.make({
    profile,
    content,
    uploads: new Uploads(content, options.maxUploadBytes ?? 256 * 1024 * 1024),
    policy,
    pullLimits,
    refusals,
    blobLocation: cdn?.location,
    now
  })
  const refreshSeconds = Math.round(Duration.toSeconds(options.refreshTokenTtl ?? profile.refreshTokenLifetime))
  const exchangeIdentity = IdentityExchange.make(tokenServer, options.identity, refreshSeconds)
  handle = AuthCheck.handler({ profile, options, realms, policy, pullLimits, refusals, serve, exchangeIdentity })

  return {
    profile: profile.name,
    behaviour: profile,
    origin: registry.origin,
    host,
    tokenServer,
    challenge: {
      scheme: "bearer",
      realm: tokenServer.realm,
      ...(profile.challenge.service ? { service: tokenServer.service } : {}),
      scopes: []
    },
    cdnOrigin: cdn?.origin,
    expiredRealm: second,
    log,
    faults,
    apiPrefix: profile.apiPrefix,
    putBlob: (repository, bytes) => content.putBlob(repository, bytes),
    generateBlob: (repository, size, seed = 1) => content.generateBlob(repository, size, seed),
    pushImage: (repository, tag, layers) => pushImage(content, repository, tag, layers),
    tags: (repository) => content.tags(repository) ?? [],
    close: async () => {
      await Promise.all([registry.close(), realms.close(), cdn?.close()])
    }
  }
}

const resolveProfile = (profile: Profile | undefined): ProfileModule.Profile => {
  if (profile === undefined) return Profiles.named.distribution
  if (typeof profile !== "string") return profile
  if (!Object.hasOwn(Profiles.named, profile)) {
    throw new Error(`RegistryEmulator: no profile named ${JSON.stringify(profile)} (profiles: ${Object.keys(Profiles.named).join(", ")}; or a Profile.make(…))`)
  }
  return Profiles.named[profile]
}

const pushImage = (content: ContentStore, repository: string, tag: string, layers?: ReadonlyArray<Uint8Array<ArrayBuffer>>): PushedImage => {
  const image = Image.make(layers)
  for (const layer of image.layers) content.putBlob(repository, layer.bytes)
  content.putBlob(repository, image.config.bytes)
  const result = content.putManifest(repository, tag, image.manifest.mediaType, new TextEncoder().encode(image.manifest.text))
  if ("_tag" in result) throw new Error(`pushImage: ${JSON.stringify(result)}`)
  return { repository, tag, digest: result.digest, config: image.config.digest, layers: image.layers.map((l) => l.digest) }
}

/**
 * An emulator as a scoped resource; its clock is the Effect `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RegistryEmulator, never, EffectScope.Scope> =>
  scopedOnClock(start, options)

/**
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Service<Emulator, RegistryEmulator>()("@ociauth/testing/Emulator") {}

/**
 * The resource as a layer, for Effect programs and test suites.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> => Layer.effect(Emulator, make(options))
