import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
/**
 * Effect 4's process-wide default provider: created once, it keeps `process.env`
 * as it was at its first read.
 */
const processDefault = Context.get(Context.empty(), ConfigProvider.ConfigProvider)

/**
 * The `ConfigProvider` credentials are read through: the one the program
 * provided, else (in place of the process-wide default) the environment as it
 * is now, as Effect 3's `Config` read it.
 */
export const current: Effect.Effect<ConfigProvider.ConfigProvider> = Effect.map(
  ConfigProvider.ConfigProvider,
  (provider) => provider === processDefault ? ConfigProvider.fromEnv() : provider
)

/** `effect` reading its `Config`s through `current`. */
export const provide = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(current, (provider) => Effect.provideService(effect, ConfigProvider.ConfigProvider, provider))
