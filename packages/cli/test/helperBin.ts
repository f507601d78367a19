/**
 * `docker-credential-ociauth` as docker and skopeo find it: an executable of
 * that name in a `bin` folder, running the helper BUILT from the sources with
 * this Node. The build is one esbuild bundle of
 * `packages/cli/src/credentialHelperBin.ts` (the workspace's sources through
 * the `@ociauth/source` condition), made once per suite in the suite's own
 * folder (a few seconds, bounded): tests run before `pnpm build`, and the
 * shared `dist` folders are left alone. The optional cloud SDKs stay out of
 * the bundle, as the adapters load them (by a name only known at run time):
 * the bundle's `node_modules` links to the copies the adapter packages have. Built JS starts in a fraction of what tsx takes
 * (about 0.3 s an invocation against 1–3 s), and the suites start the helper
 * hundreds of times.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Budget } from "@ociauth/testing"

const root = join(import.meta.dirname, "..", "..", "..")

interface Esbuild {
  readonly build: (options: Record<string, unknown>) => Promise<unknown>
}

/** esbuild, a devDependency of the workspace's `runtimes` package (which bundles the SDK for its checks too). */
const esbuild = (): Esbuild => createRequire(join(root, "runtimes", "package.json"))("esbuild") as Esbuild

/** The optional cloud SDKs, and the adapter package that has each as a peer. */
const peers: Readonly<Record<string, string>> = {
  "@aws-sdk/client-ecr": "ecr",
  "@aws-sdk/client-ecr-public": "ecr-public",
  "@azure/identity": "acr",
  "google-auth-library": "gar"
}

/** How long the build may take before the suite fails: a hang, not a slow machine. */
export const buildBudget = Budget.scaled(60_000)

/**
 * Builds the helper into `home/helper-build` and writes `home/bin/docker-credential-ociauth`,
 * which runs it with its standard error appended to `log`. Returns the `bin` folder.
 */
export const installHelper = async (home: string, log: string): Promise<string> => {
  const out = join(home, "helper-build")
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`building the helper took more than ${buildBudget} ms`)), buildBudget)
  })
  try {
    await Promise.race([
      esbuild().build({
        entryPoints: [join(root, "packages", "cli", "src", "credentialHelperBin.ts")],
        absWorkingDir: join(root, "packages", "cli"),
        bundle: true,
        splitting: true,
        external: Object.keys(peers),
        platform: "node",
        format: "esm",
        target: "node22",
        outdir: out,
        conditions: ["@ociauth/source"],
        logLevel: "error",
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
      }),
      timeout
    ])
  } finally {
    clearTimeout(timer)
  }
  for (const [name, owner] of Object.entries(peers)) {
    const installed = join(root, "packages", owner, "node_modules", name)
    if (!existsSync(installed)) continue
    const link = join(out, "node_modules", name)
    mkdirSync(dirname(link), { recursive: true })
    symlinkSync(realpathSync(installed), link, "dir")
  }
  const bin = join(home, "bin")
  mkdirSync(bin, { recursive: true })
  const executable = join(bin, "docker-credential-ociauth")
  writeFileSync(executable, `#!/bin/sh\nexec "${process.execPath}" "${join(out, "credentialHelperBin.js")}" "$@" 2>>"${log}"\n`)
  chmodSync(executable, 0o755)
  writeFileSync(log, "")
  return bin
}

/** A home of a client suite's own, with the helper installed in it: see `helperHome`. */
export interface HelperHome {
  readonly home: string
  /** Where the helper's standard error goes. */
  readonly helperLog: string
  /** The clients' environment: PATH with the helper first, every config and cache folder in `home`, no AWS metadata. */
  readonly env: Record<string, string>
}

/**
 * A temporary home for docker's and skopeo's clients: the helper built and on
 * PATH (`installHelper`), `auth.json` naming it in `credHelpers` for the
 * `helped` hosts, and the host configuration (`config/ociauth/hosts.json`) with
 * `hosts`. A suite adds its clouds' variables to `env`.
 */
export const helperHome = async (
  prefix: string,
  options: { readonly helped: ReadonlyArray<string>; readonly hosts: Readonly<Record<string, unknown>> }
): Promise<HelperHome> => {
  const home = mkdtempSync(join(tmpdir(), prefix))
  const helperLog = join(home, "helper-stderr.log")
  const bin = await installHelper(home, helperLog)
  writeFileSync(join(home, "auth.json"), JSON.stringify({ auths: {}, credHelpers: Object.fromEntries(options.helped.map((h) => [h, "ociauth"])) }))
  mkdirSync(join(home, "config", "ociauth"), { recursive: true })
  writeFileSync(join(home, "config", "ociauth", "hosts.json"), JSON.stringify({ hosts: options.hosts }))
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: home,
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_RUNTIME_DIR: join(home, "runtime"),
    DOCKER_CONFIG: join(home, "docker"),
    REGISTRY_AUTH_FILE: join(home, "auth.json"),
    TMPDIR: tmpdir(),
    // AWS: the stand-in's endpoints and credentials come from the suite; no instance metadata.
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "eu-west-1"
  }
  return { home, helperLog, env }
}
