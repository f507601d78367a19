import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { join } from "node:path"
import { Budget } from "@ociauth/testing"

/** A fixture script under tsx that answers one JSON line per JSON line it is sent. */
export interface Interactive {
  readonly child: ChildProcess
  readonly ready: Promise<void>
  readonly send: (command: Record<string, unknown>) => Promise<Record<string, unknown>>
  readonly stop: () => Promise<void>
}

export const startInteractive = (script: string, argument: unknown): Interactive => {
  const child = spawn(process.execPath, ["--conditions=@ociauth/source", "--import", "tsx", join(import.meta.dirname, "..", "fixtures", script), JSON.stringify(argument)], {
    cwd: join(import.meta.dirname, "..", ".."),
    stdio: ["pipe", "pipe", "pipe"]
  })
  let buffer = ""
  let stderr = ""
  let nextId = 0
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>()
  let onReady: () => void = () => {}
  let onFailed: (error: Error) => void = () => {}
  const ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (onFailed = reject)))
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8")
    let at: number
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at)
      buffer = buffer.slice(at + 1)
      if (line.trim() === "") continue
      const message = JSON.parse(line) as Record<string, unknown>
      if (message.ready === true) onReady()
      else if (typeof message.id === "number") waiting.get(message.id)?.(message)
      else onFailed(new Error(`${script}: ${line} ${stderr}`))
    }
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.once("exit", (code) => onFailed(new Error(`${script} exited (${code}): ${stderr}`)))
  return {
    child,
    ready,
    send: (command) =>
      new Promise((resolve) => {
        const id = nextId++
        waiting.set(id, (answer) => {
          waiting.delete(id)
          resolve(answer)
        })
        child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`)
      }),
    stop: async () => {
      child.stdin!.end()
      // Waits on the exit; the timer only ends a child that ignores its closed stdin (it fails nothing).
      const timer = setTimeout(() => child.kill("SIGKILL"), Budget.scaled(10_000))
      await exited
      clearTimeout(timer)
    }
  }
}
