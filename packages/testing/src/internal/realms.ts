/**
 * An emulator's token side: its token endpoint, on an origin of its own (Docker
 * Hub's auth.docker.io, GitLab's instance, Zot's issuer) or mounted on the
 * registry (GHCR, Quay, Harbor, …), configured from the profile; and the second
 * realm challenges name once a token has expired (NGC's authn.nvidia.com).
 */
import type { Faults } from "../Faults.js"
import type { Profile } from "../Profile.js"
import type { Options } from "../RegistryEmulator.js"
import type { RequestLog } from "../RequestLog.js"
import * as TokenServer from "../TokenServer.js"
import type { ContentStore } from "./content.js"
import type { Policy } from "./policy.js"

export interface Realms {
  /** The registry's token server; one mounted on the registry has its origin, faults and log, and nothing to close. */
  readonly tokenServer: TokenServer.TokenServer
  /** The token endpoint the registry serves on its own origin, if it does. */
  readonly mounted: TokenServer.Endpoint | undefined
  readonly second: TokenServer.TokenServer | undefined
  readonly close: () => Promise<void>
}

/** GHCR's names (seed 000): an owner and a name; `toddysm` and `*` are 400. */
const namespacedOnly = (name: string): TokenServer.ErrorAnswer | undefined =>
  !name.includes("/") || name.includes("*") ? { status: 400, code: "NAME_INVALID", message: "invalid repository name" } : undefined

/** Quay's refusal of a push the account may not do: "Unknown namespace" when no account or repository has it. */
const pushRefusal = (users: Readonly<Record<string, string>>, content: ContentStore) => (_subject: string, name: string): TokenServer.ErrorAnswer => {
  const namespace = name.split("/")[0]!
  const known = users[namespace] !== undefined || content.catalog().some((repository) => repository.split("/")[0] === namespace)
  return { status: 405, code: "UNSUPPORTED", message: known ? "No permission to modify repository" : "Unknown namespace", detail: {} }
}

/** The registry token endpoint's options: the profile's, with the emulator's `options` where they say otherwise. */
const tokenOptions = (profile: Profile, options: Options, host: string, policy: Policy, content: ContentStore, log: RequestLog): TokenServer.Options => ({
  service: options.service ?? (typeof profile.service === "string" ? profile.service : profile.service(host)),
  path: profile.realm.path,
  users: options.users ?? {},
  authorize: policy.actions,
  ttl: options.tokenTtl ?? profile.tokenLifetime,
  omitExpiresIn: !profile.expiresIn,
  tokenFormat: profile.tokenFormat,
  narrowing: profile.narrowing,
  rejectRegistryScopes: profile.rejectRegistryScopes,
  anonymousNeedsScope: profile.anonymousNeedsScope,
  oauth: profile.tokenPost,
  ...(options.maxTokenScopes === undefined ? {} : { maxScopes: options.maxTokenScopes }),
  log,
  ...(options.issuedPasswords === undefined ? {} : { issuedPasswords: options.issuedPasswords }),
  ...(profile.expiredCredential === undefined ? {} : { expiredCredential: profile.expiredCredential }),
  opaqueScopes: profile.opaqueScopes,
  postRefusal: profile.tokenPostRefusal,
  ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
  refusal: profile.tokenRefusal,
  tokenFields: profile.tokenFields,
  postNeedsClientId: profile.postNeedsClientId,
  ...(profile.refreshTokenUsername === undefined ? {} : { refreshTokenUsername: profile.refreshTokenUsername }),
  jsonNewline: profile.jsonNewline,
  omitEmptyAccess: profile.accessWithoutActions === "omit",
  ...(profile.repositoryNames === "namespaced" ? { invalidName: namespacedOnly } : {}),
  ...(profile.anonymousRefusal === "unauthorized"
    ? { anonymousRefusal: (name: string) => (name === policy.placeholder ? 403 as const : 401 as const) }
    : {}),
  ...(profile.pushWithoutPermission === "refuse" ? { pushRefusal: pushRefusal(options.users ?? {}, content) } : {}),
  ...(options.credentialExpiry === undefined ? {} : { credentialExpiry: options.credentialExpiry })
})

/** The second realm's token server (NGC): accounts only, unless the profile lets anonymous users in. */
const startSecond = (profile: Profile, options: Options, policy: Policy, log: RequestLog, now: () => number) =>
  profile.expiredRealm === undefined
    ? Promise.resolve(undefined)
    : TokenServer.start({
        service: profile.expiredRealm.service,
        path: profile.expiredRealm.path,
        issuer: "ociauth-test-second-realm",
        name: "token2",
        users: options.users ?? {},
        authorize: policy.actions,
        ttl: options.tokenTtl ?? profile.tokenLifetime,
        requireCredentials: !profile.expiredRealm.anonymous,
        oauth: false,
        log,
        ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate })
      }, now)

/** Starts the token side of a registry listening at `registry.origin` (`host`), sharing its log and, when mounted, its faults. */
export const start = async (
  profile: Profile,
  options: Options,
  registry: { readonly origin: string; readonly host: string; readonly log: RequestLog; readonly faults: Faults },
  policy: Policy,
  content: ContentStore,
  now: () => number
): Promise<Realms> => {
  const config = tokenOptions(profile, options, registry.host, policy, content, registry.log)
  const mounted = profile.realm.origin === "registry" ? TokenServer.endpoint(config, now) : undefined
  const tokenServer: TokenServer.TokenServer = mounted === undefined
    ? await TokenServer.start(config, now)
    : {
        origin: registry.origin,
        realm: `${registry.origin}${mounted.path}`,
        service: mounted.service,
        issuer: mounted.issuer,
        rootCertificatePem: mounted.rootCertificatePem,
        log: registry.log,
        faults: registry.faults,
        verify: mounted.verify,
        inspect: mounted.inspect,
        issue: mounted.issue,
        issueRefreshToken: mounted.issueRefreshToken,
        close: () => Promise.resolve()
      }
  const second = await startSecond(profile, options, policy, registry.log, now)
  return {
    tokenServer,
    mounted,
    second,
    close: async () => {
      await Promise.all([tokenServer.close(), second?.close()])
    }
  }
}
