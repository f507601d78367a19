/**
 * The plugin registry: resolves a host to the adapter that describes it.
 *
 * Layers stack: `Registries.layer(adapters)` keeps the adapters of a `Registries`
 * it is provided with and puts its own first, so the outermost layer, usually
 * the user's own, takes precedence. Hosts nobody claims get `RegistryAdapter.generic`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option } from "effect"
import * as RegistryAdapter from "./RegistryAdapter.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The adapters in order of precedence, without the generic fallback. */
  readonly adapters: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  /** The first adapter that matches `host` (`host[:port]`), else `generic`. */
  readonly resolve: (host: string) => RegistryAdapter.RegistryAdapter
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Registries extends Context.Tag("@ociauth/core/Registries")<Registries, Service>() {}

/**
 * A registry of the given adapters, first match wins.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (adapters: Iterable<RegistryAdapter.RegistryAdapter>): Service => {
  const list = [...adapters]
  return {
    adapters: list,
    resolve: (host) => {
      const normalized = host.toLowerCase()
      return list.find((adapter) => adapter.matches(normalized)) ?? RegistryAdapter.generic
    }
  }
}

/**
 * Provides `Registries` with these adapters ahead of any that an inner
 * `Registries` layer provided.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Registries, RegistryAdapter } from "@ociauth/core"
 *
 * const Mine = RegistryAdapter.make({ name: "mine", hosts: ["registry.corp.example"] })
 * // Mine wins over anything provided underneath it.
 * const layer = Registries.layer([Mine])
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (adapters: Iterable<RegistryAdapter.RegistryAdapter>): Layer.Layer<Registries> =>
  Layer.effect(
    Registries,
    Effect.map(Effect.serviceOption(Registries), (inner) =>
      make([...adapters, ...Option.match(inner, { onNone: () => [], onSome: (s) => s.adapters })])
    )
  )

/**
 * Only the generic adapter.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGeneric: Layer.Layer<Registries> = Layer.succeed(Registries, make([]))

/**
 * The adapter for a host, from the `Registries` in context (generic when none is).
 *
 * @since 0.1.0
 * @category accessors
 */
export const resolve = (host: string): Effect.Effect<RegistryAdapter.RegistryAdapter> =>
  Effect.map(Effect.serviceOption(Registries), (registries) =>
    Option.match(registries, { onNone: () => RegistryAdapter.generic, onSome: (s) => s.resolve(host) })
  )
