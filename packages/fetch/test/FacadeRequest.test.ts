/**
 * The façade turns `fetch`'s arguments into a request as `fetch` would: the
 * headers of a `Request` input and of `init` merged (init's win), names
 * lower-cased, repeated names joined, values trimmed, bad ones refused with a
 * `TypeError`. A plain record of plain headers skips `Headers`; these pin that
 * it gives what `Headers` gives.
 */
import { assert, describe, it } from "@effect/vitest"
import { makeRegistryFetch } from "@ociauth/fetch"

/** A façade over a transport that records the headers and method of what it is asked to send. */
const recording = () => {
  const seen: Array<{ readonly method: string; readonly headers: Array<[string, string]> }> = []
  const registryFetch = makeRegistryFetch({
    fetch: async (input, init) => {
      const request = new Request(input, init)
      seen.push({ method: request.method, headers: [...request.headers] })
      return new Response("ok", { status: 200 })
    }
  })
  return { seen, registryFetch }
}

/** What `fetch` itself would send for these arguments. */
const expected = (input: string | Request, init?: RequestInit): Array<[string, string]> => {
  const headers = new Headers(input instanceof Request ? input.headers : undefined)
  for (const [key, value] of new Headers(init?.headers)) headers.set(key, value)
  return [...headers]
}

// Not a registry API path: the request passes through untouched, so the transport sees its headers as built.
const url = "http://127.0.0.1:9/plain/path"

describe("the façade's request headers", () => {
  const cases: ReadonlyArray<readonly [string, RequestInit | undefined]> = [
    ["no init", undefined],
    ["no headers", { method: "GET" }],
    ["plain lower-case", { headers: { accept: "application/json", "x-b": "2", "x-a": "1" } }],
    ["mixed case", { headers: { Accept: "application/json", "X-Trace": "abc" } }],
    ["a name twice in different case", { headers: { accept: "a/b", Accept: "c/d" } }],
    ["values with edge spaces", { headers: { accept: "  a/b\t", "x-empty": "" } }],
    ["a Headers object", { headers: new Headers({ accept: "a/b" }) }],
    ["pairs", { headers: [["accept", "a/b"], ["accept", "c/d"]] }],
    ["a null-prototype record", { headers: Object.assign(Object.create(null), { accept: "a/b" }) as Record<string, string> }],
    ["a __proto__ header", { headers: JSON.parse('{"__proto__":"x","accept":"a/b"}') as Record<string, string> }],
    ["non-ASCII value", { headers: { "x-name": "caf\u00e9" } }],
    ["lower-case method", { method: "head", headers: { accept: "a/b" } }]
  ]
  for (const [name, init] of cases) {
    it(`sends what fetch would: ${name}`, async () => {
      const { registryFetch, seen } = recording()
      try {
        const response = await registryFetch(url, init)
        assert.strictEqual(response.status, 200)
        assert.deepStrictEqual(seen[0]!.headers, expected(url, init))
        assert.strictEqual(seen[0]!.method, (init?.method ?? "GET").toUpperCase())
      } finally {
        await registryFetch.close()
      }
    })
  }

  it("merges a Request input's headers under init's", async () => {
    const { registryFetch, seen } = recording()
    try {
      const input = new Request(url, { headers: { accept: "x/y", "x-keep": "1" } })
      const init = { headers: { accept: "a/b" } }
      await registryFetch(input, init)
      assert.deepStrictEqual(seen[0]!.headers, expected(input, init))
    } finally {
      await registryFetch.close()
    }
  })

  const refused: ReadonlyArray<readonly [string, HeadersInit]> = [
    ["a value with a line break", { "x-bad": "a\nb" }],
    ["a symbol key", { [Symbol("s")]: "x", accept: "a/b" } as Record<string, string>]
  ]
  for (const [name, headers] of refused) {
    it(`refuses what fetch refuses, with fetch's TypeError: ${name}`, async () => {
      const { registryFetch, seen } = recording()
      try {
        const error = await registryFetch(url, { headers }).then(() => undefined, (e: unknown) => e)
        assert.instanceOf(error, TypeError)
        assert.strictEqual(seen.length, 0)
      } finally {
        await registryFetch.close()
      }
    })
  }
})
