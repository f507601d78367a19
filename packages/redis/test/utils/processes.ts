import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { join } from "node:path"
import { onTestFinished } from "vitest"

export interface Outcome {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly lines: ReadonlyArray<Record<string, unknown>>
  readonly stderr: string
}

export interface Running {
  readonly child: ChildProcess
  /** Resolves when the script printed `{"ready":true}` (it then waits for `go` on stdin). */
  readonly ready: Promise<void>
  readonly go: () => void
  readonly done: Promise<Outcome>
}

/**
 * Starts a fixture script of this package's `test/fixtures` under tsx with one JSON argument. It has
 * no deadline of its own (`done` resolves on its exit; the test's scaled timeout catches a hang), and
 * a child still running when the test ends is killed.
 */
export const startScript = (script: string, argument: unknown): Running => {
  const child = spawn(process.execPath, ["--conditions=@ociauth/source", "--import", "tsx", join(import.meta.dirname, "..", "fixtures", script), JSON.stringify(argument)], {
    cwd: join(import.meta.dirname, "..", ".."),
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
    if (stdout.includes(`{"ready":true}`)) onReady()
  })
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })
  const done = new Promise<Outcome>((resolve, reject) => {
    child.once("error", reject)
    child.once("exit", (code, signal) => {
      onReady()
      const lines = stdout.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Record<string, unknown>)
      resolve({ code, signal, lines, stderr })
    })
  })
  return { child, ready, go: () => child.stdin!.end("go\n"), done }
}

/** Starts `count` scripts, waits until every one is ready, then lets them all go at once. */
export const fleet = async (count: number, script: string, argument: (i: number) => unknown): Promise<ReadonlyArray<Running>> => {
  const running = Array.from({ length: count }, (_, i) => startScript(script, argument(i)))
  await Promise.all(running.map((r) => r.ready))
  for (const r of running) r.go()
  return running
}
