/**
 * One streaming run in a process of its own, so that its peak RSS is its own:
 * reads a blob to the end and prints {bytes, ms, maxRssMiB} as JSON.
 *
 * Prints {bytes, ms, ttfbMs, maxRssMiB}: `ms` times the body alone (throughput),
 * `ttfbMs` the time to the response (cold start, auth dance included).
 *
 *   stream-worker <ociauth|fetch> <origin> <repository> <digest>
 */
import { makeRegistryFetch } from "@ociauth/fetch"

const [mode, origin, repository, digest] = process.argv.slice(2) as [string, string, string, string]
const url = `${origin}/v2/${repository}/blobs/${digest}`

let headersAt = 0
let doneAt = 0
const drain = async (response: Response) => {
  headersAt = performance.now()
  let bytes = 0
  for await (const chunk of response.body!) bytes += chunk.length
  doneAt = performance.now()
  return bytes
}

const main = async () => {
  let bytes: number
  const start = performance.now()
  if (mode === "ociauth") {
    const registryFetch = makeRegistryFetch({ credentials: {} })
    bytes = await drain(await registryFetch(url))
    await registryFetch.close()
  } else {
    // The plain client gets its token the way a hand-written client would, then streams.
    const challenge = (await fetch(url, { method: "HEAD" })).headers.get("www-authenticate") ?? ""
    const realm = /realm="([^"]+)"/.exec(challenge)![1]!
    const service = /service="([^"]+)"/.exec(challenge)![1]!
    const token = ((await (await fetch(`${realm}?service=${service}&scope=repository:${repository}:pull`)).json()) as { token: string }).token
    bytes = await drain(await fetch(url, { headers: { authorization: `Bearer ${token}` } }))
  }
  console.log(JSON.stringify({ bytes, ms: doneAt - headersAt, ttfbMs: headersAt - start, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
