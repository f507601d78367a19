#!/usr/bin/env node
// Every runtime users have (issue 29): the BUILT packages (dist, as published) against
// @ociauth/testing's emulator on loopback (the distribution profile, an account, every
// repository private), under
//   - Node 22 and Node 24 (npm's `node` package through npx), Bun and Deno (the `bun` and
//     `deno` npm packages, devDependencies of runtimes/): runtimes/probe.mjs runs the façade
//     (`makeRegistryFetch` with credentials), an Effect program composing `RegistryClient`
//     into its own layers, `NodeRegistryClient.layerWith`, and the machine's credentials (a
//     docker config.json): each must return the image's digest, and the token server must
//     have been asked for a token;
//   - Deno without `--allow-sys` (the default chain reads the docker config; Deno's `access`
//     needs the uid) and Deno without `--allow-env` for the chain (a typed CredentialError,
//     not a crash);
//   - an esbuild bundle of the same probe for Node with the optional cloud SDKs
//     (`@aws-sdk/*`, `@azure/identity`, `google-auth-library`) absent, run with Node 24;
//   - an esbuild bundle for the browser (no Node module may be reached), loaded by headless
//     Chromium (Debian's /usr/bin/chromium, or $CHROMIUM) through playwright-core, that
//     authenticates against the emulator behind a CORS proxy (runtimes/cors-proxy.mjs).
// One line per runtime; exit 1 on any failure. `--no-build` skips `pnpm build`;
// `--only=node22,node24,bun,deno,bundle-node,browser` runs a subset.
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { npxEnv } from "./npx-env.mjs"

const root = join(import.meta.dirname, "..")
const runtimesDir = join(root, "runtimes")
const args = process.argv.slice(2)
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",")
const wanted = (name) => only === undefined || only.includes(name)
const started = Date.now()
const failures = []

const report = (name, ok, detail, since) => {
  const seconds = ((Date.now() - since) / 1000).toFixed(1)
  console.log(`${ok ? "ok  " : "FAIL"} ${name.padEnd(40)} ${detail} (${seconds} s)`)
  if (!ok) failures.push(name)
}

if (!args.includes("--no-build")) {
  const build = spawnSync("npx", ["-y", "pnpm@10.34.9", "build", "--output-logs=errors-only"], { cwd: root, stdio: "inherit", env: npxEnv() })
  if (build.status !== 0) {
    console.error("runtimes: the build failed")
    process.exit(1)
  }
}

// Everything is resolved from runtimes/, whose package.json depends on the workspace's
// packages and on the runtimes, as a user's project would.
const require = createRequire(join(runtimesDir, "package.json"))
const load = (name) => import(pathToFileURL(require.resolve(name)).href)
const { RegistryEmulator } = await load("@ociauth/testing")
const esbuild = await load("esbuild")

/** An npm package's platform binary: `bun`'s `@oven/bun-<os>-<arch>`, `deno`'s `@deno/<os>-<arch>`. */
const platformBinary = (name) => {
  const manifestPath = require.resolve(`${name}/package.json`)
  const fromPackage = createRequire(manifestPath)
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"))
  const arch = process.arch
  const candidates = Object.keys(manifest.optionalDependencies ?? {}).filter((dep) =>
    dep.includes(`${process.platform}-${arch}`) && !dep.includes("baseline") && !dep.includes("musl") && !dep.includes("profile"))
  // npm's postinstall moves the binary into the package (bun/bin/bun.exe, deno/deno); pnpm
  // does not run it: then the binary is still in the platform package.
  const installed = [join(dirname(manifestPath), "bin", `${name}.exe`), join(dirname(manifestPath), name)]
  for (const dep of candidates) {
    try {
      const dir = dirname(fromPackage.resolve(`${dep}/package.json`))
      installed.push(join(dir, "bin", name), join(dir, name))
    } catch {
      // not installed for this platform
    }
  }
  const found = installed.find((path) => existsSync(path) && statSync(path).isFile() && statSync(path).size > 1_000_000)
  if (found === undefined) throw new Error(`no ${name} binary for ${process.platform}-${arch} under ${dirname(manifestPath)}`)
  return found
}

const run = (command, argv, options) =>
  new Promise((resolve) => {
    const child = spawn(command, argv, { ...options, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout ?? 60_000)
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ status: -1, stdout, stderr: String(error) })
    })
    child.on("close", (status, signal) => {
      clearTimeout(timer)
      resolve({ status: status ?? signal, stdout, stderr })
    })
  })

const nodeBin = (version) => {
  const result = spawnSync("npx", ["-y", "-p", `node@${version}`, "-c", "command -v node"], { encoding: "utf8", env: npxEnv() })
  if (result.status !== 0) throw new Error(`npx -p node@${version}: ${result.stderr}`)
  return result.stdout.trim()
}

const temp = mkdtempSync(join(tmpdir(), "ociauth-runtimes-"))
const username = "runtimes"
const password = randomBytes(18).toString("base64url")
const registry = await RegistryEmulator.start({ profile: "distribution", users: { [username]: password }, privateRepositories: ["*"] })
const closers = [() => registry.close()]
try {
  const image = registry.pushImage("team/app", "1.0")
  const home = join(temp, "home")
  mkdirSync(join(home, "docker"), { recursive: true })
  const auth = Buffer.from(`${username}:${password}`).toString("base64")
  writeFileSync(join(home, "docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { auth } } }), { mode: 0o600 })

  const probeEnv = {
    OCIAUTH_PROBE_ORIGIN: registry.origin,
    OCIAUTH_PROBE_REPOSITORY: image.repository,
    OCIAUTH_PROBE_TAG: image.tag,
    OCIAUTH_PROBE_DIGEST: image.digest,
    OCIAUTH_PROBE_USERNAME: username,
    OCIAUTH_PROBE_PASSWORD: password
  }
  // A clean machine: only what the probe needs (no OCIAUTH_*, DOCKER_AUTH_CONFIG of the host).
  const env = (extra = {}) => ({
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: temp,
    DOCKER_CONFIG: join(home, "docker"),
    REGISTRY_AUTH_FILE: join(home, "none.json"),
    NO_COLOR: "1",
    ...probeEnv,
    ...extra
  })
  const scrub = (text) => text.replaceAll(password, "<password>").replaceAll(auth, "<auth>")

  /** Runs the probe; every check must pass and a token must have been requested. */
  const probe = async (name, command, argv, extra = {}, cwd = runtimesDir) => {
    const since = Date.now()
    const tokensBefore = registry.log.count((entry) => entry.server === "token")
    const result = await run(command, argv, { cwd, env: env(extra) })
    const tokens = registry.log.count((entry) => entry.server === "token") - tokensBefore
    const last = result.stdout.trim().split("\n").at(-1) ?? ""
    let parsed
    try {
      parsed = JSON.parse(last)
    } catch {
      report(name, false, `exit ${result.status}: ${scrub(`${result.stdout}\n${result.stderr}`).trim().split("\n").slice(-6).join(" | ")}`, since)
      return
    }
    const failed = parsed.checks.filter((check) => !check.ok)
    const ok = result.status === 0 && failed.length === 0 && tokens > 0
    const detail = ok
      ? `${parsed.runtime}: ${parsed.checks.map((check) => check.name).join(", ")} → ${image.digest.slice(0, 19)}…; ${tokens} token requests`
      : `${parsed.runtime}: ${failed.map((check) => `${check.name}: ${scrub(check.detail).split("\n")[0]}`).join("; ") || `exit ${result.status}`}${tokens > 0 ? "" : "; no token was requested"}`
    report(name, ok, detail, since)
  }
  const guard = async (name, body) => {
    const since = Date.now()
    try {
      await body()
    } catch (error) {
      report(name, false, scrub(String(error?.stack ?? error)).split("\n").slice(0, 3).join(" | "), since)
    }
  }

  if (wanted("node22")) await guard("node 22", () => probe("node 22", nodeBin("22.23"), ["probe.mjs"]))
  if (wanted("node24")) await guard("node 24", () => probe("node 24", nodeBin("24"), ["probe.mjs"]))
  if (wanted("bun")) await guard("bun", () => probe("bun", platformBinary("bun"), ["probe.mjs"]))
  if (wanted("deno")) {
    await guard("deno (no --allow-sys)", async () => {
      const deno = platformBinary("deno")
      const base = ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-read"]
      await probe("deno (no --allow-sys)", deno, [...base, "--allow-env", "probe.mjs"], { DENO_NO_UPDATE_CHECK: "1" })
      // Without --allow-env for the chain's variables: the chain's answer is a typed CredentialError.
      const own = [...Object.keys(probeEnv), "OCIAUTH_PROBE_MACHINE"].join(",")
      await probe("deno (no --allow-env for the chain)", deno, [...base, `--allow-env=${own}`, "probe.mjs"], {
        DENO_NO_UPDATE_CHECK: "1",
        OCIAUTH_PROBE_MACHINE: "credential-error"
      })
    })
  }

  // A bundle for Node with the optional cloud SDKs absent: aliased to names that do not
  // resolve, as in a project that did not install them.
  if (wanted("bundle-node")) {
    await guard("node 24, esbuild bundle, no cloud SDKs", async () => {
      const since = Date.now()
      const absent = ["@aws-sdk/client-ecr", "@aws-sdk/client-ecr-public", "@azure/identity", "google-auth-library"]
      const outfile = join(temp, "bundle-node", "probe.mjs")
      try {
        await esbuild.build({
          entryPoints: [join(runtimesDir, "probe.mjs")],
          absWorkingDir: runtimesDir,
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node22",
          outfile,
          logLevel: "silent",
          alias: Object.fromEntries(absent.map((name, i) => [name, `ociauth-runtimes-absent-peer-${i}`])),
          banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
        })
      } catch (error) {
        report("node 24, esbuild bundle, no cloud SDKs", false, `esbuild: ${(error.errors ?? [error]).map((e) => e.text ?? String(e)).join("; ")}`, since)
        return
      }
      await probe("node 24, esbuild bundle, no cloud SDKs", nodeBin("24"), [outfile], {}, dirname(outfile))
    })
  }

  if (wanted("browser")) {
    await guard("chromium, esbuild bundle, CORS", async () => {
      const since = Date.now()
      const outdir = join(temp, "browser")
      let metafile
      try {
        ;({ metafile } = await esbuild.build({
          entryPoints: [join(runtimesDir, "browser", "page.mjs")],
          absWorkingDir: runtimesDir,
          bundle: true,
          platform: "browser",
          format: "esm",
          target: "es2022",
          outdir,
          metafile: true,
          logLevel: "silent"
        }))
      } catch (error) {
        report("chromium, esbuild bundle, CORS", false, `esbuild (browser): ${(error.errors ?? [error]).map((e) => e.text ?? String(e)).slice(0, 4).join("; ")}`, since)
        return
      }
      const nodeOnly = Object.keys(metafile.inputs).filter((input) => /platform-node|^node:|platformNode/.test(input))
      const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
      if (nodeOnly.length > 0) {
        report("chromium, esbuild bundle, CORS", false, `the browser bundle reached Node-only modules: ${nodeOnly.join(", ")}`, since)
        return
      }
      writeFileSync(join(outdir, "index.html"), `<!doctype html><meta charset="utf-8"><title>ociauth</title><script type="module" src="/page.js"></script>\n`)
      const pages = createServer((req, res) => {
        const file = req.url === "/page.js" ? "page.js" : "index.html"
        res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" })
        res.end(readFileSync(join(outdir, file)))
      })
      await new Promise((resolve) => pages.listen(0, "127.0.0.1", resolve))
      closers.push(() => new Promise((resolve) => pages.close(() => resolve())))
      const pageOrigin = `http://127.0.0.1:${pages.address().port}`
      const { start } = await import(pathToFileURL(join(runtimesDir, "cors-proxy.mjs")).href)
      const tokenOrigin = new URL(registry.challenge.realm).origin
      const proxy = await start({ upstreams: [...new Set([registry.origin, tokenOrigin])], allowOrigin: pageOrigin })
      closers.push(() => proxy.close())
      const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium"
      if (!existsSync(executablePath)) {
        report("chromium, esbuild bundle, CORS", false, `${executablePath} is missing (apt-get install -y chromium)`, since)
        return
      }
      const playwright = await load("playwright-core")
      const chromium = playwright.chromium ?? playwright.default.chromium
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        args: process.getuid?.() === 0 ? ["--no-sandbox"] : []
      })
      closers.push(() => browser.close())
      const page = await browser.newPage()
      const errors = []
      page.on("pageerror", (error) => errors.push(error.message))
      const tokensBefore = registry.log.count((entry) => entry.server === "token")
      await page.goto(pageOrigin)
      await page.waitForFunction(() => typeof globalThis.ociauthProbe === "function", undefined, { timeout: 20_000 })
      const checks = await page.evaluate((config) => globalThis.ociauthProbe(config), {
        origin: proxy.origins.get(registry.origin),
        repository: image.repository,
        tag: image.tag,
        username,
        password
      })
      const tokens = registry.log.count((entry) => entry.server === "token") - tokensBefore
      const version = browser.version()
      const ok = checks.facade.status === 200 && checks.facade.digest === image.digest && checks.effect.status === 200 &&
        checks.effect.digest === image.digest && tokens > 0 && errors.length === 0
      report(
        "chromium, esbuild bundle, CORS",
        ok,
        ok
          ? `chromium ${version}: facade, effect-layers → ${image.digest.slice(0, 19)}…; ${tokens} token requests; default chain without a machine: ${checks.defaultChain.status}; bundle ${(bytes / 1024).toFixed(0)} KiB`
          : `chromium ${version}: ${scrub(JSON.stringify({ checks, tokens, errors }))}`,
        since
      )
    })
  }
} finally {
  for (const close of closers.reverse()) await close().catch(() => undefined)
  rmSync(temp, { recursive: true, force: true })
}

console.log(`runtimes: ${failures.length === 0 ? "all passed" : `${failures.length} failed (${failures.join(", ")})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
process.exit(failures.length === 0 ? 0 : 1)
