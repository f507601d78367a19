/**
 * One invocation of `docker-credential-ociauth` in process (`Helper.run`):
 * fresh layers over the folders of `home` (its file token store, its state,
 * docker's and podman's files, the host configuration), as a new process of
 * the helper would have them, with `env` over the process's environment.
 */
import { join } from "node:path"
import { FileTokenStore } from "@ociauth/store"
import { ConfigProvider, Effect, Layer } from "effect"
import { NodeCredentials } from "ociauth"
import * as Helper from "../src/credential-helper/Helper.js"

export const invoke = (home: string, verb: string | undefined, input: string, env: Record<string, string> = {}) => {
  const all = {
    ...process.env as Record<string, string>,
    HOME: home,
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_CONFIG_HOME: join(home, "config"),
    DOCKER_CONFIG: join(home, "docker"),
    REGISTRY_AUTH_FILE: join(home, "auth.json"),
    ...env
  }
  const layer = FileTokenStore.layerWithoutMemory({ directory: join(home, "cache", "ociauth") }).pipe(Layer.provideMerge(NodeCredentials.layerPlatform))
  return Helper.run(verb, input).pipe(Effect.provide(layer), Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(all)))
}
