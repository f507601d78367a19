import { AuthEvent, Reference, Registries } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Argument, Command, Flag } from "effect/cli"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientResponse, HttpMethod } from "effect/http"
import { CommandFailed, ExitCode, UsageError } from "../../ExitCode.js"
import { Io } from "../../Io.js"
import { engine } from "../engine.js"
import * as Headers from "../headers.js"
import * as Sanitize from "../sanitize.js"
import { checkTarget } from "./given.js"
import { insecure, verbose, withNetworkHints } from "./shared.js"
import type { Seams } from "./token.js"
import { MANIFEST_ACCEPT } from "../manifestAccept.js"

/** A textual body is printed as text (secrets redacted, controls escaped) and read whole: up to this many bytes. */
const MAX_TEXT_BODY = 16 * 1024 * 1024
const TEXT_BODY_TIME = Duration.minutes(2)
const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml)\b|application\/(x-www-form-urlencoded|problem\+json)\b)/i

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** A manifest's URL (`/v2/<name>/manifests/<tag or digest>`): the registry answers it by the media types accepted. */
const MANIFEST_PATH = /\/v2\/.+\/manifests\/[^/]+$/

const isManifestUrl = (url: string): boolean => {
  try {
    return MANIFEST_PATH.test(new URL(url).pathname)
  } catch {
    return false
  }
}

/** The host of what `request` was given (a URL or a reference's registry), for `--insecure`; none when it is neither. */
const hostOf = (target: string): ReadonlyArray<string> => {
  try {
    return [new URL(/^https?:\/\//i.test(target) ? target : `http://${target.split("/")[0]}`).host]
  } catch {
    return []
  }
}

/**
 * The scheme of a reference's registry: `http` with `--insecure`, or when the host's adapter is reached over
 * plain HTTP on that very host (a `hosts.json` entry with `insecure`, or `origin: "http://<host>"`); else
 * `https`. The host stays the reference's: the engine sends the request to the adapter's origin.
 */
const schemeOf = (registry: string, plain: boolean) =>
  Effect.map(Registries.Registries, (registries): "http" | "https" => {
    if (plain) return "http"
    try {
      const origin = new URL(registries.resolve(registry).origin(registry))
      return origin.protocol === "http:" && origin.host === registry.toLowerCase() ? "http" : "https"
    } catch {
      return "https"
    }
  })

/**
 * What a successful request answered, without `-v`: the status, and the digest, media type and size the
 * registry gave (a HEAD's whole answer). Server text: secrets redacted, controls shown escaped.
 */
const summary = (response: HttpClientResponse.HttpClientResponse): string => {
  const rows: Array<readonly [string, string | undefined]> = [
    ["status", String(response.status)],
    ["digest", response.headers["docker-content-digest"]],
    ["type", response.headers["content-type"]],
    ["size", response.headers["content-length"] === undefined ? undefined : `${response.headers["content-length"]} bytes`]
  ]
  return rows.flatMap(([name, value]) => (value === undefined ? [] : [`${name.padEnd(6)}  ${shown(value)}\n`])).join("")
}

/** One line per event, for `-v`. No event carries a secret. */
export const describe = (event: AuthEvent.AuthEvent): string =>
  AuthEvent.AuthEvent.$match(event, {
    ChallengeDiscovered: (e) => `challenge from ${e.origin}: ${e.challenge}`,
    TokenRequested: (e) => `token request: ${e.method} ${e.realm} service=${e.service ?? "(none)"} scopes=${e.scopes.join(" ") || "(none)"} as ${e.credential}`,
    TokenPostFallback: (e) => `the OAuth2 POST was refused (${e.status ?? "not JSON"}): asking again with GET`,
    TokenIssued: (e) =>
      `token issued for ${e.scopes.join(" ") || "(no scope)"}: grants ${Option.match(e.granted, { onNone: () => "(opaque)", onSome: (g) => g.join(" ") || "nothing" })}, expires ${DateTime.formatIso(e.expiresAt)}`,
    TokenCacheHit: (e) => `token from the cache for ${e.scopes.join(" ")}`,
    TokenRefreshAhead: (e) => `renewing the token for ${e.scopes.join(" ")} ahead of its expiry`,
    TokenInvalidated: (e) => `the registry refused the token for ${e.scopes.join(" ")}: dropped`,
    RefreshFailed: (e) => `renewing a ${e.what} for ${e.target} failed: ${e.reason}`,
    Retrying: (e) => `retrying ${e.target}: ${e.reason}`,
    Redirected: (e) => `redirected ${e.from} → ${e.to} (${e.authorization ? "credentials kept: same origin" : "credentials dropped"})`
  })

/** Server text in a `-v` line: every secret the engine sent redacted, controls shown escaped. */
const shown = (text: string): string => Sanitize.field(Unstable.redact(text))

/**
 * A textual body with every form of every secret the engine sent redacted. A JSON body is also read: a secret
 * hidden by its escapes (`\u0070\u0077…`, JSON inside a string) is found in the decoded strings, and the body is
 * then printed re-encoded from the redacted values; otherwise it is printed as the server wrote it.
 */
const redactBody = (text: string): string => {
  const redacted = Unstable.redact(text)
  let parsed: unknown
  try {
    parsed = JSON.parse(redacted)
  } catch {
    return redacted
  }
  let changed = false
  const clean = Sanitize.deep(parsed, (value) => {
    const out = Unstable.redact(value)
    if (out !== value) changed = true
    return out
  })
  return changed ? `${JSON.stringify(clean, null, 2)}\n` : redacted
}

/** A body read whole as UTF-8: up to `MAX_TEXT_BODY` bytes, within `TEXT_BODY_TIME`. */
const readText = (response: HttpClientResponse.HttpClientResponse, what: string) =>
  Unstable.readText(response, { maxBytes: MAX_TEXT_BODY, timeout: TEXT_BODY_TIME }).pipe(
    Effect.mapError(
      (error) =>
        new CommandFailed({
          code: ExitCode.failure,
          reason:
            error._tag === "BodyTooLarge"
              ? `${what}: the textual body is larger than ${MAX_TEXT_BODY} bytes`
              : error._tag === "BodyTimeout"
                ? `${what}: the body did not arrive within ${Duration.format(TEXT_BODY_TIME)}`
                : `${what}: the body could not be read`
        })
    )
  )

export const make = (seams: Seams = {}) =>
  Command.make(
    "request",
    {
      args: Argument.String("[METHOD] target").pipe(
        // the name says it all: no type after it
        Argument.withMetavar(""),
        Argument.withDescription(
          "An optional method (GET by default; HEAD, POST, PUT, PATCH, DELETE, OPTIONS), then a registry URL (https://ghcr.io/v2/owner/app/tags/list) or an image reference (ghcr.io/owner/app:1.0: its manifest)."
        ),
        Argument.between(1, 2)
      ),
      header: Flag.String("header").pipe(
        Flag.withAlias("H"),
        Flag.withMetavar("'Name: value'"),
        Flag.withDescription("Add a request header, or replace one ociauth sets (a manifest's Accept). Repeatable."),
        Flag.atLeast(0)
      ),
      insecure,
      verbose
    },
    ({ args, header, insecure: plain, verbose: explain }) =>
      Effect.flatMap(Io, (io) => {
        // The -v lines wait for the response's headers: by then the engine knows every secret it sent, so a server
        // that echoed one early (in the very first challenge) is redacted too. A failure prints what was kept.
        const pending: Array<string> = []
        const explainLine = (text: string) => Effect.sync(() => void (explain && pending.push(text)))
        // Whether the engine asked for a token with a credential: a pull limit met is then the account's.
        let authenticated: boolean | undefined
        const onEvent = (event: AuthEvent.AuthEvent) =>
          Effect.andThen(
            Effect.sync(() => {
              if (event._tag === "TokenRequested") authenticated = event.credential !== "anonymous"
            }),
            explainLine(`· ${describe(event)}`)
          )
        const flush = Effect.suspend(() => (pending.length === 0 ? Effect.void : io.stderr(pending.splice(0).map((line) => `${shown(line)}\n`).join(""))))
        return Effect.gen(function* () {
        const [first, second] = args
        const method = (second === undefined ? "GET" : first!.toUpperCase()) as HttpMethod.HttpMethod
        const target = second ?? first!
        if (!METHODS.has(method)) return yield* new UsageError({ reason: `unknown method ${method}`, hint: `one of ${[...METHODS].join(", ")}` })
        yield* checkTarget(target)
        let url: string
        const headers: Record<string, string> = {}
        if (/^https?:\/\//i.test(target)) {
          url = target
        } else {
          // Not a URL: an image reference, and what the library says is wrong with it when it is none.
          const reference = yield* Reference.parse(target).pipe(
            Effect.mapError((error) => new UsageError({ reason: error.message, hint: "Give an image reference (ociauth request ghcr.io/owner/app:1.0) or a URL (ociauth request HEAD https://ghcr.io/v2/owner/app/manifests/1.0)." }))
          )
          url = `${yield* schemeOf(reference.registry, plain)}://${reference.registry}/v2/${reference.repository}/manifests/${Reference.identifier(reference)}`
        }
        // A manifest is served by the media types accepted: without them a registry may answer 404 (distribution's
        // does for an OCI manifest). -H accept: … overrides them.
        if (isManifestUrl(url)) headers.accept = MANIFEST_ACCEPT
        for (const line of header) {
          const colon = line.indexOf(":")
          if (colon <= 0) return yield* new UsageError({ reason: `"${line}" is not a header`, hint: "-H 'Name: value'" })
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        yield* explainLine(`> ${method} ${Unstable.redactUrl(url)}`)
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(headers)))
        yield* explainLine(`< ${response.status}`)
        for (const [name, value] of Object.entries(response.headers)) yield* explainLine(`< ${name}: ${Headers.shown(name, value, url)}`)
        yield* flush
        if (response.status < 400 && method === "HEAD") {
          // A HEAD's answer is its status and headers: the output, -v or not.
          yield* io.stdout(summary(response))
        } else if (response.status < 400 && !explain && io.stderrIsTTY) {
          // The body goes to standard output; on a terminal, what it is goes beside it.
          yield* io.stderr(summary(response))
        }
        let body = ""
        if (!Unstable.hasNoBody(response)) {
          // A textual body, and any error body, is text: secrets redacted, controls shown escaped. Other bodies are
          // data: as they are to a file or a pipe, never onto a terminal.
          const type = response.headers["content-type"] ?? ""
          if (response.status >= 400 || type === "" || TEXTUAL.test(type)) {
            body = yield* readText(response, `${method} ${Unstable.redactUrl(url)}`)
            const text = Sanitize.text(redactBody(body))
            // On a terminal the prompt starts on a line of its own; to a file or a pipe the body stays as it came
            // (a manifest's bytes are its digest's).
            yield* io.stdout(io.stdoutIsTTY && text !== "" && !text.endsWith("\n") ? `${text}\n` : text)
          } else if (io.stdoutIsTTY) {
            yield* Unstable.discard(response)
            yield* io.stderr(`(${/^[aeiou]/i.test(type) ? "an" : "a"} ${shown(type)} body is not printed on a terminal: redirect standard output to a file)\n`)
          } else {
            yield* response.stream.pipe(Stream.runForEach((chunk) => io.stdout(chunk)))
          }
        }
        if (response.status === 429) {
          // Which limit, when to retry, how to raise it: the SDK's RateLimited (exit 5, with what to do).
          const limited = Unstable.rateLimitedFrom({
            url,
            status: response.status,
            headers: response.headers,
            text: body,
            nowMillis: yield* Clock.currentTimeMillis,
            authenticated
          })
          if (Option.isSome(limited)) return yield* limited.value
        }
        if (response.status >= 400) {
          return yield* new CommandFailed({
            code: response.status === 401 || response.status === 403 ? ExitCode.auth : ExitCode.failure,
            reason: `${method} ${Unstable.redactUrl(url)} answered ${response.status}`
          })
        }
      }).pipe(
        withNetworkHints({ insecure: plain, url: /^https?:\/\//i.test(args[args.length - 1]!) }),
        Effect.ensuring(flush),
        Effect.provide(
          engine({
            insecure: plain ? hostOf(args[args.length - 1]!) : [],
            ...seams,
            onEvent
          })
        )
      )
      })
  ).pipe(
    Command.withDescription(
      "Send an authenticated request, as curl would, with the credentials of docker's config or its helpers (anonymous without): the auth flow, retries and redirects are ociauth's. A manifest is asked for with the OCI and Docker manifest and index media types. The body goes to standard output; a HEAD prints the status, digest, media type and size; -v explains the flow on standard error."
    ),
    Command.withShortDescription("Send an authenticated request to a registry (an authenticated curl)."),
    Command.withExamples([
      { command: "ociauth request HEAD docker.io/library/alpine:latest", description: "The status and digest of an image's manifest" },
      { command: "ociauth request docker.io/library/alpine:latest", description: "The manifest (here an index) itself" },
      { command: "ociauth request https://registry-1.docker.io/v2/library/alpine/tags/list", description: "Any registry URL: the tags of a repository" },
      { command: "ociauth request -v HEAD https://registry-1.docker.io/v2/library/alpine/manifests/latest", description: "Every step of the auth flow on standard error" },
      {
        command: "ociauth request -H 'Accept: application/vnd.oci.image.manifest.v1+json' localhost:5000/team/app:1.0 --insecure",
        description: "A plain-HTTP lab registry, one media type only"
      }
    ])
  )
