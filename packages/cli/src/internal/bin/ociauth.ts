/**
 * The `ociauth` command: `Cli.run` on the process's arguments, streams and Node
 * services; exits with its code. `bin.ts` imports it once the compile cache is on.
 */
import { TokenStore } from "@ociauth/core"
import { FileTokenStore } from "@ociauth/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Cli from "../../Cli.js"
import * as Io from "../../Io.js"

/** Tokens in the user's cache folder, so that the next invocation reuses them; memory when it cannot be used. */
const tokenStore = FileTokenStore.layer().pipe(
  Layer.provide(Cli.layerPlatform),
  Layer.catch(() => TokenStore.layerMemory())
)

Effect.runPromise(Cli.run(process.argv, { tokenStore }).pipe(Effect.provide(Layer.merge(Cli.layerPlatform, Io.layerNode)))).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`ociauth: ${String(error)}\n`)
    process.exitCode = 1
  }
)
