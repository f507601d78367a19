import { spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync } from "node:fs"
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

/**
 * Runs `node scripts/tsx.mjs packages/cli/src/<bin> …` with a file as its standard input or output
 * (`/dev/zero`, `/dev/full`), in `home` (its HOME, XDG folders and docker config); the whole process group is
 * killed past `budget` (then `code` is null).
 */
export const runBinWithFile = (
  bin: "bin.ts" | "credentialHelperBin.ts",
  args: ReadonlyArray<string>,
  options: { readonly home: string; readonly stdin?: string; readonly stdout?: string; readonly budget: number }
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve, reject) => {
    const input = options.stdin === undefined ? "pipe" : openSync(options.stdin, "r")
    const output = options.stdout === undefined ? "pipe" : openSync(options.stdout, "w")
    const { home } = options
    const env = {
      ...process.env,
      // tsx runs the program in a child of its own, which inherits this bound of the heap
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=256`.trim(),
      HOME: home,
      XDG_CACHE_HOME: home,
      XDG_CONFIG_HOME: home,
      XDG_STATE_HOME: home,
      DOCKER_CONFIG: join(home, "docker"),
      NO_COLOR: "1"
    }
    const child = spawn(process.execPath, [join(root, "scripts", "tsx.mjs"), join(root, "packages", "cli", "src", bin), ...args], {
      env,
      stdio: [input, output, "pipe"],
      cwd: root,
      detached: true
    })
    for (const fd of [input, output]) if (typeof fd === "number") closeSync(fd)
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.stdin?.end("")
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), options.budget)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
