import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  DateTime,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Formatter,
  Layer,
  Logger,
  Option,
  Redacted,
  References,
  Schedule
} from "effect"
import { TestClock } from "effect/testing"
import { HttpClientError, HttpClientRequest } from "effect/http"
import { AuthEvent, Authenticator, CredentialProvider, Registries, RegistryAdapter, Retry, Scope, TokenStore } from "@ociauth/core"
import { Credential } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import { fakeHttp, json, jwt } from "./utils/fakeHttp.js"
import type { Handler, Recorded } from "./utils/fakeHttp.js"

const ORIGIN = "https://registry.example"
const REALM = "https://auth.example/token"
const challenge = { scheme: "bearer", realm: REALM, service: "registry.example", scopes: [] } as const
const pull = (name = "team/app") => Scope.repository(name, ["pull"])
const CANARY = "CANARY-pw-91c2e"

/** Grants what was asked, as a JWT, for 300 s. */
const grantAll: Handler = (request) => {
  const scopes = request.method === "GET"
    ? request.url.searchParams.getAll("scope")
    : (new URLSearchParams(request.body).get("scope") ?? "").split(" ").filter(Boolean)
  const access = scopes.map((s) => {
    const [type, ...rest] = s.split(":")
    const actions = rest.pop()!.split(",")
    return { type, name: rest.join(":"), actions }
  })
  return json(200, { token: jwt({ access }), expires_in: 300 })
}

interface Setup {
  readonly credentials?: Record<string, Credential.Input>
  readonly adapters?: ReadonlyArray<RegistryAdapter.RegistryAdapter>
  readonly options?: Authenticator.Options
  /** Whether the engine is built with an `AuthEvents` handler (default: yes, recording into `events`). */
  readonly events?: boolean
}

const setup = (handler: Handler, config: Setup = {}) => {
  const http = fakeHttp(handler)
  const events: Array<AuthEvent.AuthEvent> = []
  const layer = Authenticator.layer(config.options).pipe(
    Layer.provide(
      Layer.mergeAll(
        http.layer,
        Registries.layer(config.adapters ?? []),
        config.credentials ? CredentialProvider.layerStatic(config.credentials) : CredentialProvider.layerAnonymous,
        config.events === false ? Layer.empty : AuthEvent.layer((event) => Effect.sync(() => events.push(event)))
      )
    )
  )
  const tokenRequests = () => http.log.filter((r) => r.url.origin === new URL(REALM).origin)
  return { http, events, layer, tokenRequests }
}

const authorize = (scopes: ReadonlyArray<Scope.Scope> = [pull()], overrides: Partial<Authenticator.AuthorizeRequest> = {}) =>
  Effect.flatMap(Authenticator.Authenticator, (auth) =>
    auth.authorize({ origin: ORIGIN, challenge, scopes, ...overrides })
  )

const bearerValue = (a: Authenticator.Authorization) => Redacted.value(a.credentials)

/** Lets background fibers run until `condition` holds (at most 1,000 scheduler turns). */
const eventually = (condition: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000 && !condition(); i++) yield* Effect.yieldNow
    assert.isTrue(condition(), "condition never held")
  })

describe("Authenticator: token request", () => {
  it.effect("GET: service, one scope parameter per merged scope, anonymous", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      const auth = yield* authorize([pull("b"), Scope.repository("a", ["push"]), Scope.repository("a", ["pull"])])
      assert.strictEqual(auth.scheme, "Bearer")
      const [request] = t.tokenRequests()
      assert.strictEqual(request!.method, "GET")
      assert.strictEqual(request!.url.searchParams.get("service"), "registry.example")
      assert.deepStrictEqual(request!.url.searchParams.getAll("scope"), ["repository:a:pull,push", "repository:b:pull"])
      assert.isUndefined(request!.headers["authorization"])
      assert.isFalse(request!.url.searchParams.has("account"))
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("GET with Basic credentials sends account and Basic auth; keeps the realm's own query", () => {
    const t = setup(grantAll, { credentials: { "registry.example": { username: "alice", password: "s3cret" } } })
    return Effect.gen(function* () {
      yield* authorize([pull()], { challenge: { ...challenge, realm: `${REALM}?tenant=blue` } })
      const [request] = t.tokenRequests()
      assert.strictEqual(request!.url.searchParams.get("tenant"), "blue")
      assert.strictEqual(request!.url.searchParams.get("account"), "alice")
      assert.strictEqual(request!.headers["authorization"], `Basic ${Buffer.from("alice:s3cret").toString("base64")}`)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("identity token: OAuth2 POST with grant_type=refresh_token", () => {
    const t = setup(grantAll, { credentials: { "registry.example": { identityToken: "refresh-me" } } })
    return Effect.gen(function* () {
      yield* authorize([pull("a"), Scope.repository("b", ["push"])])
      const [request] = t.tokenRequests()
      assert.strictEqual(request!.method, "POST")
      const form = new URLSearchParams(request!.body)
      assert.strictEqual(form.get("grant_type"), "refresh_token")
      assert.strictEqual(form.get("refresh_token"), "refresh-me")
      assert.strictEqual(form.get("client_id"), "ociauth")
      assert.strictEqual(form.get("service"), "registry.example")
      assert.strictEqual(form.get("scope"), "repository:a:pull repository:b:push")
      assert.strictEqual(request!.headers["content-type"], "application/x-www-form-urlencoded")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("an adapter that asks for POST gets grant_type=password", () => {
    const adapter = RegistryAdapter.make({ name: "post", hosts: ["registry.example"], tokenRequest: { method: "post", clientId: "mine" } })
    const t = setup(grantAll, { adapters: [adapter], credentials: { "registry.example": { username: "u", password: "p" } } })
    return Effect.gen(function* () {
      yield* authorize()
      const form = new URLSearchParams(t.tokenRequests()[0]!.body)
      assert.strictEqual(form.get("grant_type"), "password")
      assert.strictEqual(form.get("username"), "u")
      assert.strictEqual(form.get("password"), "p")
      assert.strictEqual(form.get("client_id"), "mine")
    }).pipe(Effect.provide(t.layer))
  })

  for (const status of [400, 401, 403, 404, 405]) {
    it.effect(`POST answered ${status} falls back to GET`, () => {
      const t = setup((r) => (r.method === "POST" ? json(status, { errors: [] }) : grantAll(r)), {
        credentials: { "registry.example": { identityToken: "rt", username: "bob" } }
      })
      return Effect.gen(function* () {
        yield* authorize()
        assert.deepStrictEqual(t.tokenRequests().map((r) => r.method), ["POST", "GET"])
        const get = t.tokenRequests()[1]!
        assert.strictEqual(get.headers["authorization"], `Basic ${Buffer.from("bob:rt").toString("base64")}`)
        assert.isTrue(t.events.some((e) => e._tag === "TokenPostFallback" && e.status === status))
      }).pipe(Effect.provide(t.layer))
    })
  }

  it.effect("an adapter that asks for GET never POSTs, not even an identity token (Basic <username>:<token>)", () => {
    const adapter = RegistryAdapter.make({ name: "get-only", hosts: ["registry.example"], tokenRequest: { method: "get" } })
    const t = setup(grantAll, { adapters: [adapter], credentials: { "registry.example": { identityToken: "rt", username: "bob" } } })
    return Effect.gen(function* () {
      yield* authorize()
      assert.deepStrictEqual(t.tokenRequests().map((r) => r.method), ["GET"])
      assert.strictEqual(t.tokenRequests()[0]!.headers["authorization"], `Basic ${Buffer.from("bob:rt").toString("base64")}`)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("POST answered 200 with a body that is not JSON falls back to GET", () => {
    const t = setup((r) => (r.method === "POST" ? new Response("<html>sign in</html>", { status: 200 }) : grantAll(r)), {
      credentials: { "registry.example": { identityToken: "rt" } }
    })
    return Effect.gen(function* () {
      yield* authorize()
      assert.deepStrictEqual(t.tokenRequests().map((r) => r.method), ["POST", "GET"])
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a registry token is sent as it is, without any token request", () => {
    const t = setup(grantAll, { credentials: { "registry.example": { registryToken: "as-is" } } })
    return Effect.gen(function* () {
      const auth = yield* authorize()
      assert.strictEqual(Authenticator.headerValue(auth), "Bearer as-is")
      assert.strictEqual(t.http.log.length, 0)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("exactly the request's scopes are requested: a challenge's scope is never merged in by the engine", () => {
    const ghcrLike = RegistryAdapter.make({ name: "ghcr-like", hosts: ["registry.example"], trustChallengeScope: false })
    const placeholder = { ...challenge, scopes: [Scope.repository("user/image", ["pull"])] }
    const trusting = setup(grantAll)
    const distrusting = setup(grantAll, { adapters: [ghcrLike] })
    return Effect.gen(function* () {
      yield* authorize([pull()], { challenge: placeholder }).pipe(Effect.provide(trusting.layer))
      yield* authorize([pull()], { challenge: placeholder }).pipe(Effect.provide(distrusting.layer))
      assert.deepStrictEqual(trusting.tokenRequests()[0]!.url.searchParams.getAll("scope"), ["repository:team/app:pull"])
      assert.deepStrictEqual(distrusting.tokenRequests()[0]!.url.searchParams.getAll("scope"), ["repository:team/app:pull"])
    })
  })

  it("challengeScopes: a registry never widens a request beyond what it needs (opaque scopes aside)", () => {
    const trusting = RegistryAdapter.generic
    const ghcrLike = RegistryAdapter.make({ name: "ghcr-like", hosts: ["registry.example"], trustChallengeScope: false })
    const needed = [Scope.repository("team/app", ["pull", "push"])]
    const offered = [
      Scope.repository("team/app", ["pull"]),
      Scope.repository("team/app", ["delete"]),
      Scope.repository("other/secret", ["pull"]),
      Scope.opaque("aws")
    ]
    assert.deepStrictEqual(Unstable.challengeScopes(trusting, needed, offered).map(Scope.format), ["repository:team/app:pull", "aws"])
    assert.deepStrictEqual(Unstable.challengeScopes(ghcrLike, needed, offered), [])
  })
})

describe("Authenticator: Basic challenges", () => {
  const basic = { scheme: "basic", realm: "https://registry.example/" } as const

  it.effect("are answered with the Basic credential and no token request", () => {
    const t = setup(grantAll, { credentials: { "registry.example": { username: "AWS", password: "pw" } } })
    return Effect.gen(function* () {
      const auth = yield* authorize([pull()], { challenge: basic })
      assert.strictEqual(Authenticator.headerValue(auth), `Basic ${Buffer.from("AWS:pw").toString("base64")}`)
      assert.strictEqual(t.http.log.length, 0)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("fail as Unauthorized without credentials", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize([pull()], { challenge: basic }))
      assert.strictEqual(error._tag, "TokenRequestError")
      assert.strictEqual((error as any).reason, "Unauthorized")
    }).pipe(Effect.provide(t.layer))
  })
})

describe("Authenticator: lifetime and cache", () => {
  const at = (seconds: number) => TestClock.setTime(seconds * 1000)

  it.effect("a token is reused until its expires_in runs out (and renewed ahead)", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      const first = yield* authorize()
      yield* at(100)
      const second = yield* authorize()
      assert.strictEqual(bearerValue(first), bearerValue(second))
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* at(301)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("without expires_in a token lasts 60 s", () => {
    const t = setup(() => json(200, { token: "opaque-ghs-token" }))
    return Effect.gen(function* () {
      yield* authorize()
      yield* at(50)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* at(61)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("without expires_in a token lasts the adapter's default lifetime", () => {
    const t = setup(() => json(200, { token: "opaque" }), {
      adapters: [RegistryAdapter.make({ name: "long", hosts: ["registry.example"], defaultTokenLifetime: "300 seconds" })]
    })
    return Effect.gen(function* () {
      yield* authorize()
      yield* at(200)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* at(301)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("issued_at counts when sane", () => {
    // issued 50 s before the exchange: 300 - 50 = 250 s left.
    const t = setup(() => json(200, { token: "t", expires_in: 300, issued_at: "1970-01-01T00:00:50Z" }))
    return Effect.gen(function* () {
      yield* at(100)
      yield* authorize()
      yield* at(100 + 200) // before the renewal margin (30 s before expiry)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* at(100 + 251)
      yield* authorize()
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a failed background renewal is reported as an event and the current token is kept", () => {
    let n = 0
    const t = setup(() => (++n === 1 ? json(200, { token: "token-1", expires_in: 100 }) : json(401, {})), { options: { retry: Retry.never } })
    return Effect.gen(function* () {
      assert.strictEqual(bearerValue(yield* authorize()), "token-1")
      yield* at(91)
      assert.strictEqual(bearerValue(yield* authorize()), "token-1")
      yield* eventually(() => t.events.some((e) => e._tag === "RefreshFailed"))
      const failed = t.events.find((e) => e._tag === "RefreshFailed")!
      assert.strictEqual(failed._tag === "RefreshFailed" && failed.what, "token")
      assert.strictEqual(bearerValue(yield* authorize()), "token-1", "still valid: kept")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("credentials are cached until shortly before they expire: 5 requests, 1 call to the adapter's source", () => {
    let calls = 0
    const source = RegistryAdapter.make({
      name: "expiring",
      hosts: ["registry.example"],
      credentials: () =>
        Effect.map(DateTime.now, (now) => {
          calls++
          return Option.some(Credential.Basic({ username: "AWS", password: Redacted.make(`pw-${calls}`), expiresAt: DateTime.addDuration(now, Duration.hours(12)) }))
        })
    })
    const t = setup(grantAll, { adapters: [source] })
    return Effect.gen(function* () {
      for (let i = 0; i < 5; i++) yield* authorize([Scope.repository(`team/app${i}`, ["pull"])])
      assert.strictEqual(calls, 1)
      yield* at(11 * 3600) // within 10 % of 12 h: renewed ahead, in the background
      yield* authorize([Scope.repository("team/later", ["pull"])])
      yield* eventually(() => calls === 2)
      yield* at(30 * 3600)
      yield* authorize([Scope.repository("team/much-later", ["pull"])])
      assert.isAtMost(calls, 4)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("refresh ahead: near expiry the cached token is served while a new one is fetched in the background", () => {
    let n = 0
    const t = setup(() => json(200, { token: `token-${++n}`, expires_in: 100 }))
    return Effect.gen(function* () {
      assert.strictEqual(bearerValue(yield* authorize()), "token-1")
      yield* at(91) // 10 % of 100 s left → renew
      assert.strictEqual(bearerValue(yield* authorize()), "token-1", "still served: no wait")
      yield* eventually(() => t.events.filter((e) => e._tag === "TokenIssued").length === 2)
      assert.strictEqual(t.tokenRequests().length, 2, "renewed in the background")
      assert.strictEqual(bearerValue(yield* authorize()), "token-2")
      assert.isTrue(t.events.some((e) => e._tag === "TokenRefreshAhead"))
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("1,000 concurrent authorize calls cause one token request", () => {
    return Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const t = setup(() => Effect.as(Deferred.await(gate), grantAll({ method: "GET", url: new URL(`${REALM}?scope=repository:team/app:pull`), headers: {}, body: "" }) as Response))
      yield* Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.all(Array.from({ length: 1000 }, () => authorize()), { concurrency: "unbounded" }))
        yield* Effect.yieldNow
        yield* Deferred.succeed(gate, undefined)
        const results = yield* Fiber.join(fiber)
        assert.strictEqual(results.length, 1000)
        assert.strictEqual(new Set(results.map(bearerValue)).size, 1)
        assert.strictEqual(t.tokenRequests().length, 1)
      }).pipe(Effect.provide(t.layer))
    })
  })

  it.effect("a token whose scopes cover the request is reused for a narrower one", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      yield* authorize([Scope.repository("team/app", ["pull", "push"])])
      yield* authorize([pull()])
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* authorize([pull("other")])
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("different credentials never share a token", () => {
    const t = setup(grantAll, { credentials: { "registry.example": { username: "a", password: "1" } } })
    return Effect.gen(function* () {
      yield* authorize()
      yield* authorize([pull()], { host: "other.example" })
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("invalidate drops the token; the next authorize fetches anew", () => {
    let n = 0
    const t = setup(() => json(200, { token: `token-${++n}`, expires_in: 300 }))
    return Effect.gen(function* () {
      const service = yield* Authenticator.Authenticator
      const first = yield* authorize()
      yield* service.invalidate(first)
      const second = yield* authorize()
      assert.strictEqual(bearerValue(second), "token-2")
      assert.isTrue(t.events.some((e) => e._tag === "TokenInvalidated"))
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("every authorize reads the TokenStore: a token another process removed from it is not sent again", () =>
    Effect.gen(function* () {
      let n = 0
      const t = setup(() => json(200, { token: `token-${++n}`, expires_in: 300 }), { events: false })
      const memory = yield* TokenStore.makeMemory()
      let reads = 0
      const store: TokenStore.Service = { ...memory, get: (key) => Effect.andThen(Effect.sync(() => reads++), memory.get(key)) }
      yield* Effect.gen(function* () {
        const first = yield* authorize()
        const readsBefore = reads
        assert.strictEqual(bearerValue(yield* authorize()), bearerValue(first))
        assert.isAbove(reads, readsBefore, "a warm authorize reads the store")
        // Another process drops the token from the shared store.
        yield* memory.remove(first.source.token!)
        const after = yield* authorize()
        assert.strictEqual(bearerValue(after), "token-2")
        assert.strictEqual(t.tokenRequests().length, 2)
      }).pipe(Effect.provide(t.layer.pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store)))))
    }))

  it.effect("a refused token drops only its own key: other services' and scopes' tokens stay warm", () => {
    let n = 0
    const t = setup(() => json(200, { token: `token-${++n}`, expires_in: 300 }))
    return Effect.gen(function* () {
      const service = yield* Authenticator.Authenticator
      const a = yield* authorize([pull("a")])
      const b = yield* authorize([pull("b")])
      const other = yield* authorize([pull("a")], { challenge: { ...challenge, service: "other.example" } })
      assert.strictEqual(t.tokenRequests().length, 3)
      yield* service.invalidate(a)
      assert.strictEqual(bearerValue(yield* authorize([pull("b")])), bearerValue(b))
      assert.strictEqual(bearerValue(yield* authorize([pull("a")], { challenge: { ...challenge, service: "other.example" } })), bearerValue(other))
      assert.strictEqual(t.tokenRequests().length, 3, "no other token was dropped")
      assert.notStrictEqual(bearerValue(yield* authorize([pull("a")])), bearerValue(a))
      assert.strictEqual(t.tokenRequests().length, 4)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a decorator that replaces authorize is asked for every request (no path around it)", () => {
    const t = setup(grantAll, { events: false })
    return Effect.gen(function* () {
      const engine = yield* Authenticator.Authenticator
      let asked = 0
      const decorated: Authenticator.Service = { ...engine, authorize: (request) => Effect.andThen(Effect.sync(() => asked++), engine.authorize(request)) }
      for (let i = 0; i < 3; i++) yield* decorated.authorize({ origin: ORIGIN, challenge, scopes: [pull()] })
      assert.strictEqual(asked, 3)
      assert.strictEqual(t.tokenRequests().length, 1)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("the cache is bounded", () => {
    const t = setup(grantAll, { options: { maxCacheEntries: 3 } })
    return Effect.gen(function* () {
      for (const name of ["a", "b", "c", "d"]) yield* authorize([pull(name)])
      yield* authorize([pull("d")])
      assert.strictEqual(t.tokenRequests().length, 4)
      yield* authorize([pull("a")]) // evicted: the least recently used
      assert.strictEqual(t.tokenRequests().length, 5)
    }).pipe(Effect.provide(t.layer))
  })
})

describe("Authenticator: granted scopes", () => {
  it.effect("a narrowed grant fails with InsufficientScope before any request to the registry", () => {
    const t = setup(() => json(200, { token: jwt({ access: [{ type: "repository", name: "team/app", actions: ["pull"] }] }), expires_in: 300 }))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize([Scope.repository("team/app", ["pull", "push"])]))
      assert.strictEqual(error._tag, "InsufficientScope")
      if (error._tag !== "InsufficientScope") return
      assert.deepStrictEqual(error.requested, ["repository:team/app:pull,push"])
      assert.deepStrictEqual(error.granted, ["repository:team/app:pull"])
      assert.deepStrictEqual(error.missing, ["repository:team/app:push"])
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("Docker Hub's empty access claim (seed 002) is InsufficientScope", () => {
    const t = setup(() => json(200, { token: jwt({ access: [] }), expires_in: 300 }))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize([pull("alpine")]))
      assert.strictEqual(error._tag, "InsufficientScope")
      assert.include(error.message, "granted nothing")
      // Who asked: no credentials for the registry, said so.
      assert.include(error.message, "(asked anonymously: no credentials for the registry)")
      if (error._tag === "InsufficientScope") assert.strictEqual(error.credential, "anonymous")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("an InsufficientScope names the identity that asked (a username, never a password)", () => {
    const t = setup(() => json(200, { token: jwt({ access: [] }), expires_in: 300 }), {
      credentials: { "registry.example": { username: "alice", password: "hunter2-secret" } }
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize([pull("team/app")]))
      assert.strictEqual(error._tag, "InsufficientScope")
      assert.include(error.message, "(asked as basic (alice))")
      assert.notInclude(error.message, "hunter2-secret")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("opaque tokens are trusted (nothing to read)", () => {
    const t = setup(() => json(200, { token: "djE6opaque" }))
    return Effect.gen(function* () {
      const auth = yield* authorize()
      assert.isTrue(Option.isSome(auth.token))
    }).pipe(Effect.provide(t.layer))
  })
})

describe("Authenticator: failures and retries", () => {
  const noJitter: Retry.Policy = {
    schedule: Schedule.max([Schedule.exponential("1 second", 2), Schedule.recurs(3)]),
    maxRetryAfter: Duration.seconds(60)
  }

  it.effect("401 is Unauthorized and 403 is Denied, neither retried", () =>
    Effect.gen(function* () {
      for (const [status, reason] of [[401, "Unauthorized"], [403, "Denied"]] as const) {
        const t = setup(() => json(status, { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] }))
        const error = yield* Effect.flip(authorize()).pipe(Effect.provide(t.layer))
        assert.strictEqual(error._tag, "TokenRequestError")
        if (error._tag !== "TokenRequestError") return
        assert.strictEqual(error.reason, reason)
        assert.strictEqual(error.status, status)
        assert.include(error.message, "DENIED: requested access to the resource is denied")
        assert.strictEqual(t.tokenRequests().length, 1)
      }
    }))

  it.effect("Retry-After in seconds is honoured", () => {
    let n = 0
    const t = setup((r) => (++n === 1 ? json(429, {}, { "retry-after": "10" }) : grantAll(r)), { options: { retry: noJitter } })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(authorize())
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(t.tokenRequests().length, 1, "not before Retry-After")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("Retry-After as an HTTP-date is honoured", () => {
    let n = 0
    const t = setup((r) => (++n === 1 ? json(503, {}, { "retry-after": new Date(20_000).toUTCString() }) : grantAll(r)), {
      options: { retry: noJitter }
    })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(authorize())
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual(t.tokenRequests().length, 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(t.tokenRequests().length, 2)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a Retry-After beyond the bound is not waited for", () => {
    const t = setup(() => json(429, {}, { "retry-after": "3600" }), { options: { retry: noJitter } })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize())
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "RateLimited")
      assert.strictEqual(error._tag === "TokenRequestError" && error.retryAfterMillis, 3_600_000)
      assert.strictEqual(t.tokenRequests().length, 1)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("5xx and transport failures are retried on the schedule, boundedly", () => {
    const t = setup((r) => (r.url.searchParams.has("scope") ? json(502, {}) : "transport-error"), { options: { retry: noJitter } })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(authorize()))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(t.tokenRequests().length, 2)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(t.tokenRequests().length, 3)
      yield* TestClock.adjust("4 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(t.tokenRequests().length, 4, "1 + 3 retries")
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "BadResponse")
      assert.strictEqual(error._tag === "TokenRequestError" && error.status, 502)
      // Retrying only when a retry follows: 3 retries, 3 events (the final failure is not announced as a retry).
      assert.strictEqual(t.events.filter((e) => e._tag === "Retrying").length, 3)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a transport failure is a Transport error", () => {
    const t = setup(() => "transport-error", { options: { retry: Retry.never } })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize())
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Transport")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a realm that refuses connections: one attempt (never retried), and the error says why (ECONNREFUSED)", () => {
    const t = setup((r) =>
      Effect.fail(
        new HttpClientError.HttpClientError({
          reason: new HttpClientError.TransportError({
            request: HttpClientRequest.get(r.url.href),
            cause: Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) })
          })
        })
      ))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize())
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Transport")
      assert.strictEqual(t.tokenRequests().length, 1)
      assert.include(error.message, "connection refused (ECONNREFUSED)")
      assert.strictEqual(t.events.filter((e) => e._tag === "Retrying").length, 0)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a token endpoint that never answers times out", () => {
    const t = setup(() => Effect.never, { options: { retry: Retry.never, requestTimeout: "5 seconds" } })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(authorize()))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "Transport")
      assert.include(error.message, "no response within 5s")
    }).pipe(Effect.provide(t.layer))
  })

  for (const [name, response] of [
    ["not JSON", () => new Response("<html>", { status: 200 })],
    ["JSON without a token", () => json(200, { expires_in: 300 })],
    ["an empty token", () => json(200, { token: "" })],
    ["a body over the cap", () => json(200, { token: "x".repeat(300 * 1024) })],
    ["an unexpected status", () => json(400, { details: "bad scope" })]
  ] as const) {
    it.effect(`${name} is BadResponse, not a crash`, () => {
      const t = setup(response, { options: { retry: Retry.never } })
      return Effect.gen(function* () {
        const error = yield* Effect.flip(authorize())
        assert.strictEqual(error._tag === "TokenRequestError" && error.reason, "BadResponse")
      }).pipe(Effect.provide(t.layer))
    })
  }
})

describe("Authenticator: realm validation happens before any credential is sent", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["plain http for an https registry", "http://auth.example/token", "plain-HTTP"],
    ["userinfo", "https://user:pw@auth.example/token", "userinfo"],
    ["an internal address", "https://169.254.169.254/latest/meta-data", "internal address"],
    ["loopback", "https://127.0.0.1:9999/token", "internal address"],
    ["IPv6 loopback", "https://[::1]/token", "internal address"],
    ["another scheme", "file:///etc/passwd", "scheme"]
  ]
  for (const [name, realm, reason] of cases) {
    it.effect(name, () => {
      const t = setup(grantAll, { credentials: { "registry.example": { username: "u", password: CANARY } } })
      return Effect.gen(function* () {
        const error = yield* Effect.flip(authorize([pull()], { challenge: { ...challenge, realm } }))
        assert.strictEqual(error._tag, "RealmRejected")
        assert.include(error.message, reason)
        assert.notInclude(error.message, "pw@")
        assert.strictEqual(t.http.log.length, 0)
      }).pipe(Effect.provide(t.layer))
    })
  }

  it.effect("a plain-HTTP registry may use a plain-HTTP realm; a loopback registry its own loopback realm", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      yield* authorize([pull()], { origin: "http://127.0.0.1:5000", challenge: { ...challenge, realm: "http://127.0.0.1:5001/token" } })
      assert.strictEqual(t.http.log.length, 1)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a relative realm resolves against the registry", () => {
    const t = setup(grantAll)
    return Effect.gen(function* () {
      yield* authorize([pull()], { challenge: { ...challenge, realm: "/token" } }).pipe(Effect.ignore)
      assert.strictEqual(t.http.log[0]?.url.href.startsWith("https://registry.example/token?"), true)
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a token endpoint redirecting to another origin is refused; the same origin is followed", () => {
    const t = setup((r) =>
      r.url.pathname === "/token"
        ? new Response(null, { status: 307, headers: { location: "https://evil.example/steal" } })
        : grantAll(r)
    , { credentials: { "registry.example": { username: "u", password: CANARY } } })
    const same = setup((r) =>
      r.url.pathname === "/token" ? new Response(null, { status: 302, headers: { location: `/v2/token${r.url.search}` } }) : grantAll(r)
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(authorize().pipe(Effect.provide(t.layer)))
      assert.strictEqual(error._tag, "RealmRejected")
      assert.isFalse(t.http.log.some((r) => r.url.host === "evil.example"))
      yield* authorize().pipe(Effect.provide(same.layer))
      assert.deepStrictEqual(same.http.log.map((r) => r.url.pathname), ["/token", "/v2/token"])
    })
  })
})

describe("Authenticator: secrets", () => {
  it.effect("no secret appears in any log line, event or error of any flow", () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ fiber, message }) => {
      lines.push(Formatter.format(message), Formatter.format(fiber.getRef(References.CurrentLogAnnotations)))
    })
    const failures: Array<string> = []
    const flows: ReadonlyArray<readonly [Handler, Record<string, Credential.Input>]> = [
      [grantAll, { "registry.example": { username: "u", password: CANARY } }],
      [grantAll, { "registry.example": { identityToken: CANARY } }],
      [() => json(401, { errors: [{ code: "UNAUTHORIZED", message: "bad" }] }), { "registry.example": { username: "u", password: CANARY } }],
      [() => json(200, { token: CANARY, refresh_token: CANARY }), {}],
      [() => json(200, { token: jwt({ access: [] }) + CANARY }), {}],
      [() => new Response(`{"token": 12, "leak": "${CANARY}"}`, { status: 200 }), {}],
      [() => new Response(CANARY, { status: 500 }), { "registry.example": { username: "u", password: CANARY } }],
      [() => new Response(JSON.stringify({ errors: [{ code: "DENIED", message: "bad" }], echo: CANARY }), { status: 403 }), { "registry.example": { identityToken: CANARY } }]
    ]
    return Effect.gen(function* () {
      for (const [handler, credentials] of flows) {
        const t = setup(handler, { credentials, options: { retry: Retry.never } })
        const exit = yield* Effect.exit(
          Effect.gen(function* () {
            const auth = yield* authorize()
            failures.push(Formatter.format(auth), JSON.stringify(auth), String(auth.token))
            yield* Effect.logInfo("authorized", auth)
          }).pipe(Effect.provide(t.layer))
        )
        if (Exit.isFailure(exit)) {
          failures.push(Cause.pretty(exit.cause))
          yield* Effect.logError("failed", exit.cause)
        }
        failures.push(...t.events.map((e) => Formatter.format(e)))
      }
      for (const text of [...lines, ...failures]) assert.notInclude(text, CANARY)
      assert.isAbove(lines.length, 0)
    }).pipe(Effect.provide(Logger.layer([logger])), Effect.provideService(References.MinimumLogLevel, "All"))
  })
})

describe("Registries", () => {
  it.effect("user adapters win over the ones provided underneath; unknown hosts get generic", () => {
    const builtIn = RegistryAdapter.make({ name: "built-in", hosts: ["r.example"] })
    const mine = RegistryAdapter.make({ name: "mine", hosts: ["R.example"] })
    return Effect.gen(function* () {
      const registries = yield* Registries.Registries
      assert.strictEqual(registries.resolve("r.example").name, "mine")
      assert.strictEqual(registries.resolve("R.EXAMPLE").name, "mine")
      assert.strictEqual(registries.resolve("x.example").name, "generic")
      assert.deepStrictEqual(registries.adapters.map((a) => a.name), ["mine", "built-in"])
    }).pipe(Effect.provide(Registries.layer([mine]).pipe(Layer.provide(Registries.layer([builtIn])))))
  })

  it.effect("resolve without a Registries in context is generic", () =>
    Effect.map(Registries.resolve("anything"), (adapter) => assert.strictEqual(adapter.name, "generic")))
})

describe("RegistryAdapter", () => {
  it.effect("unsupported operations fail before any request", () => {
    const hub = RegistryAdapter.make({ name: "hub", hosts: ["h"], capabilities: { catalog: false, delete: false } })
    return Effect.gen(function* () {
      const catalog = yield* Effect.flip(Unstable.checkCapabilities(hub, "GET", "https://h/v2/_catalog"))
      assert.strictEqual(catalog._tag, "Unsupported")
      assert.include(catalog.message, "hub does not support catalog")
      const del = yield* Effect.flip(Unstable.checkCapabilities(hub, "DELETE", "https://h/v2/a/manifests/sha256:x"))
      assert.strictEqual(del.operation, "DELETE")
      yield* Unstable.checkCapabilities(hub, "GET", "https://h/v2/a/manifests/1")
      yield* Unstable.checkCapabilities(RegistryAdapter.generic, "DELETE", "https://h/v2/a/manifests/1")
    })
  })

  it.effect("a registry that deletes manifests but not blobs: DELETE of a blob is Unsupported", () => {
    const quay = RegistryAdapter.make({ name: "quay", hosts: ["q"], capabilities: { deleteBlobs: false } })
    return Effect.gen(function* () {
      const blob = yield* Effect.flip(Unstable.checkCapabilities(quay, "DELETE", "https://q/v2/a/blobs/sha256:x"))
      assert.strictEqual(blob.operation, "DELETE of blobs")
      yield* Unstable.checkCapabilities(quay, "DELETE", "https://q/v2/a/manifests/sha256:x")
      assert.isFalse(RegistryAdapter.make({ name: "none", hosts: ["n"], capabilities: { delete: false } }).capabilities.deleteBlobs)
    })
  })

  it("reauth triggers match status and optional code", () => {
    const ecr = RegistryAdapter.make({ name: "ecr", matches: () => true, reauthOn: [{ status: 403 }, { status: 400, code: "DENIED" }] })
    assert.isTrue(Unstable.isReauthTrigger(ecr, 403, []))
    assert.isTrue(Unstable.isReauthTrigger(ecr, 400, ["DENIED"]))
    assert.isFalse(Unstable.isReauthTrigger(ecr, 400, ["NAME_UNKNOWN"]))
    assert.isFalse(Unstable.isReauthTrigger(RegistryAdapter.generic, 403, []))
  })

  it("retarget aims the same quirks at another origin", () => {
    const hub = RegistryAdapter.make({
      name: "hub",
      hosts: ["docker.io"],
      apiHost: "registry-1.docker.io",
      normalizeRepository: (n) => (n.includes("/") ? n : `library/${n}`),
      challenge: { scheme: "bearer", realm: "https://auth.docker.io/token", service: "registry.docker.io", scopes: [] }
    })
    const discovered = RegistryAdapter.retarget(hub, { origin: "http://127.0.0.1:5000", realm: null, extraHosts: ["127.0.0.1:5000"] })
    assert.strictEqual(discovered.origin("docker.io"), "http://127.0.0.1:5000")
    assert.isTrue(Option.isNone(discovered.challenge))
    assert.isTrue(discovered.matches("docker.io") && discovered.matches("127.0.0.1:5000"))
    assert.strictEqual(discovered.normalizeRepository("alpine"), "library/alpine")
    const known = RegistryAdapter.retarget(hub, { origin: "https://mirror.example", realm: "https://mirror.example/token" })
    assert.deepStrictEqual(Option.getOrThrow(known.challenge), {
      scheme: "bearer",
      realm: "https://mirror.example/token",
      service: "registry.docker.io",
      scopes: []
    })
    assert.deepStrictEqual(RegistryAdapter.retarget(hub, { origin: "https://m.example" }).challenge, hub.challenge)
  })

  it("make fills the spec defaults", () => {
    const adapter = RegistryAdapter.make({ name: "x", hosts: ["x.example"], apiHost: "api.x.example", defaultTokenLifetime: "1 second" })
    assert.strictEqual(adapter.origin("x.example"), "https://api.x.example")
    assert.strictEqual(Duration.toSeconds(adapter.defaultTokenLifetime), 60)
    assert.deepStrictEqual(adapter.tokenRequest, Unstable.defaultTokenRequest)
    assert.isTrue(adapter.matches("x.example"))
    assert.isFalse(adapter.matches("y.example"))
    assert.strictEqual(RegistryAdapter.generic.origin("localhost:5000"), "https://localhost:5000")
  })
})

describe("Authenticator: a store's singleFlight (one fetch per key across processes)", () => {
  it.effect("the engine hands its fetch to singleFlight once per key and does not set the result itself", () =>
    Effect.gen(function* () {
      const { layer, tokenRequests } = setup(grantAll)
      const memory = yield* TokenStore.makeMemory()
      const calls: Array<string> = []
      let sets = 0
      const store: TokenStore.Service = {
        get: memory.get,
        set: (key, token) => Effect.andThen(Effect.sync(() => sets++), memory.set(key, token)),
        remove: memory.remove,
        singleFlight: (key, fetch) =>
          Effect.sync(() => calls.push(key)).pipe(
            Effect.andThen(fetch),
            Effect.tap((token) => memory.set(key, token))
          )
      }
      const results = yield* Effect.all(Array.from({ length: 20 }, () => authorize()), { concurrency: "unbounded" }).pipe(
        Effect.provide(layer.pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store))))
      )
      assert.strictEqual(calls.length, 1)
      assert.strictEqual(sets, 0)
      assert.strictEqual(tokenRequests().length, 1)
      assert.strictEqual(new Set(results.map(bearerValue)).size, 1)
    }))

  it.effect("what another process stored (the waiter's answer) is handed out without a token request", () =>
    Effect.gen(function* () {
      const { layer, tokenRequests } = setup(grantAll)
      const other = yield* Effect.provide(authorize(), setup(grantAll).layer)
      const store: TokenStore.Service = {
        ...(yield* TokenStore.makeMemory()),
        singleFlight: () => Effect.succeed(Option.getOrThrow(other.token))
      }
      const mine = yield* authorize().pipe(Effect.provide(layer.pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store)))))
      assert.strictEqual(tokenRequests().length, 0)
      assert.strictEqual(bearerValue(mine), bearerValue(other))
    }))
})

export type { Recorded }
