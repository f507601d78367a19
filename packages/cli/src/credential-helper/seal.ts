/**
 * The helper's answers and logins are sealed (AES-256-GCM, WebCrypto) before
 * they reach a file: the cache folder (`~/.cache/ociauth`, often kept by CI
 * caches and backups) never holds a secret in clear. The key is 32 random bytes
 * in the user's state folder (`$XDG_STATE_HOME/ociauth/credential-helper.key`,
 * else `~/.local/state/ociauth/…`), a `0600` file of a `0700` folder, created on
 * first use.
 */
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Base64Url from "effect/encoding/Base64Url"

export class SealError extends Data.TaggedError("SealError")<{ readonly reason: string }> {}

export interface Sealer {
  readonly seal: (plaintext: string, name: string) => Effect.Effect<string>
  /** `None` when the text was not sealed by this key for `name` (tampered, another key, another entry). */
  readonly open: (sealed: string, name: string) => Effect.Effect<Option.Option<string>>
}

const VERSION = "s1."

const env = (name: string) => Config.option(Config.NonEmptyString(name)).pipe(Effect.orElseSucceed(() => Option.none<string>()))

/** The state folder of the helper. */
export const stateDirectory: Effect.Effect<string, never, Path.Path> = Effect.gen(function* () {
  const path = yield* Path.Path
  const xdg = yield* env("XDG_STATE_HOME")
  if (Option.isSome(xdg) && path.isAbsolute(xdg.value)) return path.join(xdg.value, "ociauth")
  const home = yield* env("HOME")
  return path.join(Option.getOrElse(home, () => "."), ".local", "state", "ociauth")
})

const readKey = (fs: FileSystem.FileSystem, file: string) =>
  fs.readFile(file).pipe(Effect.map((bytes) => (bytes.length === 32 ? Option.some(bytes) : Option.none())))

/** The key: read, or created (exclusively: two processes creating it at once agree on the first). */
const keyBytes = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = yield* stateDirectory
  const file = path.join(dir, "credential-helper.key")
  const existing = yield* readKey(fs, file).pipe(Effect.orElseSucceed(() => Option.none<Uint8Array>()))
  if (Option.isSome(existing)) return existing.value
  yield* fs.makeDirectory(dir, { recursive: true, mode: 0o700 })
  const fresh = crypto.getRandomValues(new Uint8Array(32))
  yield* fs.writeFile(file, fresh, { flag: "wx", mode: 0o600 }).pipe(Effect.catchReason("PlatformError", "AlreadyExists", () => Effect.void))
  const written = yield* readKey(fs, file)
  return yield* Option.match(written, {
    onNone: () => Effect.fail(new SealError({ reason: `the key ${file} is not 32 bytes` })),
    onSome: Effect.succeed
  })
}).pipe(Effect.catchTag("PlatformError", (e) => Effect.fail(new SealError({ reason: `cannot keep the key (${e.reason._tag})` }))))

export const make: Effect.Effect<Sealer, SealError, FileSystem.FileSystem | Path.Path> = Effect.gen(function* () {
  const raw = yield* keyBytes
  const key = yield* Effect.promise(() => crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, ["encrypt", "decrypt"]))
  const aad = (name: string) => new TextEncoder().encode(`docker-credential-ociauth\u0000${name}`)
  return {
    seal: (plaintext, name) =>
      Effect.promise(async () => {
        const iv = crypto.getRandomValues(new Uint8Array(12))
        const sealed = new Uint8Array(
          await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(name) }, key, new TextEncoder().encode(plaintext))
        )
        return `${VERSION}${Base64Url.encode(iv)}.${Base64Url.encode(sealed)}`
      }),
    open: (sealed, name) => {
      if (!sealed.startsWith(VERSION)) return Effect.succeedNone
      const [ivText, bodyText] = sealed.slice(VERSION.length).split(".")
      if (ivText === undefined || bodyText === undefined) return Effect.succeedNone
      const iv = Base64Url.decode(ivText)
      const body = Base64Url.decode(bodyText)
      if (iv._tag === "Failure" || body._tag === "Failure") return Effect.succeedNone
      return Effect.tryPromise(() =>
        crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(iv.success), additionalData: aad(name) }, key, new Uint8Array(body.success))
      ).pipe(
        Effect.map((plain) => Option.some(new TextDecoder().decode(plain))),
        Effect.orElseSucceed(() => Option.none<string>())
      )
    }
  }
})
