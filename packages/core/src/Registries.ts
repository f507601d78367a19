/**
 * The plugin registry: resolves a host to the adapter that describes it.
 *
 * Every `Registries.layer(adapters)` of a program contributes to one registry,
 * however the layers are combined (`Layer.mergeAll`, `Layer.provide`, …): an
 * adapter package's layer and the user's own all count. Precedence: a higher
 * `priority` first (user adapters default to 0, the adapter packages' layers
 * use -1, so the user's win), then the layer built last, then the order within
 * one list. Hosts nobody claims get `RegistryAdapter.generic`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
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
export class Registries extends Context.Service<Registries, Service>()("@ociauth/core/Registries") {}

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

interface Contribution {
  readonly adapters: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  readonly priority: number
  readonly order: number
}

/** The contributions of one program's layers: one instance per layer build (the layer is memoized by reference). */
class Collector extends Context.Service<Collector, { readonly contributions: Array<Contribution> }>()("@ociauth/core/Registries/Collector") {}

const layerCollector = Layer.sync(Collector, () => ({ contributions: [] }))

const fromContributions = (contributions: ReadonlyArray<Contribution>): ReadonlyArray<RegistryAdapter.RegistryAdapter> =>
  [...contributions].sort((a, b) => b.priority - a.priority || b.order - a.order).flatMap((c) => c.adapters)

/**
 * @since 0.2.0
 * @category models
 */
export interface LayerOptions {
  /** Higher goes first; default 0. Adapter packages use -1 so that user adapters win. */
  readonly priority?: number
}

/**
 * Adds these adapters to the program's `Registries`, alongside every other
 * `Registries.layer` of the program.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Registries, RegistryAdapter } from "@ociauth/core"
 *
 * const Mine = RegistryAdapter.make({ name: "mine", hosts: ["registry.corp.example"] })
 * const Other = RegistryAdapter.make({ name: "other", hosts: ["other.example"] })
 * // Both are resolved, however the layers are merged.
 * const layer = Layer.mergeAll(Registries.layer([Mine]), Registries.layer([Other]))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (adapters: Iterable<RegistryAdapter.RegistryAdapter>, options: LayerOptions = {}): Layer.Layer<Registries> => {
  const list = [...adapters]
  return Layer.effect(
    Registries,
    Effect.map(Collector, (collector) => {
      const { contributions } = collector
      contributions.push({ adapters: list, priority: options.priority ?? 0, order: contributions.length })
      let cached: Service | undefined
      let seen = -1
      const current = (): Service => {
        if (cached === undefined || seen !== contributions.length) {
          cached = make(fromContributions(contributions))
          seen = contributions.length
        }
        return cached
      }
      return {
        get adapters() {
          return current().adapters
        },
        resolve: (host) => current().resolve(host)
      } satisfies Service
    })
  ).pipe(Layer.provide(layerCollector))
}

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
