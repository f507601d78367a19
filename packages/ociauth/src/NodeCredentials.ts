/**
 * The credentials a Node machine already has, through `@effect/platform-node`:
 * the environment (`OCIAUTH_*`), docker's `config.json` (`$DOCKER_CONFIG`,
 * `auths`, `credHelpers`, `credsStore`, `$DOCKER_AUTH_CONFIG`) with its
 * credential helper processes, and podman's `auth.json`. This module is the
 * only place in ociauth that touches the file system or starts processes.
 *
 * @since 0.1.0
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import type { CommandExecutor, FileSystem, Path } from "@effect/platform"
import { CredentialProvider, CredentialStore } from "@ociauth/core"
import { Layer } from "effect"

/**
 * Node's file system, path and process services.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPlatform: Layer.Layer<FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))
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
 * The default chain (given credentials → environment → docker config and its
 * helpers → podman → anonymous) on Node.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<CredentialProvider.CredentialProvider> =>
  CredentialProvider.layerDefault(options).pipe(Layer.provide(layerPlatform))

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
