/**
 * A docker `config.json` in a temporary directory, written as users write
 * theirs (`auths` with base64 `auth`, or `username` / `password`), for tests of
 * credential lookup.
 *
 * @since 0.2.0
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import { CredentialProvider } from "@ociauth/core"
import * as Layer from "effect/Layer"
/**
 * @since 0.2.0
 * @category models
 */
export interface DockerConfigFile {
  readonly path: string
  readonly remove: () => Promise<void>
}

/**
 * The `auth` field docker writes for a username and password: base64 of `username:password`.
 *
 * @since 0.2.0
 * @category utils
 */
export const auth = (username: string, password: string): string => Buffer.from(`${username}:${password}`, "utf8").toString("base64")

/**
 * Writes `content` (an object, or the file's exact text) as `config.json` in a new temporary directory.
 *
 * @since 0.2.0
 * @category constructors
 */
export const write = async (content: object | string): Promise<DockerConfigFile> => {
  const dir = await mkdtemp(join(tmpdir(), "ociauth-docker-config-"))
  const path = join(dir, "config.json")
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, "\t"))
  return { path, remove: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * The credentials a machine with this docker config would have: the default
 * chain (environment → this docker config and its helpers → no podman file), on
 * Node's file system and processes.
 *
 * @since 0.2.0
 * @category layers
 */
export const credentialProvider = (file: DockerConfigFile | string): Layer.Layer<CredentialProvider.CredentialProvider> => {
  const path = typeof file === "string" ? file : file.path
  return CredentialProvider.layerDefault({ dockerConfig: { path }, podman: { path: `${path}.absent` } }).pipe(
    Layer.provide(NodeChildProcessSpawner.layer),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )
}
