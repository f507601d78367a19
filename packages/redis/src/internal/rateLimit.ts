import * as Route from "@ociauth/core/Route"
import { RateLimit } from "@ociauth/fetch"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Redis } from "ioredis"
import type { Options } from "../RedisRateLimit.js"
import { command, integer, millis, orElse } from "./commands.js"

/**
 * KEYS: budget, pause, in flight. ARGV: now, lease (ms), reserve, permit id.
 * 0: granted; > 0: wait that long (a pause, or the window's end); -1: look again soon.
 */
const ACQUIRE = `
local pause = redis.call("PTTL", KEYS[2])
if pause > 0 then return pause end
redis.call("ZREMRANGEBYSCORE", KEYS[3], "-inf", ARGV[1])
local inflight = redis.call("ZCARD", KEYS[3])
local remaining = redis.call("GET", KEYS[1])
if remaining == false then
  if inflight >= 1 then return -1 end
elseif tonumber(remaining) - inflight <= tonumber(ARGV[3]) then
  if inflight > 0 then return -1 end
  local window = redis.call("PTTL", KEYS[1])
  if window > 0 then return window end
  return -1
end
redis.call("ZADD", KEYS[3], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call("PEXPIRE", KEYS[3], ARGV[2])
return 0
`

/**
 * KEYS: budget, pause, in flight. ARGV: permit id ("" for none), remaining (""),
 * window ms (""), pause ms (""). The budget keeps the lowest remaining seen in
 * its window (answers arrive out of order); a pause only ever lengthens.
 */
const RECORD = `
if ARGV[1] ~= "" then redis.call("ZREM", KEYS[3], ARGV[1]) end
if ARGV[2] ~= "" then
  local current = redis.call("GET", KEYS[1])
  if current == false then
    redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  elseif tonumber(ARGV[2]) < tonumber(current) then
    redis.call("SET", KEYS[1], ARGV[2], "KEEPTTL")
  end
end
if ARGV[4] ~= "" and redis.call("PTTL", KEYS[2]) < tonumber(ARGV[4]) then
  redis.call("SET", KEYS[2], "1", "PX", ARGV[4])
end
return 0
`

/** A pull, as Docker Hub counts them: a GET of a manifest. */
export const isPull = (request: HttpClientRequest.HttpClientRequest): boolean => {
  if (request.method !== "GET") return false
  try {
    return Option.exists(Route.parse(new URL(request.url).pathname), (route) => route._tag === "Manifest")
  } catch {
    return false
  }
}

/** The answer of a fleet that has no budget left: a 429 that never left the process. */
const refusal = (request: HttpClientRequest.HttpClientRequest, waitMs: number) =>
  HttpClientResponse.fromWeb(
    request,
    new Response(
      JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "the fleet's pull budget is spent (ociauth rate limiter); not sent" }] }),
      {
        status: 429,
        headers: { "content-type": "application/json", "retry-after": String(Math.ceil(waitMs / 1000)), "ociauth-ratelimit": "local" }
      }
    )
  )

export const make = (redis: Redis, options: Options) => {
  const prefix = options.prefix ?? "ociauth:"
  const timeout = options.commandTimeout ?? "2 seconds"
  const reserve = options.reserve ?? 0
  const lease = millis(options.lease ?? "30 seconds")
  const maxWait = millis(options.maxWait ?? "60 seconds")
  const poll = millis(options.pollInterval ?? "50 millis")
  const pulls = options.isPull ?? isPull

  const keys = (host: string) => {
    const base = `${prefix}ratelimit:${host}`
    return [base, `${base}:pause`, `${base}:inflight`] as const
  }

  /** Waits for a permit (pulls) or for the end of a pause (everything else): `Some(permit)`, or `None` when the wait would pass `maxWait`. */
  const acquire = (host: string, pull: boolean, deadline: number): Effect.Effect<Option.Option<{ readonly id: string; readonly waitMs: number }>> =>
    Effect.gen(function* () {
      const id = pull ? crypto.randomUUID() : ""
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const answer = yield* command(redis, timeout, () =>
          pull
            ? (redis.eval(ACQUIRE, 3, ...keys(host), now, lease, reserve, id) as Promise<number>)
            : redis.pttl(keys(host)[1])
        ).pipe(
          // Redis unavailable, or a reply that is not an integer: the limiter steps aside
          Effect.map((reply) => integer(reply, 0)),
          (self) => orElse(self, 0, "pull budget")
        )
        if (answer === 0 || (!pull && answer < 0)) return Option.some({ id, waitMs: 0 })
        const wait = answer > 0 ? answer : poll
        if (now + wait > deadline) return Option.none()
        yield* Effect.sleep(Duration.millis(wait))
      }
    })

  const record = (host: string, id: string, response: HttpClientResponse.HttpClientResponse | undefined) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const limit = Option.flatMap(Option.fromNullishOr(response), (r) => RateLimit.fromHeaders(r.headers, now))
      const remaining = Option.flatMap(limit, (l) => l.remaining)
      const window = Option.flatMap(remaining, (r) => r.window)
      const pause = response !== undefined && (response.status === 429 || response.status === 503)
        ? Option.flatMap(limit, (l) => l.retryAfter)
        : Option.none()
      if (id === "" && Option.isNone(remaining) && Option.isNone(pause)) return
      yield* command(redis, timeout, () =>
        redis.eval(
          RECORD,
          3,
          ...keys(host),
          id,
          Option.match(remaining, { onNone: () => "", onSome: (r) => String(r.amount) }),
          String(Option.match(window, { onNone: () => lease, onSome: Duration.toMillis })),
          Option.match(pause, { onNone: () => "", onSome: (d) => String(Math.max(1, Duration.toMillis(d))) })
        )
      ).pipe((self) => orElse(Effect.asVoid(self), undefined, "pull budget record"))
    })

  return (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    HttpClient.make((request) =>
      Effect.gen(function* () {
        let host: string
        try {
          host = new URL(request.url).host
        } catch {
          return yield* client.execute(request)
        }
        const pull = pulls(request)
        const deadline = (yield* Clock.currentTimeMillis) + maxWait
        const permit = yield* acquire(host, pull, deadline)
        if (Option.isNone(permit)) {
          const [budget, pause] = keys(host)
          const waitMs = yield* command(redis, timeout, () => Promise.all([redis.pttl(pause), redis.pttl(budget)])).pipe(
            Effect.map(([p, b]) => Math.max(integer(p, 0), integer(b, 0), 1000)),
            (self) => orElse(self, maxWait, "pull budget wait")
          )
          return refusal(request, waitMs)
        }
        const id = permit.value.id
        return yield* client.execute(request).pipe(
          Effect.tap((response) => record(host, id, response)),
          Effect.tapError(() => record(host, id, undefined)),
          Effect.onInterrupt(() => record(host, id, undefined))
        )
      })
    )
}
