/**
 * The credentials a Node machine already has, through `@effect/platform-node-shared`:
 * the environment (`OCIAUTH_*`), docker's `config.json` (`$DOCKER_CONFIG`,
 * `auths`, `credHelpers`, `credsStore`, `$DOCKER_AUTH_CONFIG`) with its
 * credential helper processes, and podman's `auth.json`. This module is the
 * only place in ociauth that touches the file system or starts processes.
 *
 * @since 0.1.0
 */
import { CredentialProvider, CredentialStore } from "@ociauth/core"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import type { FileSystem, Path } from "effect"
import type { ChildProcessSpawner } from "effect/process"

/**
 * Node's file system, path and process services.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPlatform: Layer.Layer<FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner> =
  // Loaded when the layer is built, not when `ociauth` is imported: a program that never reads
  // the machine's credentials never loads Node's file system and process modules (and a
  // bundle for the browser never reaches them).
  Layer.unwrap(
    Effect.promise(() =>
      Promise.all([
        import("@effect/platform-node-shared/NodeFileSystem"),
        import("@effect/platform-node-shared/NodePath"),
        import("@effect/platform-node-shared/NodeChildProcessSpawner")
      ])
    ).pipe(
      Effect.map(([NodeFileSystem, NodePath, NodeChildProcessSpawner]) =>
        NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
      )
    )
  )

/**
 * Options of `layerWith`: credentials of your own tried first, and where the
 * docker and podman files are.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = NonNullable<Parameters<typeof CredentialProvider.layerDefault>[0]>

/**
 * The environment as it is now. Effect 4's default `ConfigProvider` reads
 * `process.env` once per process, at its first use; the machine's credentials
 * are read as the machine has them (`DOCKER_CONFIG`, `OCIAUTH_*` set or changed
 * later count), as they were on Effect 3. A program that provides a
 * `ConfigProvider` of its own keeps it.
 */
const machineEnvironment = <I, E>(layer: Layer.Layer<I, E>): Layer.Layer<I, E> =>
  Layer.unwrap(
    Effect.map(ConfigProvider.ConfigProvider, (ambient) =>
      ambient === Context.get(Context.empty(), ConfigProvider.ConfigProvider)
        ? layer.pipe(Layer.provide(Layer.effect(ConfigProvider.ConfigProvider, Effect.sync(() => ConfigProvider.fromEnv()))))
        : layer)
  )

/** Each lookup reads the environment as it is then (Effect 3's `Config` did), unless the program chose its configuration. */
const lookupsReadTheEnvironment = (
  layer: Layer.Layer<CredentialProvider.CredentialProvider>
): Layer.Layer<CredentialProvider.CredentialProvider> =>
  Layer.effect(
    CredentialProvider.CredentialProvider,
    Effect.gen(function*() {
      const inner = yield* CredentialProvider.CredentialProvider
      const ambient = yield* ConfigProvider.ConfigProvider
      if (ambient !== Context.get(Context.empty(), ConfigProvider.ConfigProvider)) return inner
      return {
        get: (host: string) =>
          Effect.suspend(() => Effect.provideService(inner.get(host), ConfigProvider.ConfigProvider, ConfigProvider.fromEnv()))
      }
    })
  ).pipe(Layer.provide(layer))

/**
 * The default chain (given credentials → environment → docker config and its
 * helpers → podman → anonymous) on Node.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<CredentialProvider.CredentialProvider> =>
  lookupsReadTheEnvironment(machineEnvironment(CredentialProvider.layerDefault(options).pipe(Layer.provide(layerPlatform))))

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
  machineEnvironment(CredentialStore.layerDockerConfig(options).pipe(Layer.provide(layerPlatform)))
