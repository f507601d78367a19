#!/usr/bin/env node
/**
 * The `ociauth` executable: `Cli.run` on the process's arguments, streams and
 * Node services; exits with its code. Node's compile cache is turned on first.
 *
 * @since 0.2.0
 */
import * as CompileCache from "./internal/bin/compileCache.js"

CompileCache.enable()
await import("./internal/bin/ociauth.js")
