/**
 * The sweep: every failure flow a hostile registry or token server can cause ×
 * every kind of credential × both APIs × every place a secret could surface.
 * The servers echo whatever secret they receive (Authorization, query, body)
 * into every field they answer with; no error, event, handed-out request or
 * response URL may hold it, and every failure is typed.
 *
 * The registry is `https://registry.sweep.test`, its realm
 * `https://auth.sweep.test/t`, its blob store `https://cdn.sweep.test`: a
 * transport in front of `fetch` sends them all to one loopback server (the
 * requested host in `x-sweep-host`), so that https rules apply as in production.
 */
import type { ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { inspect } from "node:util"
import { FetchHttpClient, HttpClient, HttpClientError } from "effect/http"
import type { HttpClientRequest, HttpClientResponse } from "effect/http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryError } from "@ociauth/core"
import type { Credential, Retry } from "@ociauth/core"
import { makeRegistryFetch, RegistryClient } from "@ociauth/fetch"
import { Budget } from "@ociauth/testing"
import { Cause, Duration, Effect, Exit, Layer, Option, Schedule } from "effect"
import { Base64Url } from "effect/encoding"
import { assertClean, CANARY, carriesSecret, checked, echoOf, listen, surfaces } from "./attack.js"
import type { HostileServer, Received } from "./attack.js"

const REGISTRY = "registry.sweep.test"
const AUTH = "auth.sweep.test"
const CDN = "cdn.sweep.test"
/** The configured timeouts, scaled: a busy machine must not turn an answer into a timeout before the echo. */
const TIMEOUT = Duration.millis(Budget.scaled(400))
/** One quick retry, and no waiting for a `Retry-After`. */
const retry: Retry.Policy = { schedule: Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(1)]), maxRetryAfter: Duration.millis(50) }

const KINDS = {
  basic: { username: CANARY.username, password: CANARY.password },
  identity: { identityToken: CANARY.identityToken },
  registryToken: { registryToken: CANARY.registryToken }
} satisfies Record<string, Credential.Input>
type Kind = keyof typeof KINDS

interface Context {
  readonly received: Received
  /** Everything secret-looking the request carried, to echo. */
  readonly echo: string
  /** The credential part alone (Authorization's parameter, or the form's password or refresh token), for URLs. */
  readonly secret: string
  readonly url: URL
  readonly response: ServerResponse
  readonly socket: Socket
  readonly reply: (status: number, headers: Record<string, string>, body?: string) => void
  /** Sends status and headers and leaves the body open, for `write`. */
  readonly open: (status: number, headers: Record<string, string>) => void
  readonly write: (text: string) => void
}

interface Flow {
  readonly name: string
  /** Where the attack is: a token endpoint (met by credentials exchanged for a token) or the registry (met by all). */
  readonly at: "token" | "registry"
  /** The registry's challenge to an unauthorised request. */
  readonly challenge?: string
  readonly token?: (ctx: Context) => void
  /** The registry's answer to an authorised request. */
  readonly registry?: (ctx: Context) => void
  readonly cdn?: (ctx: Context) => void
  /** Whether the flow surely echoes a secret (false: resets, loops, silence): the attack is checked to have happened. */
  readonly echoes?: boolean
  /** The kinds that meet the echo, when not those `at` implies (a Basic challenge is only answered by a password). */
  readonly echoFor?: ReadonlyArray<Kind>
}

const bearer = `Bearer realm="https://${AUTH}/t",service="${REGISTRY}"`
const quoted = (text: string) => text.replace(/["\\]/g, "'")
const json = { "content-type": "application/json" }
const oci = (code: string, echo: string) => JSON.stringify({ errors: [{ code, message: `refused ${echo}`, detail: { received: echo, nested: [{ echo }] } }] })
const ociReply = (status: number, code: string, headers: Record<string, string> = {}) => (ctx: Context) =>
  ctx.reply(status, { ...json, ...headers }, oci(code, ctx.echo))
const redirect = (location: (ctx: Context) => string, status = 307) => (ctx: Context) => ctx.reply(status, { location: location(ctx) }, `moved ${ctx.echo}`)
const never = () => {}
const reset = (ctx: Context) => ctx.socket.destroy()
const resetMidBody = (status: number, start: (ctx: Context) => string) => (ctx: Context) => {
  ctx.open(status, json)
  ctx.write(start(ctx))
  setTimeout(() => ctx.socket.destroy(), 20)
}
/** An unsigned JWT whose `access` claim names the secret it received. */
const jwt = (access: unknown) =>
  `${Base64Url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${Base64Url.encode(JSON.stringify({ access, exp: 4102444800, iat: 1700000000 }))}.sig`

const tokenStatuses = [400, 401, 403, 404, 429, 500, 503] as const

const FLOWS: ReadonlyArray<Flow> = [
  // The token endpoint refuses, echoing what it received in every body format.
  ...tokenStatuses.map((status): Flow => ({ name: `token ${status}, OCI errors echo`, at: "token", token: ociReply(status, "UNAUTHORIZED", { "retry-after": "1" }) })),
  ...[400, 401].map((status): Flow => ({
    name: `token ${status}, OAuth2 error_description echo`,
    at: "token",
    token: (ctx) => ctx.reply(status, json, JSON.stringify({ error: "invalid_grant", error_description: `bad ${ctx.echo}`, error_uri: `https://x/${ctx.secret}` }))
  })),
  ...[401, 403].map((status): Flow => ({ name: `token ${status}, plain-text echo`, at: "token", token: (ctx) => ctx.reply(status, { "content-type": "text/plain" }, `denied: ${ctx.echo}`) })),
  ...[500, 502].map((status): Flow => ({ name: `token ${status}, HTML echo`, at: "token", token: (ctx) => ctx.reply(status, { "content-type": "text/html" }, `<html><body><pre>${ctx.echo}</pre></body></html>`) })),
  { name: "token 401 with a WWW-Authenticate echo", at: "token", token: (ctx) => ctx.reply(401, { ...json, "www-authenticate": `Basic realm="${quoted(ctx.echo)}"` }, oci("UNAUTHORIZED", ctx.echo)) },
  // Tokens that are not tokens.
  { name: "token 200, garbage JSON echo", at: "token", token: (ctx) => ctx.reply(200, json, `{"token": ${ctx.echo}`) },
  { name: "token 200, no token, echo", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ error: ctx.echo, expires_in: 300 })) },
  { name: "token 200, wrong types echo", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: 42, access_token: [ctx.echo], expires_in: ctx.echo })) },
  { name: "token 200, empty token echo", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: "", note: ctx.echo })) },
  { name: "token 200, huge body echo", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: CANARY.issuedToken, pad: ctx.echo.repeat(Math.ceil(400_000 / ctx.echo.length)) })) },
  {
    name: "token 200, dripping body echo",
    at: "token",
    token: (ctx) => {
      ctx.open(200, json)
      ctx.write(`{"token":"${ctx.secret}`)
      const timer = setInterval(() => ctx.response.write(" "), 50)
      ctx.response.on("close", () => clearInterval(timer))
    }
  },
  { name: "token 200, the JWT's access claim names the secret", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: jwt([{ type: "repository", name: ctx.echo, actions: ["pull"] }]), expires_in: 300, echo: ctx.echo })) },
  { name: "token 200, the JWT's access claim types the secret", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: jwt([{ type: ctx.secret, name: "f/x", actions: [ctx.secret] }]), expires_in: 300, echo: ctx.echo })) },
  { name: "token 200, refresh_token and scope echo", at: "token", token: (ctx) => ctx.reply(200, json, JSON.stringify({ token: CANARY.issuedToken, refresh_token: ctx.echo, scope: ctx.echo, issued_at: ctx.echo })) },
  {
    name: "token POST refused, the GET fallback echoed",
    at: "token",
    token: (ctx) => (ctx.received.method === "POST" ? ctx.reply(404, {}, "") : ociReply(401, "UNAUTHORIZED")(ctx))
  },
  { name: "token connection reset before headers", at: "token", token: reset, echoes: false },
  { name: "token connection reset mid-body", at: "token", token: resetMidBody(200, (ctx) => `{"token":"${ctx.echo}`) },
  { name: "token endpoint never answers", at: "token", token: never, echoes: false },
  // The token endpoint redirects, with the secret in the Location.
  { name: "token redirect to another origin, secret in the query", at: "token", token: redirect((ctx) => `https://${CDN}/t?leak=${encodeURIComponent(ctx.secret)}`) },
  { name: "token redirect, secret in the userinfo", at: "token", token: redirect((ctx) => `https://u:${encodeURIComponent(ctx.secret)}@${AUTH}/t`) },
  {
    name: "token redirect, secret in the path",
    at: "token",
    token: (ctx) => (ctx.url.pathname === "/t" ? redirect((c) => `/t/${encodeURIComponent(c.secret)}`)(ctx) : ociReply(401, "UNAUTHORIZED")(ctx))
  },
  { name: "token redirect loop", at: "token", token: redirect((ctx) => ctx.url.href), echoes: false },
  { name: "token redirect https → http", at: "token", token: redirect(() => `http://${AUTH}/t`), echoes: false },
  // The registry refuses the token, echoing it into the challenge.
  {
    name: "registry 401 invalid_token, error_description echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `${bearer},error="invalid_token",error_description="${quoted(ctx.echo)}"` }, oci("UNAUTHORIZED", ctx.echo))
  },
  {
    name: "registry 401, realm path echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `Bearer realm="https://${AUTH}/t/${encodeURIComponent(ctx.secret)}",service="${REGISTRY}",error="invalid_token"` })
  },
  {
    name: "registry 401, realm query echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `Bearer realm="https://${AUTH}/t?leak=${encodeURIComponent(ctx.secret)}",service="${REGISTRY}"` })
  },
  {
    name: "registry 401, service echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `Bearer realm="https://${AUTH}/t",service="${quoted(ctx.echo)}",error="invalid_token"` })
  },
  {
    name: "registry 401, scope echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `${bearer},scope="repository:${ctx.secret}:pull",error="invalid_token"` })
  },
  {
    name: "registry 401 insufficient_scope echo",
    at: "registry",
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `${bearer},scope="repository:f/x:pull,push",error="insufficient_scope",error_description="${quoted(ctx.echo)}"` })
  },
  { name: "registry 401 without a challenge, body echo", at: "registry", registry: ociReply(401, "UNAUTHORIZED") },
  { name: "registry 401, malformed challenge echo", at: "registry", registry: (ctx) => ctx.reply(401, { "www-authenticate": `Bearer realm="${quoted(ctx.echo)} ,,= "x` }) },
  {
    name: "registry 401, 100 challenges echo",
    at: "registry",
    registry: (ctx) =>
      ctx.reply(401, { "www-authenticate": Array.from({ length: 100 }, (_, k) => `Bearer realm="https://${AUTH}/t${k}",error_description="${quoted(ctx.echo)}"`).join(", ") })
  },
  {
    name: "registry Basic challenge, realm echo",
    at: "registry",
    challenge: `Basic realm="sweep"`,
    registry: (ctx) => ctx.reply(401, { "www-authenticate": `Basic realm="${quoted(ctx.echo)}"` }, oci("UNAUTHORIZED", ctx.echo)),
    echoFor: ["basic"]
  },
  { name: "registry 403 DENIED echo", at: "registry", registry: ociReply(403, "DENIED") },
  { name: "registry 404 NAME_UNKNOWN echo", at: "registry", registry: ociReply(404, "NAME_UNKNOWN") },
  { name: "registry 405 UNSUPPORTED echo", at: "registry", registry: ociReply(405, "UNSUPPORTED") },
  { name: "registry 429 TOOMANYREQUESTS echo, Retry-After", at: "registry", registry: ociReply(429, "TOOMANYREQUESTS", { "retry-after": "1" }) },
  { name: "registry 500 retried, then failing, echo", at: "registry", registry: ociReply(500, "UNKNOWN") },
  { name: "registry 503 echo, Retry-After 0", at: "registry", registry: ociReply(503, "UNAVAILABLE", { "retry-after": "0" }) },
  { name: "registry connection reset before headers", at: "registry", registry: reset, echoes: false },
  { name: "registry connection reset mid-body", at: "registry", registry: resetMidBody(200, (ctx) => `{"echo":"${ctx.echo}`) },
  { name: "registry never answers", at: "registry", registry: never, echoes: false },
  // The registry redirects, with the secret in the Location.
  { name: "registry redirect to another origin, secret in the query", at: "registry", registry: redirect((ctx) => `https://${CDN}/blob?sig=${encodeURIComponent(ctx.secret)}`) },
  { name: "registry redirect, same origin, secret in the query", at: "registry", registry: redirect((ctx) => `/v2/f/x/blobs/sha256:0?sig=${encodeURIComponent(ctx.secret)}`) },
  { name: "registry redirect to another origin, secret in the userinfo", at: "registry", registry: redirect((ctx) => `https://u:${encodeURIComponent(ctx.secret)}@${CDN}/blob`) },
  { name: "registry redirect, same origin, secret in the userinfo", at: "registry", registry: redirect((ctx) => `https://u:${encodeURIComponent(ctx.secret)}@${REGISTRY}/v2/f/x/blobs/sha256:0`) },
  { name: "registry redirect, secret in the path", at: "registry", registry: redirect((ctx) => `https://${CDN}/blob/${encodeURIComponent(ctx.secret)}`) },
  { name: "registry redirect, secret in a javascript: Location", at: "registry", registry: redirect((ctx) => `javascript:${encodeURIComponent(ctx.secret)}`) },
  { name: "registry redirect, unparsable Location echo", at: "registry", registry: redirect((ctx) => `https://[${ctx.secret}`) },
  { name: "registry 302 without a Location, body echo", at: "registry", registry: (ctx) => ctx.reply(302, json, oci("MOVED", ctx.echo)) },
  { name: "registry redirect loop", at: "registry", registry: redirect((ctx) => ctx.url.href), echoes: false },
  { name: "registry redirect https → http", at: "registry", registry: redirect(() => `http://${CDN}/blob`), echoes: false },
  {
    name: "registry redirect to a store that echoes what it got",
    at: "registry",
    registry: redirect(() => `https://${CDN}/blob`),
    cdn: (ctx) => ctx.reply(403, json, oci("DENIED", `${ctx.echo} ${JSON.stringify(ctx.received.headers)}`))
  }
]

/** What the server echoed per run: proof that each attack happened. */
const echoed = new Set<string>()

const route = (flow: Flow, ctx: Context): void => {
  const host = ctx.url.host
  // The token itself is no echo: written directly.
  if (host === AUTH) return (flow.token ?? ((c) => c.response.writeHead(200, json).end(JSON.stringify({ token: CANARY.issuedToken, expires_in: 300 }))))(ctx)
  if (host === CDN) return (flow.cdn ?? ((c) => c.reply(200, {}, "blob")))(ctx)
  if (ctx.received.headers.authorization === undefined) return ctx.reply(401, { "www-authenticate": flow.challenge ?? bearer }, "")
  return (flow.registry ?? ((c) => c.reply(200, json, "{}")))(ctx)
}

const secretOf = (received: Received): string => {
  const authorization = received.headers.authorization
  if (authorization !== undefined) return authorization.slice(authorization.indexOf(" ") + 1)
  const form = new URLSearchParams(received.body)
  return form.get("refresh_token") ?? form.get("password") ?? ""
}

let server: HostileServer
beforeAll(async () => {
  server = await listen((received, response, socket) => {
    const run = String(received.headers["x-sweep-run"])
    const flow = FLOWS.find((f) => f.name === decodeURIComponent(String(received.headers["x-sweep-flow"])))!
    const url = new URL(received.url, `${received.headers["x-sweep-proto"]}//${received.headers["x-sweep-host"]}`)
    const open = (status: number, headers: Record<string, string>) => {
      if (carriesSecret(JSON.stringify(headers))) echoed.add(run)
      response.writeHead(status, headers)
    }
    const reply = (status: number, headers: Record<string, string>, body = "") => {
      open(status, headers)
      if (carriesSecret(body)) echoed.add(run)
      response.end(body)
    }
    const write = (text: string) => {
      if (carriesSecret(text)) echoed.add(run)
      response.write(text)
    }
    route(flow, { received, echo: echoOf(received), secret: secretOf(received), url, response, socket, reply, open, write })
  })
})
afterAll(() => server.close())

/** `fetch` for one run: every sweep host goes to the loopback server, as `fetch` would (a URL with credentials throws). */
const transport = (flow: Flow, run: string): typeof fetch => async (input, init) => {
  const request = new Request(input, init)
  const url = new URL(request.url)
  const headers = new Headers(request.headers)
  headers.set("x-sweep-host", url.host)
  headers.set("x-sweep-proto", url.protocol)
  headers.set("x-sweep-flow", encodeURIComponent(flow.name))
  headers.set("x-sweep-run", run)
  const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer()
  return fetch(`${server.origin}${url.pathname}${url.search}`, { method: request.method, headers, body, redirect: "manual", signal: request.signal })
}

const target = (flow: Flow) => `https://${REGISTRY}/v2/f/${flow.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}/manifests/latest`

/** A request's own fields, read directly (not through its redacting `toJSON`). */
const requestTexts = (request: HttpClientRequest.HttpClientRequest | undefined): ReadonlyArray<string> =>
  request === undefined ? [] : [request.url, JSON.stringify(request.urlParams), Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join("\n")]

/** An `HttpClient` failure's own fields: its request, its response's request, its cause. */
const failureTexts = (error: unknown): ReadonlyArray<string> => {
  const e = error as { readonly request?: HttpClientRequest.HttpClientRequest; readonly response?: HttpClientResponse.HttpClientResponse }
  return [...surfaces(error), ...requestTexts(e.request), ...requestTexts(e.response?.request)]
}

const eventTexts = (events: ReadonlyArray<AuthEvent.AuthEvent>): ReadonlyArray<string> =>
  events.flatMap((event) => [String(event), JSON.stringify(event), inspect(event, { depth: Infinity })])

const expectEcho = (flow: Flow, kind: Kind): boolean =>
  flow.echoes !== false && (flow.echoFor ?? (flow.at === "token" ? ["basic", "identity"] : ["basic", "identity", "registryToken"])).includes(kind)

let runs = 0
/** Runs that got to their last check. */
const tally = { runs: 0 }

describe.each(Object.keys(KINDS) as Array<Kind>)("%s credentials", (kind) => {
  describe.each(FLOWS.map((flow) => [flow.name, flow] as const))("%s", (_, flow) => {
    it("the façade: a typed rejection or a response; no secret in it, its URL, a body error or any event", async () => {
      const run = `f${++runs}`
      const events: Array<AuthEvent.AuthEvent> = []
      const registryFetch = makeRegistryFetch({
        fetch: transport(flow, run),
        credentials: { [REGISTRY]: KINDS[kind] },
        retry,
        responseTimeout: TIMEOUT,
        authenticator: { retry, requestTimeout: TIMEOUT },
        onEvent: (e) => events.push(e)
      })
      const texts: Array<string> = []
      try {
        const outcome = await registryFetch(target(flow)).then((response) => ({ response }), (error: unknown) => ({ error }))
        if ("error" in outcome) {
          const error = outcome.error
          assert.isTrue(RegistryError.isRegistryError(error) || (error instanceof TypeError && error.message === "fetch failed"), `untyped rejection: ${inspect(error)}`)
          texts.push(...surfaces(error))
        } else {
          texts.push(outcome.response.url)
          const body = await outcome.response.text().then(() => undefined, (error: unknown) => error)
          if (body !== undefined) texts.push(...surfaces(body))
        }
      } finally {
        await registryFetch.close()
      }
      assertClean([...texts, ...eventTexts(events)])
      if (expectEcho(flow, kind)) assert.isTrue(echoed.has(run), "the server echoed a secret")
      tally.runs++
    })

    it.live("the Effect API: Exit, Cause.pretty, the error's fields, every request handed out, body errors, filterStatusOk, events", () => {
      const run = `e${++runs}`
      const events: Array<AuthEvent.AuthEvent> = []
      const live = RegistryClient.layerWith({ retry, responseTimeout: TIMEOUT }).pipe(
        Layer.provide(Authenticator.layer({ retry, requestTimeout: TIMEOUT })),
        Layer.provide([
          Registries.layerGeneric,
          CredentialProvider.layerStatic({ [REGISTRY]: KINDS[kind] }),
          RegistryClient.layerFetchTransport.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, transport(flow, run))))
        ]),
        Layer.provide(AuthEvent.layer((e) => Effect.sync(() => events.push(e))))
      )
      return Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const exit = yield* Effect.exit(client.get(target(flow)))
        const texts: Array<string> = []
        if (Exit.isFailure(exit)) {
          assert.isFalse(Cause.hasDies(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
          const failure = Cause.findErrorOption(exit.cause)
          assert.isTrue(Option.isSome(failure) && HttpClientError.isHttpClientError(failure.value), `untyped failure: ${Cause.pretty(exit.cause)}`)
          texts.push(Cause.pretty(exit.cause), inspect(exit.cause, { depth: Infinity }), JSON.stringify(exit.cause), ...failureTexts(Option.getOrUndefined(failure)))
          const registryError = RegistryClient.registryError(Option.getOrUndefined(failure))
          if (Option.isSome(registryError)) texts.push(...surfaces(registryError.value))
        } else {
          const response = exit.value
          texts.push(...surfaces(response), ...requestTexts(response.request))
          const body = yield* Effect.exit(response.text)
          if (Exit.isFailure(body)) texts.push(Cause.pretty(body.cause), ...failureTexts(Option.getOrUndefined(Cause.findErrorOption(body.cause))))
          const filtered = yield* Effect.exit(RegistryClient.filterStatusOk(response))
          if (Exit.isFailure(filtered)) texts.push(Cause.pretty(filtered.cause), ...surfaces(Option.getOrUndefined(Cause.findErrorOption(filtered.cause))))
        }
        assertClean([...texts, ...eventTexts(events)])
        if (expectEcho(flow, kind)) assert.isTrue(echoed.has(run), "the server echoed a secret")
        tally.runs++
      }).pipe(Effect.provide(live))
    })
  })
})

describe("the sweep", () => {
  it(`covered ${FLOWS.length} flows × ${Object.keys(KINDS).length} credential kinds × 2 APIs`, () => {
    assert.isAtLeast(FLOWS.length, 40)
    assert.strictEqual(new Set(FLOWS.map((f) => f.name)).size, FLOWS.length, "flow names are unique")
    assert.strictEqual(tally.runs, FLOWS.length * Object.keys(KINDS).length * 2)
    // Every (text, secret form) pair looked at; printed so that the number is visible.
    console.log(`sweep: ${tally.runs} runs, ${checked.texts} surface texts, ${checked.pairs} (text, secret form) checks`)
    assert.isAbove(checked.pairs, tally.runs * 10)
  })
})
