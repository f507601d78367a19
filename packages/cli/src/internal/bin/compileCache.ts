import * as Fs from "node:fs"
import * as NodeModule from "node:module"
import * as Os from "node:os"
import * as NodePath from "node:path"

type EnableCompileCache = (directory?: string) => unknown

/**
 * The user's own folder for the cache: `$XDG_CACHE_HOME/ociauth/node-compile-cache`
 * (an absolute `XDG_CACHE_HOME`), else `~/.cache/ociauth/node-compile-cache`.
 * Never the shared temporary folder Node picks by default: V8 runs what it
 * reads there, so another user who could create that folder first could run
 * code as this one (and the helper holds every registry credential).
 */
const folder = (): string => {
  const xdg = process.env.XDG_CACHE_HOME
  const base = xdg !== undefined && NodePath.isAbsolute(xdg) ? xdg : NodePath.join(Os.homedir(), ".cache")
  return NodePath.join(base, "ociauth", "node-compile-cache")
}

/** Whether `directory` is this user's alone: owned by them, written by nobody else (where the platform has users). */
const isPrivate = (directory: string): boolean => {
  const stat = Fs.statSync(directory)
  if (!stat.isDirectory()) return false
  return process.getuid === undefined || (stat.uid === process.getuid() && (stat.mode & 0o022) === 0)
}

/**
 * Turns on Node's on-disk compile cache (Node 22.1+; a no-op where absent, on
 * Bun and Deno, or with `NODE_DISABLE_COMPILE_CACHE=1`) in the user's private
 * cache folder (`NODE_COMPILE_CACHE`, when set, is the user's choice and wins).
 * A command runs once per invocation, and compiling the SDK's modules again
 * each time is most of its start-up. Any problem with the folder leaves the
 * cache off. It only serves modules imported after this call: an executable
 * calls it, then imports its program dynamically.
 */
export const enable = (): void => {
  const enableCompileCache = (NodeModule as { readonly enableCompileCache?: EnableCompileCache }).enableCompileCache
  if (enableCompileCache === undefined) return
  if ((process.env.NODE_COMPILE_CACHE ?? "") !== "") {
    enableCompileCache()
    return
  }
  try {
    const directory = folder()
    Fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
    if (isPrivate(directory)) enableCompileCache(directory)
  } catch {
    // No cache: the command runs all the same.
  }
}
