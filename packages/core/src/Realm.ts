/**
 * Where credentials may go: the realm rule the engine applies before it sends a
 * credential to a token server, for every other surface that sends one (a CLI,
 * a probe) to apply the same rule rather than a copy.
 *
 * A realm is accepted when it resolves (against the registry origin) to an
 * `https` URL without userinfo — or to `http` only for a registry reached over
 * plain HTTP, on a loopback host or one the user declared insecure — that
 * points at an internal address (private, link-local, CGNAT, unique-local,
 * mapped, loopback…) only when that is the registry's own host, and at a
 * private-use name (`*.internal`, `*.local`, `*.home.arpa`) only for a registry
 * on a private network itself.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as internal from "./internal/realm.js"
import type { RealmRejected } from "./RegistryError.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Hosts (`host` or `host:port`) the user declared reachable over plain HTTP: pass the runtime's own list. */
  readonly insecure?: ReadonlySet<string> | ReadonlyArray<string>
}

/**
 * The realm as the URL to send to, or why no credential may go there.
 *
 * @since 0.2.0
 * @category validation
 */
export const validate: (realm: string, registryOrigin: string, options?: Options) => Result.Result<URL, RealmRejected> =
  internal.validateRealm

/**
 * `validate` as an Effect.
 *
 * @since 0.2.0
 * @category validation
 */
export const check = (realm: string, registryOrigin: string, options: Options = {}): Effect.Effect<URL, RealmRejected> =>
  Result.match(internal.validateRealm(realm, registryOrigin, options), { onFailure: Effect.fail, onSuccess: Effect.succeed })
