/**
 * Issue #28, "Registries as they behave in 2026": one test per numbered item,
 * against its profile or stand-in. The facts and their sources are in the
 * README ("What the profiles reproduce, and the sources").
 */
import * as crypto from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { AwsEcrApi, Faults, GoogleOAuthServer, Profiles, RegistryEmulator, TokenServer } from "@ociauth/testing"
import { basic, bearer, requestToken, tokenFrom } from "./utils.js"

/** A clock a test moves by hand. */
const manualClock = () => {
  let at = Date.UTC(2026, 6, 20, 12, 0, 0)
  return { now: () => at, advance: (ms: number) => void (at += ms) }
}

const withEmulator = async <A>(
  options: RegistryEmulator.Options,
  body: (emulator: RegistryEmulator.RegistryEmulator) => Promise<A>,
  now?: () => number
): Promise<A> => {
  const emulator = await RegistryEmulator.start(options, now)
  try {
    return await body(emulator)
  } finally {
    await emulator.close()
  }
}

describe("#28.1 Docker Hub: pull limits per account, the 2025 wording, the anti-abuse 429", () => {
  it("the profile's limits: 100 anonymous, 200 Personal", () => {
    assert.deepStrictEqual(Profiles.named.dockerHub.pullLimits, { anonymous: 100, personal: 200 })
  })

  it("past the anonymous limit: 429 TOOMANYREQUESTS 'You have reached your unauthenticated pull rate limit.' with ratelimit-* at 0", async () => {
    await withEmulator({ profile: "dockerHub", pullRateLimit: 1 }, async (hub) => {
      hub.pushImage("library/alpine", "latest")
      const jwt = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:library/alpine:pull"]))
      const url = `${hub.origin}/v2/library/alpine/manifests/latest`
      assert.strictEqual((await fetch(url, { headers: { authorization: bearer(jwt) } })).status, 200)
      const limited = await fetch(url, { headers: { authorization: bearer(jwt) } })
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(
        await limited.text(),
        '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"}]}\n'
      )
      assert.strictEqual(limited.headers.get("ratelimit-limit"), "1;w=21600")
      assert.strictEqual(limited.headers.get("ratelimit-remaining"), "0;w=21600")
      assert.strictEqual(limited.headers.get("docker-ratelimit-source"), "127.0.0.1")
    })
  })

  it("a Personal account has its own bucket (200 by default); a paid plan pulls without limit and without headers", async () => {
    await withEmulator(
      { profile: "dockerHub", users: { personal: "pw", team: "pw" }, accountPlans: { team: "team" }, pullRateLimit: 1, personalPullRateLimit: 2 },
      async (hub) => {
        hub.pushImage("library/alpine", "latest")
        const url = `${hub.origin}/v2/library/alpine/manifests/latest`
        const scope = ["repository:library/alpine:pull"]
        const anonymous = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", scope))
        const personal = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", scope, basic("personal", "pw")))
        const team = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", scope, basic("team", "pw")))
        const pull = (jwt: string) => fetch(url, { headers: { authorization: bearer(jwt) } })
        assert.strictEqual((await pull(anonymous)).status, 200)
        assert.strictEqual((await pull(anonymous)).status, 429)
        const first = await pull(personal)
        assert.strictEqual(first.headers.get("ratelimit-limit"), "2;w=21600")
        assert.strictEqual(first.headers.get("ratelimit-remaining"), "1;w=21600")
        assert.strictEqual(first.headers.get("docker-ratelimit-source"), "127.0.0.1", "the address, as on seed 000's authenticated DELETE")
        assert.strictEqual((await pull(personal)).status, 200)
        const over = await pull(personal)
        assert.strictEqual(over.status, 429)
        assert.include(await over.text(), "You have reached your pull rate limit.")
        for (let i = 0; i < 5; i++) {
          const paid = await pull(team)
          assert.strictEqual(paid.status, 200)
          assert.isNull(paid.headers.get("ratelimit-limit"))
          assert.isNull(paid.headers.get("ratelimit-remaining"))
          await paid.arrayBuffer()
        }
      }
    )
  })

  it("anonymous pulls count per IPv4 address or IPv6 /64, named in docker-ratelimit-source", async () => {
    assert.strictEqual(RegistryEmulator.pullLimitSource("::ffff:203.0.113.7"), "203.0.113.7")
    assert.strictEqual(RegistryEmulator.pullLimitSource("203.0.113.7"), "203.0.113.7")
    assert.strictEqual(RegistryEmulator.pullLimitSource("2001:41d0:801:2000::1"), "2001:41d0:801:2000::")
    assert.strictEqual(RegistryEmulator.pullLimitSource("2001:db8:0:0:1:2:3:4"), "2001:db8::")
    await withEmulator(
      { profile: "dockerHub", pullRateLimit: 1, clientAddress: (request) => String(request.headers["x-test-client"] ?? "127.0.0.1") },
      async (hub) => {
        hub.pushImage("library/alpine", "latest")
        const jwt = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:library/alpine:pull"]))
        const pull = (client: string) =>
          fetch(`${hub.origin}/v2/library/alpine/manifests/latest`, { headers: { authorization: bearer(jwt), "x-test-client": client } })
        const first = await pull("2001:db8:1:2::10")
        assert.strictEqual(first.status, 200)
        assert.strictEqual(first.headers.get("docker-ratelimit-source"), "2001:db8:1:2::")
        assert.strictEqual((await pull("2001:db8:1:2:ffff::99")).status, 429, "same /64, same bucket")
        assert.strictEqual((await pull("2001:db8:1:3::10")).status, 200, "another /64")
        assert.strictEqual((await pull("198.51.100.1")).status, 200)
      }
    )
  })

  it("the anti-abuse 429 is text/plain 'Too Many Requests (HAP429).' with Retry-After: 60 (a fault)", async () => {
    await withEmulator({ profile: "dockerHub" }, async (hub) => {
      hub.faults.add({ path: /manifests/, answer: Faults.dockerHubAbuse, times: 1 })
      const response = await fetch(`${hub.origin}/v2/library/alpine/manifests/latest`)
      assert.strictEqual(response.status, 429)
      assert.strictEqual(response.headers.get("content-type"), "text/plain")
      assert.strictEqual(response.headers.get("retry-after"), "60")
      assert.strictEqual(await response.text(), "Too Many Requests (HAP429).\n")
    })
  })
})

describe("#28.2 token-server refusals in every body shape", () => {
  it("auth.docker.io: 401 {\"details\":\"incorrect username or password\"}", async () => {
    await withEmulator({ profile: "dockerHub", users: { toddysm: "right" } }, async (hub) => {
      const response = await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:toddysm/app:pull"], basic("toddysm", "wrong"))
      assert.strictEqual(response.status, 401)
      assert.strictEqual(response.headers.get("content-type"), "application/json")
      assert.strictEqual(await response.text(), '{"details":"incorrect username or password"}\n')
    })
  })

  it("Quay: OCI errors, InvalidLogin's 'Specified credentials are invalid'", async () => {
    await withEmulator({ profile: "quay", users: { robot: "right" } }, async (quay) => {
      const response = await requestToken(quay.tokenServer.realm, quay.tokenServer.service, ["repository:robot/app:pull"], basic("robot", "wrong"))
      assert.strictEqual(response.status, 401)
      assert.deepStrictEqual(await response.json(), { errors: [{ code: "UNAUTHORIZED", message: "Specified credentials are invalid", detail: {} }] })
    })
  })

  it("plain text, as some token servers answer", async () => {
    const server = await TokenServer.start({ service: "svc", users: { a: "b" }, refusal: { shape: "text", text: "unauthorized: bad credentials\n" } })
    try {
      const response = await requestToken(server.realm, "svc", [], basic("a", "c"))
      assert.strictEqual(response.status, 401)
      assert.match(response.headers.get("content-type")!, /^text\/plain/)
      assert.strictEqual(await response.text(), "unauthorized: bad credentials\n")
    } finally {
      await server.close()
    }
  })
})

describe("#28.3 GHCR: token statuses and the blob redirect", () => {
  it("anonymous: private package 401, no scope 403, malformed names 400", async () => {
    await withEmulator({ profile: "ghcr", users: { toddysm: "ghp" }, privateRepositories: ["toddysm/private"] }, async (ghcr) => {
      ghcr.pushImage("toddysm/private", "1")
      const token = (scopes: ReadonlyArray<string>) => requestToken(ghcr.tokenServer.realm, "ghcr.io", scopes)
      const privately = await token(["repository:toddysm/private:pull"])
      assert.strictEqual(privately.status, 401)
      assert.strictEqual(await privately.text(), '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}\n')
      const scopeless = await token([])
      assert.strictEqual(scopeless.status, 403)
      assert.strictEqual(await scopeless.text(), '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}\n')
      ghcr.pushImage("toddysm/public", "1")
      // A package anonymous may pull, asked for more: DENIED (seed 000), not 401.
      assert.strictEqual((await token(["repository:toddysm/public:delete"])).status, 403)
      assert.strictEqual((await token(["repository:toddysm/public:pull,push,delete"])).status, 403)
      assert.strictEqual((await token(["repository:toddysm:pull"])).status, 400)
      assert.strictEqual((await token(["repository:*:pull"])).status, 400)
      // The owner gets it.
      const owner = await requestToken(ghcr.tokenServer.realm, "ghcr.io", ["repository:toddysm/private:pull"], basic("toddysm", "ghp"))
      assert.strictEqual(owner.status, 200)
    })
  })

  it("blob GETs redirect (307) to the pkg-containers.githubusercontent.com stand-in, another origin", async () => {
    await withEmulator({ profile: "ghcr" }, async (ghcr) => {
      const image = ghcr.pushImage("toddysm/python", "3.10")
      const jwt = await tokenFrom(await requestToken(ghcr.tokenServer.realm, "ghcr.io", ["repository:toddysm/python:pull"]))
      const response = await fetch(`${ghcr.origin}/v2/toddysm/python/blobs/${image.layers[0]}`, { headers: { authorization: bearer(jwt) }, redirect: "manual" })
      assert.strictEqual(response.status, 307)
      const location = new URL(response.headers.get("location")!)
      assert.strictEqual(location.origin, ghcr.cdnOrigin)
      assert.notStrictEqual(location.origin, ghcr.origin)
      assert.isTrue(location.pathname.startsWith("/ghcr1/blobs/sha256:"))
      const blob = await fetch(location)
      assert.strictEqual(blob.status, 200)
      assert.strictEqual((await blob.arrayBuffer()).byteLength, 512)
    })
  })
})

describe("#28.4 GAR: service in repository challenges, opaque tokens that die with the OAuth token", () => {
  it("/v2/ names no service; a repository challenge names service=\"<host>\"", async () => {
    await withEmulator({ profile: "gar" }, async (gar) => {
      const base = await fetch(`${gar.origin}/v2/`)
      assert.strictEqual(base.headers.get("www-authenticate"), `Bearer realm="${gar.origin}/v2/token"`)
      const manifest = await fetch(`${gar.origin}/v2/proj/repo/app/manifests/latest`)
      assert.strictEqual(
        manifest.headers.get("www-authenticate"),
        `Bearer realm="${gar.origin}/v2/token",service="${gar.host}",scope="repository:proj/repo/app:pull"`
      )
    })
  })

  it("a registry token issued on a 5-minute WIF token dies with it, whatever its own hour", async () => {
    const clock = manualClock()
    const google = await GoogleOAuthServer.start({ lifetime: GoogleOAuthServer.workloadIdentityLifetime }, clock.now)
    try {
      await withEmulator(
        { profile: "gar", authenticate: google.authenticate, credentialExpiry: google.expiresAt, privateRepositories: ["proj/*"], grants: [{ account: google.subject, name: "proj/*", actions: ["pull"] }] },
        async (gar) => {
          const image = gar.pushImage("proj/repo/app", "latest")
          const access = (await google.client().getAccessToken()).token!
          const response = await requestToken(gar.tokenServer.realm, gar.host, ["repository:proj/repo/app:pull"], basic("oauth2accesstoken", access))
          const body = (await response.json()) as Record<string, unknown>
          assert.deepStrictEqual(Object.keys(body).sort(), ["access_token", "token"], "no expires_in")
          assert.notInclude(body.token as string, ".", "opaque")
          const pull = () => fetch(`${gar.origin}/v2/proj/repo/app/manifests/${image.digest}`, { headers: { authorization: bearer(body.token as string) } })
          clock.advance(4 * 60_000)
          assert.strictEqual((await pull()).status, 200)
          clock.advance(61_000)
          const dead = await pull()
          assert.strictEqual(dead.status, 401)
          assert.include(dead.headers.get("www-authenticate")!, 'error="invalid_token"')
        },
        clock.now
      )
    } finally {
      await google.close()
    }
  })
})

describe("#28.5 nvcr.io: after expiry the challenge names another realm", () => {
  it("realm=authn stand-in, service=\"registry\", error=\"invalid_token\"; anonymous refused there; an API key gets a token the registry takes", async () => {
    const clock = manualClock()
    await withEmulator(
      { profile: "nvcr", users: { $oauthtoken: "nvapi-key" }, tokenTtl: "300 seconds" },
      async (nvcr) => {
        nvcr.pushImage("nvidia/cuda", "12")
        const second = nvcr.expiredRealm!
        assert.notStrictEqual(new URL(second.realm).origin, nvcr.origin)
        const cold = await fetch(`${nvcr.origin}/v2/nvidia/cuda/manifests/12`)
        assert.strictEqual(cold.headers.get("www-authenticate"), `Bearer realm="${nvcr.origin}/proxy_auth",scope="repository:nvidia/cuda:pull"`)
        const jwt = await tokenFrom(await fetch(`${nvcr.origin}/proxy_auth?scope=repository:nvidia/cuda:pull`))
        const pull = (token: string) => fetch(`${nvcr.origin}/v2/nvidia/cuda/manifests/12`, { headers: { authorization: bearer(token) } })
        assert.strictEqual((await pull(jwt)).status, 200)
        clock.advance(301_000)
        const expired = await pull(jwt)
        assert.strictEqual(expired.status, 401)
        assert.strictEqual(
          expired.headers.get("www-authenticate"),
          `Bearer realm="${second.realm}",service="registry",scope="repository:nvidia/cuda:pull",error="invalid_token"`
        )
        const anonymous = await requestToken(second.realm, "registry", ["repository:nvidia/cuda:pull"])
        assert.strictEqual(anonymous.status, 401)
        const keyed = await tokenFrom(await requestToken(second.realm, "registry", ["repository:nvidia/cuda:pull"], basic("$oauthtoken", "nvapi-key")))
        assert.strictEqual((await pull(keyed)).status, 200)
        // A fresh /proxy_auth token still works: the anonymous way back.
        assert.strictEqual((await pull(await tokenFrom(await fetch(`${nvcr.origin}/proxy_auth?scope=repository:nvidia/cuda:pull`)))).status, 200)
        assert.strictEqual(nvcr.log.count({ server: "token2" }), 2)
      },
      clock.now
    )
  })
})

describe("#28.6 Quay: push without write permission is an error, not a narrowing", () => {
  it("405 UNSUPPORTED 'No permission to modify repository' / 'Unknown namespace'; pull still narrows silently", async () => {
    await withEmulator({ profile: "quay", users: { reader: "pw", owner: "pw" }, privateRepositories: ["owner/*"] }, async (quay) => {
      quay.pushImage("owner/app", "1")
      const token = (scope: string) => requestToken(quay.tokenServer.realm, quay.tokenServer.service, [scope], basic("reader", "pw"))
      const push = await token("repository:owner/app:pull,push")
      assert.strictEqual(push.status, 405)
      assert.deepStrictEqual(await push.json(), { errors: [{ code: "UNSUPPORTED", message: "No permission to modify repository", detail: {} }] })
      const unknown = await token("repository:nobody/app:push")
      assert.deepStrictEqual(await unknown.json(), { errors: [{ code: "UNSUPPORTED", message: "Unknown namespace", detail: {} }] })
      const pull = await token("repository:owner/app:pull")
      assert.strictEqual(pull.status, 200)
      assert.deepStrictEqual(Object.keys((await pull.json()) as object), ["token"])
      const own = await token("repository:reader/new:pull,push")
      assert.strictEqual(own.status, 200)
    })
  })
})

/** A SigV4-signed GetAuthorizationToken, as the AWS SDK sends it. */
const getAuthorizationToken = (api: AwsEcrApi.AwsEcrApi, region = "us-east-1") => {
  const url = new URL(api.origin)
  const body = "{}"
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
  const date = amzDate.slice(0, 8)
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    host: url.host,
    "x-amz-date": amzDate,
    "x-amz-target": AwsEcrApi.ecrTarget
  }
  const signed = Object.keys(headers).sort()
  const hash = (data: string) => crypto.createHash("sha256").update(data).digest("hex")
  const canonical = ["POST", "/", "", signed.map((h) => `${h}:${headers[h]}\n`).join(""), signed.join(";"), hash(body)].join("\n")
  const scope = `${date}/${region}/ecr/aws4_request`
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonical)].join("\n")
  const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac("sha256", key).update(data).digest()
  const key = hmac(hmac(hmac(hmac(`AWS4${api.credentials.secretAccessKey}`, date), region), "ecr"), "aws4_request")
  const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex")
  const { host: _host, ...sent } = headers
  return fetch(api.origin, {
    method: "POST",
    body,
    headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${api.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}` }
  })
}

describe("#28.7 ECR throttling, as a fault of the AWS stand-in and of the registry", () => {
  it("GetAuthorizationToken past the bucket: 400 ThrottlingException 'Rate exceeded'; refilled at the TPS", async () => {
    const clock = manualClock()
    const api = await AwsEcrApi.start({ throttle: { tps: 1, burst: 2 } }, clock.now)
    try {
      assert.strictEqual((await getAuthorizationToken(api)).status, 200)
      assert.strictEqual((await getAuthorizationToken(api)).status, 200)
      const throttled = await getAuthorizationToken(api)
      assert.strictEqual(throttled.status, 400)
      assert.deepStrictEqual(await throttled.json(), { __type: "ThrottlingException", message: "Rate exceeded" })
      assert.strictEqual((await getAuthorizationToken(api, "eu-west-1")).status, 200, "per region")
      clock.advance(1000)
      assert.strictEqual((await getAuthorizationToken(api)).status, 200)
      assert.strictEqual(api.throttled(), 1)
      assert.strictEqual(api.issued(), 4)
    } finally {
      await api.close()
    }
    assert.deepStrictEqual(AwsEcrApi.defaultThrottle, { tps: 20, burst: 200 })
  })

  it("the registry: 429 toomanyrequests 'Rate exceeded'", async () => {
    await withEmulator({ profile: "ecr" }, async (ecr) => {
      ecr.faults.add({ path: /manifests/, answer: Faults.ecrRateExceeded, times: 1 })
      const response = await fetch(`${ecr.origin}/v2/app/manifests/latest`)
      assert.strictEqual(response.status, 429)
      assert.deepStrictEqual(await response.json(), { errors: [{ code: "TOOMANYREQUESTS", message: "Rate exceeded" }] })
    })
  })
})

describe("#28.8 Docker Hub DELETE: by digest, untagged only", () => {
  it("DELETE by tag is 403 (the profile's record says `untagged`)", async () => {
    assert.strictEqual(Profiles.named.dockerHub.delete, "untagged")
    await withEmulator({ profile: "dockerHub", users: { toddysm: "pw" } }, async (hub) => {
      const image = hub.pushImage("toddysm/app", "1")
      const jwt = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:toddysm/app:pull,push,delete"], basic("toddysm", "pw")))
      for (const reference of ["1", image.digest]) {
        const response = await fetch(`${hub.origin}/v2/toddysm/app/manifests/${reference}`, { method: "DELETE", headers: { authorization: bearer(jwt) } })
        assert.strictEqual(response.status, 403)
      }
    })
  })
})

describe("#28.9 the OAuth2 POST as real servers take it", () => {
  it("Docker Hub: service, client_id and access_type in the query string, the grant in the form (seed 004)", async () => {
    await withEmulator({ profile: "dockerHub", users: { richlander: "dckr_pat" } }, async (hub) => {
      const url = `${hub.tokenServer.realm}?service=registry.docker.io&client_id=dockerengine&access_type=offline`
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=password&username=richlander&password=dckr_pat&scope=repository:richlander/sdk:pull"
      })
      assert.strictEqual(response.status, 200)
      const body = (await response.json()) as Record<string, unknown>
      assert.isString(body.access_token)
    })
  })

  it("ACR: POST /oauth2/token without client_id", async () => {
    await withEmulator({ profile: "acr" }, async (acr) => {
      const refresh = acr.tokenServer.issueRefreshToken("00000000-0000-0000-0000-000000000000", 3600)
      const response = await fetch(acr.tokenServer.realm, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", service: acr.tokenServer.service, scope: "repository:app:pull", refresh_token: refresh })
      })
      assert.strictEqual(response.status, 200)
      assert.isString(((await response.json()) as Record<string, unknown>).access_token)
    })
  })
})

describe("#28.10 `sha256:<64 hex>` is repository `sha256` with that tag", () => {
  it("the emulator serves repository sha256 (library/sha256 on Hub) under a 64-hex tag", async () => {
    const hex = "a".repeat(64)
    await withEmulator({ profile: "dockerHub" }, async (hub) => {
      const image = hub.pushImage("library/sha256", hex)
      const jwt = await tokenFrom(await requestToken(hub.tokenServer.realm, "registry.docker.io", ["repository:library/sha256:pull"]))
      const response = await fetch(`${hub.origin}/v2/library/sha256/manifests/${hex}`, { headers: { authorization: bearer(jwt) } })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("docker-content-digest"), image.digest)
      assert.deepStrictEqual(hub.tags("library/sha256"), [hex])
    })
  })
})
