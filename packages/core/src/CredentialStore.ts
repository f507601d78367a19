/**
 * Where credentials are written: the writable sibling of the read-only
 * `CredentialProvider`, for `login` and `logout`. The docker implementation
 * does what `docker login` / `docker logout` do: through the credential helper
 * docker would use for the host (`credHelpers[host]`, else `credsStore`, with
 * an empty `auths` entry left as docker leaves it), or into `auths` (base64
 * `auth`). The rest of the file is kept as it is, and so are its permissions
 * (a new file is `0600`); the file is replaced atomically: written to a new
 * file of a random name beside it (created exclusively, `0600`), then renamed
 * over it, and nothing is left behind, also on failure. A symlinked file is
 * written through to its target, as docker does.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import type { PlatformError } from "effect"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as CredentialHelper from "./CredentialHelper.js"
import { dockerConfigPath } from "./internal/credentialFiles.js"
import type { FileOptions } from "./CredentialProvider.js"
import * as DockerConfig from "./DockerConfig.js"
import { CredentialError } from "./RegistryError.js"

/**
 * Where a credential was written to or erased from: the file, and the helper
 * when one keeps the secret. No secret.
 *
 * @since 0.2.0
 * @category models
 */
export interface Location {
  readonly file: string
  /** `docker-credential-<helper>` keeps the secret; `None`: the file's `auths` does. */
  readonly helper: Option.Option<string>
  /** The key docker uses: `https://index.docker.io/v1/` for Docker Hub, else the host. */
  readonly serverAddress: string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  readonly store: (host: string, credential: CredentialHelper.Storable) => Effect.Effect<Location, CredentialError>
  /** Forgets `host`; `found` says whether anything was stored. */
  readonly erase: (host: string) => Effect.Effect<Location & { readonly found: boolean }, CredentialError>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class CredentialStore extends Context.Service<CredentialStore, Service>()("@ociauth/core/CredentialStore") {}

type Json = Record<string, unknown>

/**
 * Docker's config file as a store (see the module's description).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeDockerConfig = (
  options: FileOptions = {}
): Effect.Effect<Service, never, FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const executor = yield* ChildProcessSpawner.ChildProcessSpawner
    const helperOptions = options.helperTimeout === undefined ? {} : { timeout: options.helperTimeout }
    const failure = (file: string, registry: string, reason: string) => new CredentialError({ source: file, registry, reason })

    const read = (file: string): Effect.Effect<{ readonly json: Json; readonly mode: number }, CredentialError> =>
      Effect.gen(function* () {
        if (!(yield* fs.exists(file))) return { json: {}, mode: 0o600 }
        const [text, info] = yield* Effect.all([fs.readFileString(file), fs.stat(file)])
        const json = yield* Effect.try({ try: (): unknown => JSON.parse(text), catch: () => failure(file, "*", "not valid JSON: fix or move it") })
        if (typeof json !== "object" || json === null || Array.isArray(json)) return yield* failure(file, "*", "not a JSON object: fix or move it")
        const parsed = DockerConfig.parse(text, file)
        if (Result.isFailure(parsed)) return yield* parsed.failure
        return { json: json as Json, mode: info.mode & 0o777 }
      }).pipe(
        Effect.catchTag("PlatformError", (e: PlatformError.PlatformError) =>
          Effect.fail(failure(file, "*", e.reason._tag === "BadArgument" ? "cannot read the file" : `cannot read the file (${e.reason._tag})`))
        )
      )

    // A symlinked config.json is written through to its target, as docker does (dotfile managers link it):
    // links are followed one by one, a relative target from the link's folder.
    const resolveLinks = (file: string): Effect.Effect<string, CredentialError> =>
      Effect.gen(function* () {
        let current = file
        for (let hops = 0; hops < 32; hops++) {
          const link = yield* Effect.option(fs.readLink(current))
          if (Option.isNone(link)) return current
          current = path.resolve(path.dirname(current), link.value)
        }
        return yield* failure(file, "*", "too many levels of symbolic links")
      })

    // A new file of our own beside the target: a random name created exclusively (`wx`: an existing file,
    // folder or symlink there is never followed nor replaced), 0600 from the start. Removed on any failure.
    const createTemp = (target: string, data: string): Effect.Effect<string, PlatformError.PlatformError> =>
      Effect.gen(function* () {
        for (let attempt = 0; ; attempt++) {
          const temp = path.join(path.dirname(target), `${path.basename(target)}.${crypto.randomUUID()}.tmp`)
          const created = yield* fs.writeFile(temp, new TextEncoder().encode(data), { flag: "wx", mode: 0o600 }).pipe(
            Effect.as(true),
            Effect.catchIf(
              (e) => e.reason._tag === "AlreadyExists" && attempt < 8,
              () => Effect.succeed(false)
            ),
            Effect.onError((cause) =>
              Cause.findErrorOption(cause).pipe(Option.exists((e) => e.reason._tag === "AlreadyExists"))
                ? Effect.void
                : Effect.ignore(fs.remove(temp))
            )
          )
          if (created) return temp
        }
      })

    // Written beside the file (its target, for a link), then renamed over it: a reader never sees half a
    // file, and nothing is left behind, also when something fails.
    const write = (file: string, json: Json, mode: number): Effect.Effect<void, CredentialError> =>
      Effect.gen(function* () {
        const target = yield* resolveLinks(file)
        yield* fs.makeDirectory(path.dirname(target), { recursive: true, mode: 0o700 })
        const temp = yield* createTemp(target, `${JSON.stringify(json, null, "\t")}\n`)
        yield* Effect.andThen(fs.chmod(temp, mode), fs.rename(temp, target)).pipe(Effect.onError(() => Effect.ignore(fs.remove(temp))))
      }).pipe(
        Effect.catchTag("PlatformError", (e: PlatformError.PlatformError) =>
          Effect.fail(failure(file, "*", e.reason._tag === "BadArgument" ? "cannot write the file" : `cannot write the file (${e.reason._tag})`))
        )
      )

    const locate = (host: string) =>
      Effect.gen(function* () {
        const file = yield* dockerConfigPath(options).pipe(Effect.provideService(Path.Path, path))
        const { json, mode } = yield* read(file)
        const config = Result.getOrElse(DockerConfig.parse(JSON.stringify(json), file), () => ({}))
        const location: Location = { file, helper: DockerConfig.helperFor(config, host), serverAddress: DockerConfig.serverAddress(host) }
        return { json, mode, location }
      })

    const withExecutor = <A, E>(effect: Effect.Effect<A, E, ChildProcessSpawner.ChildProcessSpawner>) =>
      Effect.provideService(effect, ChildProcessSpawner.ChildProcessSpawner, executor)

    return {
      store: (host, credential) =>
        Effect.gen(function* () {
          const { json, location, mode } = yield* locate(host)
          if (Option.isSome(location.helper)) {
            yield* withExecutor(CredentialHelper.store(location.helper.value, location.serverAddress, credential, helperOptions))
          }
          const entry = Option.isSome(location.helper) ? {} : DockerConfig.entryFor(credential)
          yield* write(location.file, DockerConfig.withEntry(json, host, entry), mode)
          return location
        }),
      erase: (host) =>
        Effect.gen(function* () {
          const { json, location, mode } = yield* locate(host)
          const inHelper = Option.isSome(location.helper)
            ? yield* withExecutor(CredentialHelper.erase(location.helper.value, location.serverAddress, helperOptions))
            : false
          const inFile = DockerConfig.hasEntry(json, host)
          if (inFile) yield* write(location.file, DockerConfig.withoutEntry(json, host), mode)
          return { ...location, found: inHelper || inFile }
        })
    } satisfies Service
  })

/**
 * @since 0.2.0
 * @category layers
 */
export const layerDockerConfig = (
  options?: FileOptions
): Layer.Layer<CredentialStore, never, FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> =>
  Layer.effect(CredentialStore, makeDockerConfig(options))
