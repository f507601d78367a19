/**
 * Shared by the CLI's security attacks (issue 26 §2–4): a canary credential in
 * every form a server could echo it in, a transport that lets only loopback
 * through (a realm such as `http://10.0.0.1/` is recorded, never contacted),
 * loopback servers, and the assertions on what the CLI printed.
 */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { assert } from "@effect/vitest"
import { Credential } from "@ociauth/core"
import { RegistryClient } from "@ociauth/fetch"
import { Effect, Layer, Redacted } from "effect"
import { Base64, Base64Url } from "effect/encoding"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import type { HttpClientRequest } from "effect/http"

/** `"`, `\`, `+`, `/`, `*`, `~` and a space: every encoding of it differs from the raw text. */
export const CANARY = {
  username: "alice",
  password: `pw"CANARY\\+/5e3f *~9a`,
  issued: "iss-CANARY-d3a1f0e8"
} as const

export const basic = Credential.Basic({ username: CANARY.username, password: Redacted.make(CANARY.password) })

const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())

/** A secret as a server may echo it: raw, JSON-escaped, percent- and form-encoded, base64 (padded or not, url). */
export const forms = (secret: string): ReadonlyArray<string> => {
  const json = JSON.stringify(secret).slice(1, -1)
  const base64 = Base64.encode(secret)
  const form = new URLSearchParams({ p: secret }).toString().slice(2)
  return [
    ...new Set([
      secret,
      json,
      json.replace(/\//g, "\\/"),
      encodeURIComponent(secret),
      lower(encodeURIComponent(secret)),
      strict(secret),
      lower(strict(secret)),
      form,
      lower(form),
      base64,
      base64.replace(/=+$/, ""),
      Base64Url.encode(secret)
    ])
  ]
}

/** The password, and the `user:password` pair Basic sends, in every form. */
export const PASSWORD_FORMS: ReadonlyArray<string> = [CANARY.password, `${CANARY.username}:${CANARY.password}`].flatMap(forms)
/** The token the hostile token server issues, in every form. */
export const ISSUED_FORMS: ReadonlyArray<string> = forms(CANARY.issued)

/**
 * The interior of the base64 runs that encode a secret wherever it starts in a
 * longer encoded text (`base64("Authorization: Basic …")`): seen in the output,
 * the secret can be read back.
 */
const cores = (secret: string): ReadonlyArray<string> => {
  const bytes = new TextEncoder().encode(secret)
  const out: Array<string> = []
  for (let k = 0; k < 3; k++) {
    const shifted = new Uint8Array(k + bytes.length)
    shifted.set(bytes, k)
    const core = Base64.encode(shifted).slice(Math.ceil((8 * k) / 6) + 1, Math.floor((8 * (k + bytes.length)) / 6) - 1)
    out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"))
  }
  return out
}

/** What must never be printed: the password and the pair in every form, and the base64 runs of the password. */
export const LEAKS: ReadonlyArray<string> = [...PASSWORD_FORMS, ...cores(CANARY.password)]

/** A text echoing the password in every form, as a hostile server writes it into a body. */
export const echoAll = (): string =>
  [
    ...PASSWORD_FORMS,
    `Basic ${Base64.encode(`${CANARY.username}:${CANARY.password}`)}`,
    Base64.encode(`you sent: ${CANARY.password}`),
    Base64.encode(`x${CANARY.password}`),
    Base64Url.encode(`xy${CANARY.password}`)
  ].join(" | ")

/** Every string inside a JSON document, decoded (so an echo in `\u` escapes is seen too). */
const strings = (value: unknown): ReadonlyArray<string> =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
    ? value.flatMap(strings)
    : value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
    : []

/** Fails naming the first secret form found in any text (and in the decoded strings of any JSON text). */
export const assertNoSecret = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string>, label = ""): void => {
  for (const text of texts) {
    let decoded: ReadonlyArray<string> = []
    try {
      decoded = strings(JSON.parse(text))
    } catch {
      decoded = []
    }
    for (const candidate of [text, ...decoded]) {
      for (const secret of secrets) {
        const at = candidate.indexOf(secret)
        if (at !== -1) assert.fail(`${label}: secret ${JSON.stringify(secret)} in: ${JSON.stringify(candidate.slice(Math.max(0, at - 120), at + secret.length + 120))}`)
      }
    }
  }
}

/** Control characters a terminal acts on: C0 but tab and line feed (and CR before LF), DEL, C1, bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** Fails naming the first raw control character found. */
export const assertNoControl = (texts: ReadonlyArray<string>, label = ""): void => {
  for (const text of texts) {
    const match = RAW_CONTROL.exec(text)
    if (match !== null) {
      assert.fail(`${label}: raw U+${match[0].charCodeAt(0).toString(16).padStart(4, "0")} in: ${JSON.stringify(text.slice(Math.max(0, match.index - 80), match.index + 80))}`)
    }
  }
}

export interface Sent {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const bodyText = (request: HttpClientRequest.HttpClientRequest): string => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return new TextDecoder().decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : ""
    default:
      return ""
  }
}

const isLoopback = (hostname: string) => hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]"

/**
 * A transport that records every request. Loopback requests go to `loopback`
 * (the real fetch transport by default); any other host is answered by
 * `elsewhere` (a transport error by default) without a connection being made,
 * so a test never sends traffic off the machine.
 */
export const recording = (
  elsewhere: (sent: Sent) => Response | "transport-error" = () => "transport-error",
  loopback: Layer.Layer<HttpClient.HttpClient> = RegistryClient.layerFetchTransport
) => {
  const log: Array<Sent> = []
  const layer = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (real) =>
      HttpClient.make((request, url) =>
        Effect.suspend(() => {
          const sent: Sent = { method: request.method, url, headers: { ...request.headers }, body: bodyText(request) }
          log.push(sent)
          if (isLoopback(url.hostname)) return real.execute(request)
          const answer = elsewhere(sent)
          return answer === "transport-error"
            ? Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description: "not contacted (test)" }) }))
            : Effect.succeed(HttpClientResponse.fromWeb(request, answer))
        })
      )
    )
  ).pipe(Layer.provide(loopback))
  return { log, layer }
}

/** Whether a request carried the canary credential (any form) in its Authorization, URL or body. */
export const carriesCredential = (sent: Sent): boolean => {
  const text = [sent.headers.authorization ?? "", sent.url.href, sent.body].join(" ")
  return PASSWORD_FORMS.some((f) => text.includes(f))
}

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

export interface Server {
  readonly origin: string
  readonly host: string
  readonly received: Array<Received>
  readonly close: () => Promise<void>
}

/** A loopback HTTP server recording every request; `handle` answers it. */
export const listen = async (handle: (received: Received, response: ServerResponse) => void): Promise<Server> => {
  const sockets = new Set<Socket>()
  const received: Array<Received> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const r: Received = { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") }
      received.push(r)
      try {
        handle(r, response)
      } catch (error) {
        response.destroy(error as Error)
      }
    })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
