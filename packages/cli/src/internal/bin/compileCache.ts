import * as NodeModule from "node:module"

/**
 * Turns on Node's on-disk compile cache (Node 22.1+; a no-op where absent, on
 * Bun and Deno, or with `NODE_DISABLE_COMPILE_CACHE=1`). A command runs once
 * per invocation, and compiling the SDK's modules again each time is most of
 * its start-up. The cache only serves modules imported after this call: an
 * executable calls it, then imports its program dynamically.
 */
export const enable = (): void => {
  ;(NodeModule as { readonly enableCompileCache?: () => unknown }).enableCompileCache?.()
}
