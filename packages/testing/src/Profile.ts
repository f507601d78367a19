/**
 * A registry's behaviour as data, for `RegistryEmulator.start({ profile })`:
 * where its token endpoint lives, what its tokens look like, how it refuses,
 * what its challenges say and which operations it serves. Every field left out
 * of `make` follows the distribution spec (the `distribution` profile), so a
 * registry costs one record. The built-in records live in `src/profiles/`,
 * one file each, and are listed in `named`.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import type { ExpiredAnswer, Refusal } from "./TokenServer.js"
import { ociRefusal } from "./TokenServer.js"

/**
 * How the catalog (`GET /v2/_catalog`) is served.
 *
 * - `scope`: a token granting `registry:catalog:*` (the spec, distribution, GitLab admins);
 * - `never`: nobody (Docker Hub: 401 `insufficient_scope` for any token);
 * - `accounts`: any token of an account, every repository (GHCR);
 * - `visible`: any token, the repositories its subject may pull (Quay, Zot, Artifactory);
 * - `basic`: a `Basic` challenge; accounts granted `registry:catalog:*` list it with
 *   their username and password sent to the registry itself (Harbor).
 *
 * @since 0.2.0
 * @category models
 */
export type CatalogPolicy = "scope" | "never" | "accounts" | "visible" | "basic"

/**
 * @since 0.2.0
 * @category models
 */
export interface Profile {
  readonly name: string
  /** The token service (JWT audience) challenged with and accepted; a function of the registry's `host:port` where it names the registry (Artifactory). */
  readonly service: string | ((registryHost: string) => string)
  /** The token endpoint: on an origin of its own (Docker Hub, GitLab, Zot's issuer) or mounted on the registry, at `path`. */
  readonly realm: { readonly origin: "own" | "registry"; readonly path: string }
  /** `jwt` tokens (an `access` claim a client can read) or `opaque` ones (GHCR). */
  readonly tokenFormat: "jwt" | "opaque"
  /** Whether token responses carry `expires_in` (and `issued_at`). */
  readonly expiresIn: boolean
  /** Token lifetime unless the emulator's `tokenTtl` says otherwise. */
  readonly tokenLifetime: Duration.Duration
  /** Beyond the grant: narrowed silently, 403 DENIED, or DENIED for anonymous requests only (GitLab). */
  readonly narrowing: "silent" | "deny" | "denyAnonymous"
  /** Answer `registry:*` scopes with 400 (Docker Hub, Quay's scope grammar). */
  readonly rejectRegistryScopes: boolean
  /** Refuse anonymous token requests without any scope: `true` with 401 (Quay), `"denied"` with 403 `DENIED` (GHCR, seed 000). */
  readonly anonymousNeedsScope: boolean | "denied"
  /** Serve the OAuth2 POST flow; when false POST answers 405 (Harbor, Quay). */
  readonly tokenPost: boolean
  /** `pullAll`: accounts pull every repository and list the catalog (distribution); `ownNamespace`: accounts pull only public repositories besides their own `<username>/*` and their grants. */
  readonly accounts: "pullAll" | "ownNamespace"
  /**
   * The challenge: with or without `service` (NGC); and the wording of the header an open `/v2/` answer
   * carries, `Bearer` or `bearer`, a quoted or bare realm (Zot). Refusals (401) quote the realm, as Zot's do.
   * `service: "repository"`: only challenges naming a repository scope carry `service` (GAR: not `/v2/`).
   */
  readonly challenge: { readonly scheme: "Bearer" | "bearer"; readonly quoteRealm: boolean; readonly service: boolean | "repository" }
  /** The `scope` of the `/v2/` and `_catalog` challenges instead of the needed one: GHCR's placeholder `repository:user/image:pull` (granted `pull` to accounts), NGC's empty `""`. */
  readonly baseScope: string | undefined
  readonly catalog: CatalogPolicy
  /**
   * `DELETE`: of manifests and blobs, of manifests only (blobs: 405 UNSUPPORTED, as Quay), none (405
   * UNSUPPORTED, as GHCR), or `untagged`: manifests by digest only, and only those no tag points at
   * (403 `DENIED` otherwise; blobs 405), as Docker Hub's documentation says since 2024.
   */
  readonly delete: "all" | "manifests" | "none" | "untagged"
  /** The `/v2/` answer: `{}` or an empty body (GHCR, Zot); `open`: answered without a token, still with the challenge header (Zot). */
  readonly base: { readonly body: "json" | "empty"; readonly open: boolean }
  /** `/v2` without the slash: the spec (301 for writes) or 404 with a token (GHCR). */
  readonly bareV2: "spec" | "notFound"
  /** Whether 401 bodies carry the needed access in `detail` (not GHCR). */
  readonly errorDetail: boolean
  /** An OCI index only for an `Accept` naming its type (distribution 2.8). */
  readonly negotiateIndex: boolean
  /** Docker Hub's pull rate limit headers and 429. */
  readonly rateLimit: boolean
  /**
   * With `rateLimit`, pulls per 6 h window: anonymous (per IPv4 address or IPv6 /64) and Personal
   * accounts (per account); paid accounts (`accountPlans`) are unlimited and get no headers.
   */
  readonly pullLimits: { readonly anonymous: number; readonly personal: number }
  /** Blob GETs redirected (307) to a storage origin that refuses `Authorization` (Docker Hub's CDN, GitLab's object storage). */
  readonly blobRedirect: boolean
  /** The registry also takes its accounts' `Basic` credentials itself, and names this realm in `Basic` challenges (Harbor). */
  readonly basicRealm: string | ((registryOrigin: string) => string) | undefined
  /** With `basicRealm`: Basic only, every challenge is `Basic` and no token is taken (ECR, htpasswd registries). */
  readonly basicOnly: boolean
  /** The path before `/v2/` the API is served under (Artifactory's `/artifactory/api/docker/<repo-key>`); `""` by default. */
  readonly apiPrefix: string
  /** The largest `n` of `tags/list` and `_catalog`; a larger one is answered 405 (ECR: 1000). */
  readonly maxPageSize: number | undefined
  /** The answer to an expired password issued by a cloud API (`issuedPasswords`): ECR's 403 `DENIED`; 401 by default. */
  readonly expiredCredential: ExpiredAnswer | undefined
  /** Opaque scopes the token endpoint accepts (ECR Public's `aws`). */
  readonly opaqueScopes: ReadonlyArray<string>
  /** Whether `Basic` challenges name the service too (ECR's `service="ecr.amazonaws.com"`). */
  readonly basicChallengeService: boolean
  /**
   * A cloud identity exchange on the registry at this path (ACR's `/oauth2/exchange`:
   * `grant_type=access_token` with an identity token the emulator's `identity`
   * option accepts → a refresh token for the OAuth2 POST); none by default.
   */
  readonly exchange: string | undefined
  /** How long the exchange's refresh tokens live (ACR: 3 h), unless the emulator's `refreshTokenTtl` says otherwise. */
  readonly refreshTokenLifetime: Duration.Duration
  /**
   * The username under which `GET` on the token endpoint takes a live refresh
   * token as the Basic password (ACR: `00000000-0000-0000-0000-000000000000`,
   * what `docker login` with `az acr login --expose-token` and every ACR
   * helper send); none by default. @since 1.0.0
   */
  readonly refreshTokenUsername: string | undefined
  /** The action `GET …/tags/list` needs: `pull` (the spec), ACR's `metadata_read`. */
  readonly tagsAction: string
  /** `tags/list` with Google's extra `manifests` (per digest) and `child` fields (GAR, gcr.io). */
  readonly googleTagsList: boolean
  /** With `tokenPost` false, the status a POST to the token endpoint gets: 405, or 404 (Google's `/v2/token`). */
  readonly tokenPostRefusal: number
  /** Whether the OAuth2 POST needs `client_id` (the spec); ACR's documented POST has none. */
  readonly postNeedsClientId: boolean
  /** How the token endpoint refuses wrong credentials: OCI `errors` (default), Docker Hub's `{"details": …}`, plain text. */
  readonly tokenRefusal: Refusal
  /** The fields of a GET token answer: `token` and `access_token`, or `token` alone (GHCR, Quay). */
  readonly tokenFields: "both" | "token"
  /** JSON bodies end with `\n`, as Go servers write them (Docker Hub, GHCR: every Content-Length of the seeds). */
  readonly jsonNewline: boolean
  /**
   * Names the token endpoint refuses with 400 before looking them up: `namespaced` refuses names
   * without an owner (`toddysm`) and wildcards (`*`), as GHCR (seed 000).
   */
  readonly repositoryNames: "any" | "namespaced"
  /**
   * With `narrowing: "deny"`, an anonymous request for a repository it may not pull at all (private
   * or absent): 403 `DENIED` (`denied`), or 401 `UNAUTHORIZED` (`unauthorized`, GHCR,
   * openai/tunnel-client#75) — except the `baseScope` placeholder, which stays 403 (seed 000).
   */
  readonly anonymousRefusal: "denied" | "unauthorized"
  /**
   * An authenticated `push` the account may not do: narrowed silently with the rest (`narrow`, the
   * spec) or refused (`refuse`: 405 `UNSUPPORTED` "No permission to modify repository", or
   * "Unknown namespace" when no account or repository has that namespace, as Quay's `v2auth.py`).
   */
  readonly pushWithoutPermission: "narrow" | "refuse"
  /**
   * A second token realm, on an origin of its own, that challenges name once a token has expired
   * (NGC: `realm="https://authn.nvidia.com/token",service="registry",error="invalid_token"`,
   * NVIDIA/nvidia-container-toolkit#1945). Its tokens are accepted by the registry; it refuses
   * anonymous requests (401) unless `anonymous` is true.
   */
  readonly expiredRealm: { readonly path: string; readonly service: string; readonly anonymous: boolean } | undefined
  /** Scopes granted nothing: an `access` entry with `actions: []` (distribution), or none (Docker Hub's `"access":[]`, seed 002). */
  readonly accessWithoutActions: "entry" | "omit"
  /** The path blobs are redirected to on the CDN stand-in, before the digest: `/blobs/`; GHCR's `/ghcr1/blobs/`. */
  readonly cdnPath: string
}

/**
 * The spec's behaviour: every field `make` fills in.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaults: Profile = {
  name: "custom",
  service: "ociauth-emulator",
  realm: { origin: "own", path: "/token" },
  tokenFormat: "jwt",
  expiresIn: true,
  tokenLifetime: Duration.seconds(300),
  narrowing: "silent",
  rejectRegistryScopes: false,
  anonymousNeedsScope: false,
  tokenPost: true,
  accounts: "ownNamespace",
  challenge: { scheme: "Bearer", quoteRealm: true, service: true },
  baseScope: undefined,
  catalog: "scope",
  delete: "all",
  base: { body: "json", open: false },
  bareV2: "spec",
  errorDetail: true,
  negotiateIndex: false,
  rateLimit: false,
  blobRedirect: false,
  basicRealm: undefined,
  basicOnly: false,
  apiPrefix: "",
  maxPageSize: undefined,
  expiredCredential: undefined,
  opaqueScopes: [],
  basicChallengeService: false,
  exchange: undefined,
  refreshTokenLifetime: Duration.hours(3),
  refreshTokenUsername: undefined,
  tagsAction: "pull",
  googleTagsList: false,
  tokenPostRefusal: 405,
  pullLimits: { anonymous: 100, personal: 200 },
  postNeedsClientId: true,
  tokenRefusal: ociRefusal,
  tokenFields: "both",
  jsonNewline: false,
  repositoryNames: "any",
  anonymousRefusal: "denied",
  pushWithoutPermission: "narrow",
  expiredRealm: undefined,
  accessWithoutActions: "entry",
  cdnPath: "/blobs/"
}

/**
 * A profile: the spec's behaviour with these differences.
 *
 * @example
 * ```ts
 * import { Profile } from "@ociauth/testing"
 *
 * export const inHouse = Profile.make({ name: "inHouse", service: "registry.corp", tokenLifetime: "15 minutes", delete: "none" })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  fields: Partial<Omit<Profile, "name" | "tokenLifetime" | "refreshTokenLifetime">> & {
    readonly name: string
    readonly tokenLifetime?: Duration.Input
    readonly refreshTokenLifetime?: Duration.Input
  }
): Profile => ({
  ...defaults,
  ...fields,
  tokenLifetime: Duration.fromInputUnsafe(fields.tokenLifetime ?? defaults.tokenLifetime),
  refreshTokenLifetime: Duration.fromInputUnsafe(fields.refreshTokenLifetime ?? defaults.refreshTokenLifetime)
})
