/**
 * The adapters `ociauth` registers for you. Adding a registry package to the
 * batteries is one line in `adapters` below (and the package in
 * `dependencies`).
 *
 * @since 0.1.0
 */
import { Acr } from "@ociauth/acr"
import type { RegistryAdapter } from "@ociauth/core"
import { Registries } from "@ociauth/core"
import { DockerHub } from "@ociauth/docker-hub"
import { Ecr } from "@ociauth/ecr"
import { EcrPublic } from "@ociauth/ecr-public"
import { Gar } from "@ociauth/gar"
import { Ghcr } from "@ociauth/ghcr"
import { GitLab } from "@ociauth/gitlab"
import { Nvcr } from "@ociauth/nvcr"
import { Quay } from "@ociauth/quay"
import type { Layer } from "effect"

/**
 * Every built-in adapter for a public host, in order of precedence (user
 * adapters always come first). ECR takes its passwords from the docker config,
 * else from the default AWS credential chain (install `@aws-sdk/client-ecr`);
 * ECR Public is anonymous unless the docker config has a login. Self-hosted registries (Harbor, Artifactory,
 * Zot, GitLab or Quay on your own hosts) need your hosts: add
 * `Harbor.make({ hosts: [...] })` and the like as `adapters`.
 *
 * @since 0.1.0
 * @category adapters
 */
export const adapters: ReadonlyArray<RegistryAdapter.RegistryAdapter> = [
  DockerHub.adapter,
  Ghcr.adapter,
  Quay.adapter,
  GitLab.adapter,
  Nvcr.adapter,
  Ecr.adapter,
  EcrPublic.adapter,
  Acr.adapter,
  Gar.adapter
]

/**
 * `Registries` with every built-in adapter. A `Registries.layer` of your own
 * provided *on top of* it takes precedence:
 *
 * ```ts
 * import { Builtins, Registries, RegistryAdapter } from "ociauth"
 * import { Layer } from "effect"
 *
 * const mine = RegistryAdapter.make({ name: "mine", hosts: ["registry.corp.example"] })
 * const registries = Registries.layer([mine]).pipe(Layer.provide(Builtins.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registries.Registries> = Registries.layer(adapters)

/**
 * `adapters` behind the given ones: what `makeRegistryFetch` registers.
 *
 * @since 0.1.0
 * @category adapters
 */
export const withBuiltins = (
  user: ReadonlyArray<RegistryAdapter.RegistryAdapter> = []
): ReadonlyArray<RegistryAdapter.RegistryAdapter> => [...user, ...adapters]
