/**
 * The credential helper: `Helper.run` on the verb and standard input, with the
 * file token store of the user's cache folder and Node's services; exits with
 * the outcome's code (0, or 1 as docker's helpers do). `credentialHelperBin.ts`
 * imports it once the compile cache is on.
 */
import { TokenStore } from "@ociauth/core"
import { FileTokenStore } from "@ociauth/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { NodeCredentials } from "ociauth"
import * as Helper from "../../credential-helper/Helper.js"
import * as sources from "../../credential-helper/sources.js"
import * as BrokenPipe from "../brokenPipe.js"
import * as Stdin from "../stdin.js"

/**
 * Standard input as text, up to its end or 64 KiB (a server URL, or one JSON login), then no more is read;
 * more is an error answer.
 */
const stdin: Effect.Effect<string, string> = Effect.promise(() => Stdin.read(process.stdin, { line: false })).pipe(
  Effect.flatMap((text) => Stdin.tooLong(text) ? Effect.fail(`standard input holds more than ${Stdin.MAX_BYTES / 1024} KiB: not a server URL or a login`) : Effect.succeed(text))
)

/** The cache folder's file token store, without a memory tier (one lookup per process); memory when the folder cannot be used. */
const tokens = FileTokenStore.layerWithoutMemory().pipe(
  Layer.catch(() =>
    Layer.merge(TokenStore.layerMemory(), Layer.succeed(FileTokenStore.FileTokenStore, { forget: () => Effect.succeed(0) }))
  )
)

const verb = process.argv[2]
const nested = process.env[sources.activeVariable] === "1"
// Every helper this one starts (docker's `credsStore`, say) sees it: a loop back to this helper ends at once.
process.env[sources.activeVariable] = "1"

const program = nested && verb === "get"
  ? Effect.succeed<Helper.Outcome>({ code: 1, stdout: `${sources.notFoundMessage}\n`, stderr: "" })
  : Effect.flatMap(Helper.readsInput(verb) ? stdin : Effect.succeed(""), (input) => Helper.run(verb, input)).pipe(
    Effect.provide(tokens.pipe(Layer.provideMerge(NodeCredentials.layerPlatform))),
    Effect.catch((reason: string) => Effect.succeed<Helper.Outcome>({ code: 1, stdout: `${reason}\n`, stderr: `${sources.executable}: ${reason}\n` }))
  )

// A closed pipe (the reader went away) ends the helper quietly, as it ends a Unix tool (BrokenPipe).
Effect.runPromise(program).then(
  (outcome) => {
    if (outcome.stderr !== "") BrokenPipe.write(process.stderr, outcome.stderr)
    BrokenPipe.write(process.stdout, outcome.stdout, () => process.exit(outcome.code))
  },
  () => {
    BrokenPipe.write(process.stderr, `${sources.executable}: the helper failed unexpectedly\n`)
    BrokenPipe.write(process.stdout, "the helper failed unexpectedly\n", () => process.exit(1))
  }
)
