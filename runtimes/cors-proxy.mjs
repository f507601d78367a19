// A loopback reverse proxy that adds CORS to @ociauth/testing's emulator, which sends none, so
// a page on another origin can talk to it: preflights answered, the registry's headers
// exposed, and the token realm in `WWW-Authenticate` (and `Location`) pointed at the
// proxies. Used by scripts/runtimes.mjs for the browser check; loopback only.
import { createServer } from "node:http"
import { request } from "node:http"

const EXPOSED = [
  "docker-content-digest",
  "docker-distribution-api-version",
  "www-authenticate",
  "content-type",
  "content-length",
  "content-range",
  "location",
  "link",
  "oci-subject",
  "range",
  "ratelimit-limit",
  "ratelimit-remaining",
  "retry-after"
].join(", ")

/**
 * One proxy per upstream origin (`http://127.0.0.1:<port>`), each on its own loopback port.
 * `allowOrigin` is the page's origin. Answers `{ origins: Map<upstream, proxy>, close }`.
 */
export const start = async ({ upstreams, allowOrigin }) => {
  const origins = new Map()
  const rewrite = (value) => {
    let text = value
    for (const [upstream, proxy] of origins) text = text.replaceAll(upstream, proxy)
    return text
  }
  const servers = await Promise.all(upstreams.map((upstream) =>
    new Promise((resolve, reject) => {
      const target = new URL(upstream)
      const server = createServer((req, res) => {
        const cors = {
          "access-control-allow-origin": allowOrigin,
          "access-control-expose-headers": EXPOSED,
          vary: "origin"
        }
        if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
          res.writeHead(204, {
            ...cors,
            "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
            "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "",
            "access-control-max-age": "600"
          })
          res.end()
          return
        }
        const headers = { ...req.headers, host: target.host }
        delete headers.origin
        delete headers.referer
        const upstreamRequest = request(
          { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (upstreamResponse) => {
            const out = { ...upstreamResponse.headers, ...cors }
            for (const name of ["www-authenticate", "location"]) {
              const value = out[name]
              if (typeof value === "string") out[name] = rewrite(value)
              else if (Array.isArray(value)) out[name] = value.map(rewrite)
            }
            res.writeHead(upstreamResponse.statusCode ?? 502, out)
            upstreamResponse.pipe(res)
          }
        )
        upstreamRequest.on("error", () => {
          res.writeHead(502, cors)
          res.end()
        })
        req.pipe(upstreamRequest)
      })
      server.on("error", reject)
      server.listen(0, "127.0.0.1", () => {
        origins.set(upstream, `http://127.0.0.1:${server.address().port}`)
        resolve(server)
      })
    })
  ))
  return {
    origins,
    close: () => Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve())))).then(() => undefined)
  }
}
