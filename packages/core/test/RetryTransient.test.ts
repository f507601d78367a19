import { describe, expect, it } from "@effect/vitest"

import * as Unstable from "@ociauth/core/Unstable"

describe("Unstable.isTransient", () => {
  it("retries 408, 429 and 5xx, not other statuses", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(Unstable.isTransient({ status, headers: {} })).toBe(true)
    for (const status of [200, 301, 400, 401, 403, 404, 405, 501]) expect(Unstable.isTransient({ status, headers: {} })).toBe(false)
  })

  it("does not retry a 429 whose quota is spent (ratelimit-remaining 0: it comes back with its window)", () => {
    expect(Unstable.isTransient({ status: 429, headers: { "ratelimit-remaining": "0;w=21600" } })).toBe(false)
    expect(Unstable.isTransient({ status: 429, headers: { "ratelimit-remaining": "0" } })).toBe(false)
    expect(Unstable.isTransient({ status: 429, headers: { "ratelimit-remaining": "7;w=21600" } })).toBe(true)
    expect(Unstable.isTransient({ status: 429, headers: { "ratelimit-remaining": "10;w=21600" } })).toBe(true)
    expect(Unstable.isTransient({ status: 503, headers: { "ratelimit-remaining": "0;w=21600" } })).toBe(true)
  })
})
