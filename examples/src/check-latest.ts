/**
 * A larger Effect program: the latest digest of many images, checked
 * concurrently, aware of Docker Hub's rate limit. HEAD requests do not count
 * against Docker Hub's pull limit, but the program still reads the
 * `ratelimit-remaining` quota each answer carries, slows down when it runs low,
 * and waits out a 429's `Retry-After` (the SDK retries it on its schedule).
 *
 *   tsx examples/src/check-latest.ts alpine busybox nginx python ghcr.io/owner/app
 */
import { HttpClient, HttpClientRequest } from "effect/http"
import { Reference } from "@ociauth/core"
import { RateLimit, RegistryClient } from "@ociauth/fetch"
import { Clock, Console, Duration, Effect, Option, Ref } from "effect"
import { manifestUrl } from "./image-digest.js"
import { isMain, layer, manifestAccept, messageOf, parseArgs, runMain, setupFromCli } from "./shared.js"

export interface Result {
  readonly image: string
  readonly digest: Option.Option<string>
  readonly remaining: Option.Option<number>
  readonly problem: Option.Option<string>
}

/** Below this many remaining pulls, requests are spaced out. */
const LOW_QUOTA = 10

const check = (image: string, quota: Ref.Ref<Option.Option<number>>) =>
  Effect.gen(function* () {
    const remaining = yield* Ref.get(quota)
    if (Option.isSome(remaining) && remaining.value < LOW_QUOTA) {
      yield* Console.log(`  quota low (${remaining.value} left): pausing before ${image}`)
      yield* Effect.sleep(Duration.millis(200 * (LOW_QUOTA - remaining.value)))
    }
    const ref = yield* Reference.parse(image)
    const client = yield* HttpClient.HttpClient
    const response = yield* client
      .execute(HttpClientRequest.head(manifestUrl(ref)).pipe(HttpClientRequest.setHeader("accept", manifestAccept)))
      .pipe(Effect.flatMap(RegistryClient.filterStatusOk))
    const now = yield* Clock.currentTimeMillis
    const rate = RateLimit.fromHeaders(response.headers, now)
    const left = Option.flatMap(rate, (r) => Option.map(r.remaining, (q) => q.amount))
    if (Option.isSome(left)) yield* Ref.set(quota, left)
    return {
      image: Reference.familiar(ref),
      digest: Option.fromNullishOr(response.headers["docker-content-digest"]),
      remaining: left,
      problem: Option.none()
    } satisfies Result
  }).pipe(
    Effect.catch((error) =>
      Effect.succeed({
        image,
        digest: Option.none(),
        remaining: Option.none(),
        problem: Option.some(messageOf(error))
      } satisfies Result)
    )
  )

export const checkAll = (images: ReadonlyArray<string>, concurrency = 4) =>
  Effect.flatMap(Ref.make(Option.none<number>()), (quota) => Effect.forEach(images, (image) => check(image, quota), { concurrency }))

export const program = (images: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const results = yield* checkAll(images)
    const width = Math.max(...results.map((r) => r.image.length))
    for (const r of results) {
      const quota = Option.match(r.remaining, { onNone: () => "", onSome: (n) => `  (quota left: ${n})` })
      const line = Option.match(r.digest, { onNone: () => `FAILED: ${Option.getOrElse(r.problem, () => "no digest")}`, onSome: (d) => d })
      yield* Console.log(`${r.image.padEnd(width)}  ${line}${quota}`)
    }
    const failed = results.filter((r) => Option.isSome(r.problem)).length
    yield* Console.log(`${results.length - failed}/${results.length} images checked`)
    return results
  })

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2)
  const { positional } = parseArgs(argv)
  runMain(
    program(positional.length > 0 ? positional : ["alpine", "busybox", "nginx", "python", "redis"]).pipe(
      Effect.provide(layer(setupFromCli(argv)))
    )
  )
}
