#!/usr/bin/env node
/**
 * The `docker-credential-ociauth` executable: `Helper.run` on the verb and
 * standard input, with the file token store of the user's cache folder and
 * Node's services; exits with the outcome's code (0, or 1 as docker's helpers
 * do). Node's compile cache is turned on first. `version` answers from the
 * package's version without loading the SDK.
 *
 * @since 1.0.0
 */
import { executable, versionLine } from "./credential-helper/executable.js"
import * as BrokenPipe from "./internal/brokenPipe.js"
import * as CompileCache from "./internal/bin/compileCache.js"

BrokenPipe.setProgram(executable)
if (process.argv[2] === "version") {
  BrokenPipe.write(process.stdout, versionLine)
} else {
  CompileCache.enable()
  await import("./internal/bin/credentialHelper.js")
}
