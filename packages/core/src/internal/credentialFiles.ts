/** Docker's and podman's config files as credential sources: where they are, how they are read. */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import type { PlatformError } from "effect"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Credential from "../Credential.js"
import * as CredentialHelper from "../CredentialHelper.js"
import type { FileOptions, Service } from "../CredentialProvider.js"
import * as DockerConfig from "../DockerConfig.js"
import { CredentialError } from "../RegistryError.js"
import * as liveEnvironment from "./liveEnvironment.js"

/**
 * A provider over a config file's content (docker's `config.json` or podman's
 * `auth.json`). The content is read, and a helper asked, on every call: the
 * engine (`Authenticator`) caches each answer for its lifetime. A missing file
 * means no credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConfig = (
  load: Effect.Effect<Option.Option<DockerConfig.File>, CredentialError>,
  file: string,
  options: FileOptions = {}
): Effect.Effect<Service, never, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function* () {
    const executor = yield* ChildProcessSpawner.ChildProcessSpawner
    // Read on every call: the engine caches each answer until shortly before it
    // expires, so a `docker login` or a helper's new token is seen in time.
    const config = load
    const ask = (helper: string, serverUrl: string) =>
      CredentialHelper.get(helper, serverUrl, options.helperTimeout === undefined ? {} : { timeout: options.helperTimeout }).pipe(
        Effect.provideService(ChildProcessSpawner.ChildProcessSpawner, executor)
      )
    return {
      get: (host) =>
        Effect.flatMap(config, (content) => {
          if (Option.isNone(content)) return Effect.succeed(Credential.anonymous)
          const source = DockerConfig.lookup(content.value, host, file)
          if (Result.isFailure(source)) return Effect.fail(source.failure)
          switch (source.success._tag) {
            case "None":
              return Effect.succeed(Credential.anonymous)
            case "Entry":
              return Effect.succeed(source.success.credential)
            case "Helper": {
              const { fallback, helper, serverUrl } = source.success
              return Effect.map(ask(helper, serverUrl), (answer) =>
                Option.getOrElse(Option.orElse(answer, () => fallback), () => Credential.anonymous)
              )
            }
          }
        })
    } satisfies Service
  })

export const readFile = (fs: FileSystem.FileSystem, file: string): Effect.Effect<Option.Option<DockerConfig.File>, CredentialError> =>
  fs.exists(file).pipe(
    Effect.flatMap((exists) =>
      exists ? Effect.map(Effect.flatMap(fs.readFileString(file), (text) => DockerConfig.parseEffect(text, file)), Option.some) : Effect.succeedNone
    ),
    Effect.catchTag("PlatformError", (e: PlatformError.PlatformError) =>
      Effect.fail(
        new CredentialError({
          source: file,
          registry: "*",
          reason: e.reason._tag === "BadArgument" ? "cannot read the file" : `cannot read the file (${e.reason._tag})`
        })
      )
    )
  )

/** The first of `candidates` that exists, else the first. */
export const firstExisting = (fs: FileSystem.FileSystem, candidates: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    for (const candidate of candidates) if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) return candidate
    return candidates[0]!
  })

export const env = (name: string) =>
  liveEnvironment.provide(Config.option(Config.String(name)).pipe(Effect.orElseSucceed(() => Option.none<string>())))

/**
 * Where docker keeps its config: `options.path`, else
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 *
 * @since 0.2.0
 * @category utils
 */
export const dockerConfigPath = (options: Pick<FileOptions, "path"> = {}): Effect.Effect<string, never, Path.Path> =>
  Effect.gen(function* () {
    if (options.path !== undefined) return options.path
    const path = yield* Path.Path
    const home = yield* env("HOME")
    const dir = yield* env("DOCKER_CONFIG")
    return path.join(Option.getOrElse(dir, () => path.join(Option.getOrElse(home, () => "."), ".docker")), "config.json")
  })

