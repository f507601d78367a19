import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { Cli, Io } from "@ociauth/cli"

export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the program in process: the Effect with its layers, output captured. */
export const runCli = (args: ReadonlyArray<string>, options: { readonly stdin?: string; readonly tty?: boolean } & Cli.Options = {}) =>
  Effect.gen(function* () {
    const { captured, layer } = Io.capture(options)
    const code = yield* Cli.run(["node", "ociauth", ...args], options).pipe(Effect.provide(Layer.merge(Cli.layerPlatform, layer)))
    return { code, stdout: captured.stdout(), stderr: captured.stderr() } satisfies Outcome
  })

const root = join(import.meta.dirname, "..", "..", "..")

/** The children's cache folder (their file token store), never the developer's own. */
const cache = mkdtempSync(join(tmpdir(), "ociauth-cli-test-cache-"))

/** Runs `command` as a child process with `stdin` written to it: its exit code and output. */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  stdin = "",
  cwd?: string
): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(stdin)
  })

/** Runs `node scripts/tsx.mjs packages/cli/src/bin.ts …` as a child process. */
export const runBin = (args: ReadonlyArray<string>, options: { readonly stdin?: string; readonly env?: Record<string, string> } = {}): Promise<Outcome> =>
  runProcess(
    process.execPath,
    [join(root, "scripts", "tsx.mjs"), join(root, "packages", "cli", "src", "bin.ts"), ...args],
    { ...process.env, XDG_CACHE_HOME: cache, ...options.env },
    options.stdin ?? "",
    root
  )
