#!/usr/bin/env node
// The consumer check (issue 13): what we publish works for a user outside this
// workspace. Builds every package, lists and packs each with pnpm, installs the
// tarballs with npm into a temporary project outside the workspace, then
//   a. runs scripts/consumer/consumer.mjs with plain node (no tsx): every entry
//      point imported, a digest through `ociauth`'s makeRegistryFetch with
//      credentials against @ociauth/testing's emulator, the Effect API too;
//   b. type-checks scripts/consumer/consumer.ts with tsc --strict, nodenext,
//      noPropertyAccessFromIndexSignature, exactOptionalPropertyTypes and no
//      skipLibCheck, once without and once with --erasableSyntaxOnly.
// Any failure exits non-zero. Nothing is cached outside the temporary folder
// (npm's cache included), which is removed at the end unless --keep is given.
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { npxEnv } from "./npx-env.mjs"

const root = join(import.meta.dirname, "..")
const keep = process.argv.includes("--keep")
const skipBuild = process.argv.includes("--no-build")
const started = Date.now()

/** Every publishable package: a non-private package.json under packages/. */
const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({ dir: join(root, "packages", dir), manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) }))
  .filter((p) => p.manifest.private !== true)
const names = packages.map((p) => p.manifest.name)

// What a user types: `npm i ociauth effect`, so effect is npm's `latest`, not our pin; the
// compiler and Node's types are the workspace's (STYLE.md).
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const pinned = {
  effect: "latest",
  typescript: rootManifest.devDependencies.typescript,
  "@types/node": rootManifest.devDependencies["@types/node"]
}

const step = (title) => console.log(`\nconsumer-check: ${title} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8", ...options })
  if (result.status !== 0) {
    if (options.capture && result.stdout) process.stdout.write(result.stdout)
    console.error(`\nconsumer-check: FAILED: ${command} ${args.join(" ")} (exit ${result.status ?? result.signal}) in ${options.cwd ?? process.cwd()}`)
    process.exit(1)
  }
  return result.stdout
}
const pnpm = (args, options) => run("npx", ["-y", "pnpm@10.34.9", ...args], { env: npxEnv(), ...options })

const temp = mkdtempSync(join(tmpdir(), "ociauth-consumer-"))
const failures = []
try {
  if (!skipBuild) {
    step("build")
    pnpm(["build"], { cwd: root })
  }

  // What a package may ship: its manifest, README, LICENSE, and built JS and
  // declarations with their maps. Anything else (tests, configs, sources) fails.
  const allowed = /^(package\.json|README\.md|LICENSE(\.md)?|dist\/.+\.(js|js\.map|d\.ts|d\.ts\.map))$/
  const required = ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]
  const checkListing = (label, files) => {
    const bad = files.filter((f) => !allowed.test(f) || /(^|\/)(test|tests|__tests__)\//.test(f) || /\.(test|spec)\./.test(f))
    for (const f of bad) failures.push(`${label}: ships ${f}`)
    for (const f of required) if (!files.includes(f)) failures.push(`${label}: does not ship ${f}`)
    if (files.some((f) => f.endsWith(".map")) && !files.some((f) => f.endsWith(".d.ts.map"))) failures.push(`${label}: no declaration maps`)
  }

  step("npm pack --dry-run: the file lists")
  for (const { dir, manifest } of packages) {
    const [listing] = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, capture: true }))
    checkListing(`npm pack --dry-run ${manifest.name}`, listing.files.map((f) => f.path))
  }

  step("pnpm pack")
  const tarballs = join(temp, "tarballs")
  mkdirSync(tarballs)
  for (const { dir, manifest } of packages) {
    pnpm(["pack", "--pack-destination", tarballs], { cwd: dir, capture: true })
    const file = readdirSync(tarballs).find((f) => f.startsWith(manifest.name.replace("@", "").replace("/", "-") + "-" + manifest.version + ".tgz"))
    if (file === undefined) failures.push(`${manifest.name}: no tarball`)
  }
  for (const file of readdirSync(tarballs)) {
    const listing = run("tar", ["-tzf", join(tarballs, file)], { capture: true }).split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""))
    checkListing(file, listing)
    const manifest = JSON.parse(run("tar", ["-xzOf", join(tarballs, file), "package/package.json"], { capture: true }))
    const text = JSON.stringify(manifest)
    if (text.includes("workspace:")) failures.push(`${file}: a workspace: range in package.json`)
    if (text.includes("@ociauth/source") || text.includes("./src/")) failures.push(`${file}: package.json points at sources`)
    if (manifest.sideEffects !== false) failures.push(`${file}: sideEffects is not false`)
    for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (/^(\*|latest|>=?[^<]*)$/.test(range)) failures.push(`${file}: open range ${dep}@${range}`)
    }
  }
  if (failures.length > 0) throw new Error("the tarballs")

  step("npm install into a project outside the workspace")
  const project = join(temp, "project")
  mkdirSync(project)
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "ociauth-consumer", private: true, type: "module" }, null, 2))
  copyFileSync(join(root, "scripts", "consumer", "consumer.mjs"), join(project, "consumer.mjs"))
  copyFileSync(join(root, "scripts", "consumer", "consumer.ts"), join(project, "consumer.ts"))
  const specs = [...readdirSync(tarballs).map((f) => join(tarballs, f)), ...Object.entries(pinned).map(([name, range]) => `${name}@${range}`)]
  // npm prints every peer conflict it overrides as a warning: a user must see none.
  const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=warn", "--cache", join(temp, "npm-cache"), ...specs], { cwd: project, encoding: "utf8" })
  process.stdout.write(installed.stdout ?? "")
  process.stderr.write(installed.stderr ?? "")
  if (installed.status !== 0) throw new Error(`npm install exited with ${installed.status ?? installed.signal}`)
  const warnings = `${installed.stdout}\n${installed.stderr}`.split("\n").filter((line) => /\bwarn\b/i.test(line) && /peer|ERESOLVE|EBADENGINE|deprecated/i.test(line))
  for (const line of warnings) failures.push(`npm install warned: ${line.trim()}`)
  const effectVersion = JSON.parse(readFileSync(join(project, "node_modules", "effect", "package.json"), "utf8")).version
  console.log(`consumer-check: npm installed effect ${effectVersion} (npm's latest) with ${warnings.length} peer warnings`)
  // Every @ociauth package must come from our tarballs, never from the registry.
  const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8"))
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.replace(/^.*node_modules\//, "")
    if (names.includes(name) && !(entry.resolved ?? "").startsWith("file:")) failures.push(`${path} was installed from ${entry.resolved}`)
    if (name === "effect" && path !== "node_modules/effect") failures.push(`a second copy of effect at ${path}`)
  }
  if (failures.length > 0) throw new Error("the installation")

  step("a. plain node runs consumer.mjs")
  run(process.execPath, ["consumer.mjs", JSON.stringify(names)], { cwd: project, env: { ...process.env, NODE_OPTIONS: "" } })

  step("a. the ociauth command, as `npx ociauth` and through each package's bin")
  const cliVersion = packages.find(({ manifest }) => manifest.name === "@ociauth/cli")?.manifest.version
  const commands = [
    ["npx ociauth", "npx", ["--no-install", "ociauth", "--version"]],
    ["ociauth/dist/bin.js", process.execPath, [join("node_modules", "ociauth", "dist", "bin.js"), "--version"]],
    ["@ociauth/cli/dist/bin.js", process.execPath, [join("node_modules", "@ociauth", "cli", "dist", "bin.js"), "--version"]]
  ]
  for (const [label, command, args] of commands) {
    // A cache folder of its own: the command turns Node's compile cache on in the user's cache folder
    // (`--version` answers before, so `--help` is asked too), never in the shared temporary folder.
    const tmp = mkdtempSync(join(tmpdir(), "ociauth-consumer-tmp-"))
    try {
      const env = { ...npxEnv(), NODE_OPTIONS: "", TMPDIR: join(tmp, "tmp"), XDG_CACHE_HOME: join(tmp, "cache") }
      mkdirSync(env.TMPDIR)
      const printed = run(command, args, { cwd: project, capture: true, env }).trim()
      if (printed !== cliVersion) failures.push(`${label} --version printed ${JSON.stringify(printed)}, not ${cliVersion}`)
      run(command, [...args.slice(0, -1), "--help"], { cwd: project, capture: true, env })
      const cache = join(tmp, "cache", "ociauth", "node-compile-cache")
      if (!existsSync(cache)) failures.push(`${label} did not turn Node's compile cache on (no ${cache})`)
      // npm itself (npx) keeps its own compile cache there: only the commands run by node are asked.
      if (command !== "npx" && existsSync(join(env.TMPDIR, "node-compile-cache"))) failures.push(`${label} put its compile cache in the shared temporary folder`)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  if (failures.length > 0) throw new Error("the command")

  const tsc = join(project, "node_modules", "typescript", "bin", "tsc")
  const strict = [
    "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--noPropertyAccessFromIndexSignature",
    "--exactOptionalPropertyTypes", "--noEmit", "--pretty", "false", "consumer.ts"
  ]
  // The README's code as a user pastes it after `npm i ociauth effect`: it may
  // import nothing else (an @ociauth/* import works only through npm's hoisting).
  const readme = [...readFileSync(join(root, "README.md"), "utf8").matchAll(/^```ts[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1])
  readme.forEach((code, i) => {
    for (const [, specifier] of code.matchAll(/from "([^"]+)"/g)) {
      if (!["ociauth", "effect"].includes(specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"))) {
        failures.push(`README.md block ${i + 1} imports ${specifier}, which \`npm i ociauth effect\` does not install directly`)
      }
    }
    writeFileSync(join(project, `readme-${i + 1}.ts`), code)
  })
  if (failures.length > 0) throw new Error("the README's imports")
  const typed = [...strict, ...readme.map((_, i) => `readme-${i + 1}.ts`)]
  step(`b. tsc --strict (nodenext, noPropertyAccessFromIndexSignature, exactOptionalPropertyTypes, no skipLibCheck): consumer.ts and the README's ${readme.length} blocks`)
  run(process.execPath, [tsc, ...typed], { cwd: project })
  step("b. the same with --erasableSyntaxOnly --verbatimModuleSyntax")
  run(process.execPath, [tsc, ...typed, "--erasableSyntaxOnly", "--verbatimModuleSyntax"], { cwd: project })

  console.log(`\nconsumer-check: passed in ${((Date.now() - started) / 1000).toFixed(0)} s (${names.length} packages: ${names.join(", ")})`)
} catch (error) {
  for (const failure of failures) console.error(`consumer-check: ${failure}`)
  console.error(`consumer-check: FAILED: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  if (keep) console.log(`consumer-check: kept ${relative(process.cwd(), temp) || temp}`)
  else rmSync(temp, { recursive: true, force: true })
}
