#!/usr/bin/env node
/**
 * `docker-credential-ociauth`: the credential helper of `@ociauth/cli` (a peer
 * of this package, installed with it), so `npm i -g ociauth` puts it on PATH.
 *
 * @since 1.0.0
 */
import * as NodeModule from "node:module"

// Node's on-disk compile cache (22.1+; absent elsewhere): a command runs once per invocation, and
// compiling the SDK's modules again each time is most of its start-up.
;(NodeModule as { readonly enableCompileCache?: () => unknown }).enableCompileCache?.()

const helper = "@ociauth/cli/credentialHelperBin"

await import(helper).catch((error: unknown) => {
  process.stderr.write(`docker-credential-ociauth: needs @ociauth/cli next to ociauth (npm i @ociauth/cli): ${String(error)}\n`)
  process.exitCode = 1
})
