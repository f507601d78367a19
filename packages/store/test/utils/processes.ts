import { spawn } from "node:child_process"
import { join } from "node:path"
import { onTestFinished } from "vitest"

export interface Outcome {
  readonly code: number | null
  readonly lines: ReadonlyArray<unknown>
  readonly stderr: string
}

/**
 * Runs a fixture script of this package's `test/fixtures` under tsx with one JSON argument, and
 * resolves on its exit: no deadline of its own (a busy machine only makes it slower; the test's
 * scaled timeout catches a hang), and a child still running when the test ends is killed.
 */
export const runScript = (script: string, argument: unknown): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@ociauth/source", "--import", "tsx", join(import.meta.dirname, "..", "fixtures", script), JSON.stringify(argument)], {
      cwd: join(import.meta.dirname, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      const lines = stdout.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown)
      resolve({ code, lines, stderr })
    })
  })
