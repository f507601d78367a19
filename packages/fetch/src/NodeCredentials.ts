/**
 * The credentials a Node machine already has — environment, docker's
 * `config.json` with its credential helpers, podman's `auth.json` — through
 * `@effect/platform-node`. This module is the only one in the package that
 * imports Node code; the façade loads it lazily, and only on Node.
 *
 * @since 0.1.0
 */
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { CredentialProvider } from "@ociauth/core"
import { Layer } from "effect"

/**
 * Node's file system, path and process services.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPlatform = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))
)

/**
 * The default chain (static → environment → docker config → podman) on Node.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options?: Parameters<typeof CredentialProvider.layerDefault>[0]
): Layer.Layer<CredentialProvider.CredentialProvider> => CredentialProvider.layerDefault(options).pipe(Layer.provide(layerPlatform))

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CredentialProvider.CredentialProvider> = layerWith()
