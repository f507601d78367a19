#!/usr/bin/env node
/**
 * `npx ociauth …`: the `ociauth` command of `@ociauth/cli` (a peer of this
 * package, installed with it) under the batteries' name.
 *
 * @since 0.1.0
 */
// The command turns Node's compile cache on before it loads the SDK.
const command = "@ociauth/cli/bin"

await import(command).catch((error: unknown) => {
  process.stderr.write(`ociauth: the command needs @ociauth/cli next to ociauth (npm i @ociauth/cli): ${String(error)}\n`)
  process.exitCode = 1
})
