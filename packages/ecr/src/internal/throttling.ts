import * as Schedule from "effect/Schedule"
/**
 * Names AWS gives a refusal for rate (`GetAuthorizationToken`: 20 TPS, burst 200
 * per account and region): `ThrottlingException` "Rate exceeded" (400), and
 * the older names some services still use.
 */
const THROTTLING = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException"])

/** Whether an SDK failure is AWS refusing for rate (by name, or a 429). */
export const isThrottling = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  if ("name" in error && typeof error.name === "string" && THROTTLING.has(error.name)) return true
  const metadata = "$metadata" in error ? (error.$metadata as { readonly httpStatusCode?: unknown } | undefined) : undefined
  return metadata?.httpStatusCode === 429
}

/** A call AWS refused for rate, before it becomes a `CredentialError`: retried. */
export class Throttled {
  readonly _tag = "Throttled"
  constructor(readonly error: unknown) {}
}

/**
 * The backoff of a throttled call, run inside the engine's single flight (one
 * call per registry in flight, so a fleet waits on it rather than adding calls):
 * exponential from 250 ms (×2) with jitter, at most 7 retries, none started after 60 s.
 */
export const backoff: Schedule.Schedule<unknown, unknown> = Schedule.exponential("250 millis", 2).pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 7, duration: "60 seconds" })
)
