import { spawn } from "node:child_process"
import { join } from "node:path"

export interface Outcome {
  readonly code: number | null
  readonly lines: ReadonlyArray<unknown>
  readonly stderr: string
}

/** Runs a fixture script of this package's `test/fixtures` under tsx with one JSON argument. */
export const runScript = (script: string, argument: unknown, timeoutMs = 60_000): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@ociauth/source", "--import", "tsx", join(import.meta.dirname, "..", "fixtures", script), JSON.stringify(argument)], {
      cwd: join(import.meta.dirname, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.once("error", reject)
    child.once("exit", (code) => {
      clearTimeout(timer)
      const lines = stdout.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown)
      resolve({ code, lines, stderr })
    })
  })
