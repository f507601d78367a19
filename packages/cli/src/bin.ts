#!/usr/bin/env node
/**
 * The `ociauth` executable: `Cli.run` on the process's arguments, streams and
 * Node services; exits with its code. Node's compile cache is turned on first.
 * `ociauth --version` answers from the package's version without loading the
 * SDK.
 *
 * @since 0.2.0
 */
import * as BrokenPipe from "./internal/brokenPipe.js"
import * as CompileCache from "./internal/bin/compileCache.js"
import { version } from "./internal/version.js"

if (process.argv.length === 3 && process.argv[2] === "--version") {
  BrokenPipe.write(process.stdout, `${version}\n`)
} else {
  CompileCache.enable()
  await import("./internal/bin/ociauth.js")
}
