/**
 * The credentials a Node machine already has, through `@effect/platform-node-shared`:
 * the environment (`OCIAUTH_*`), docker's `config.json` (`$DOCKER_CONFIG`,
 * `auths`, `credHelpers`, `credsStore`, `$DOCKER_AUTH_CONFIG`) with its
 * credential helper processes, and podman's `auth.json`. This module is the
 * only place in ociauth that touches the file system or starts processes.
 *
 * @since 0.1.0
 */
import { CredentialProvider, CredentialStore, RegistryError } from "@ociauth/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Platform from "#platform"
import type { FileSystem, Path } from "effect"
import type { ChildProcessSpawner } from "effect/process"

/**
 * Node's file system, path and process services (also on Bun and Deno, through
 * their Node compatibility). A bundle for the browser gets, in their place,
 * a machine with no files and no processes: the package's `#platform` import
 * resolves by the `node` condition, which browser bundlers do not set.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPlatform: Layer.Layer<FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> =
  // Node's file system modules are loaded when the layer is built, not when `ociauth` is imported,
  // and its process spawner on the first spawn: a program that never reads the machine's credentials
  // never loads them, and a lookup that runs no credential helper never loads the spawner.
  Platform.layer

/**
 * Options of `layerWith`: credentials of your own tried first, and where the
 * docker and podman files are.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = NonNullable<Parameters<typeof CredentialProvider.layerDefault>[0]>

/**
 * What a runtime throws when it refuses a permission (Deno without `--allow-env`,
 * `--allow-read`, …): a defect of the lookup, turned into the typed error.
 */
const refusedPermission = (defect: unknown): defect is Error =>
  defect instanceof Error && (defect.name === "NotCapable" || defect.name === "PermissionDenied")

const refusal = (host: string, defect: Error) =>
  new RegistryError.CredentialError({
    source: "the machine's credentials",
    registry: host,
    reason: `the runtime refused a permission: ${defect.message}`
  })

/** Refusals while the chain is built (it reads `DOCKER_CONFIG`, `HOME`, …) or while it looks up. */
const typedRefusals = (
  layer: Layer.Layer<CredentialProvider.CredentialProvider>
): Layer.Layer<CredentialProvider.CredentialProvider> =>
  Layer.effect(
    CredentialProvider.CredentialProvider,
    Effect.map(CredentialProvider.CredentialProvider, (inner) => ({
      get: (host: string) =>
        inner.get(host).pipe(
          Effect.catchDefect((defect) => refusedPermission(defect) ? Effect.fail(refusal(host, defect)) : Effect.die(defect))
        )
    }))
  ).pipe(
    Layer.provide(layer),
    Layer.catchCause((cause) => {
      const defect = Result.getOrUndefined(Cause.findDefect(cause))
      return refusedPermission(defect)
        ? Layer.succeed(CredentialProvider.CredentialProvider, { get: (host: string) => Effect.fail(refusal(host, defect)) })
        : Layer.effect(CredentialProvider.CredentialProvider, Effect.failCause(cause))
    })
  )

/**
 * The default chain (given credentials → environment → docker config and its
 * helpers → podman → anonymous) on Node.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<CredentialProvider.CredentialProvider> =>
  typedRefusals(CredentialProvider.layerDefault(options).pipe(Layer.provide(layerPlatform)))

/**
 * The machine's credentials: `layerWith()`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CredentialProvider.CredentialProvider> = layerWith()

/**
 * Where `login` writes: docker's config file and its credential helpers, as
 * `docker login` does (`CredentialStore.layerDockerConfig`), on Node.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStore = (options: CredentialProvider.FileOptions = {}): Layer.Layer<CredentialStore.CredentialStore> =>
  CredentialStore.layerDockerConfig(options).pipe(Layer.provide(layerPlatform))
