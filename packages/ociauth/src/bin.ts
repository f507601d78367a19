#!/usr/bin/env node
/**
 * `npx ociauth …`: the `ociauth` command of `@ociauth/cli` (a peer of this
 * package, installed with it) under the batteries' name.
 *
 * @since 0.1.0
 */
import * as NodeModule from "node:module"

// Node's on-disk compile cache (22.1+; absent elsewhere): a command runs once per invocation, and
// compiling the SDK's modules again each time is most of its start-up.
;(NodeModule as { readonly enableCompileCache?: () => unknown }).enableCompileCache?.()

const command = "@ociauth/cli/bin"

await import(command).catch((error: unknown) => {
  process.stderr.write(`ociauth: the command needs @ociauth/cli next to ociauth (npm i @ociauth/cli): ${String(error)}\n`)
  process.exitCode = 1
})
