#!/usr/bin/env node
/**
 * `docker-credential-ociauth`: the credential helper of `@ociauth/cli` (a peer
 * of this package, installed with it), so `npm i -g ociauth` puts it on PATH.
 *
 * @since 1.0.0
 */
// The command turns Node's compile cache on before it loads the SDK.
const helper = "@ociauth/cli/credentialHelperBin"

await import(helper).catch((error: unknown) => {
  process.stderr.write(`docker-credential-ociauth: needs @ociauth/cli next to ociauth (npm i @ociauth/cli): ${String(error)}\n`)
  process.exitCode = 1
})
