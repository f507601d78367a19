import { Challenge, Scope } from "@ociauth/core"
import { Effect, Option } from "effect"

export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`

export const bearer = (token: string) => `Bearer ${token}`

export const challengeOf = (response: Response): Challenge.BearerChallenge =>
  Option.getOrThrow(Challenge.bearer(Effect.runSync(Challenge.parse(response.headers.get("www-authenticate") ?? ""))))

/** GET <realm>?service=…&scope=… as the seeds' curl commands do. */
export const requestToken = (
  realm: string,
  service: string,
  scopes: ReadonlyArray<string>,
  authorization?: string
): Promise<Response> => {
  const url = new URL(realm)
  url.searchParams.set("service", service)
  for (const scope of scopes) url.searchParams.append("scope", scope)
  return fetch(url, authorization === undefined ? {} : { headers: { authorization } })
}

export const tokenFrom = async (response: Response): Promise<string> => {
  if (response.status !== 200) throw new Error(`token request answered ${response.status}: ${await response.text()}`)
  const body = (await response.json()) as { token: string }
  return body.token
}

/** The `access` claim of a JWT, formatted as scopes. */
export const accessOf = (jwt: string): ReadonlyArray<string> => {
  const claims = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"))
  return (claims.access as Array<{ type: string; name: string; actions: Array<string> }>).map((a) =>
    Scope.format(Scope.resource(a.type, a.name, a.actions))
  )
}

/** A registry client for spec tests: every request carries one bearer token. */
export const client = (origin: string, token: string) => {
  const request = (method: string, path: string, init: { headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> | string } = {}) =>
    fetch(new URL(path, origin), {
      method,
      headers: { authorization: bearer(token), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body })
    })
  /** Uploads a blob with a single POST; returns the response. */
  const pushBlob = (name: string, bytes: Uint8Array<ArrayBuffer>, digest: string) =>
    request("POST", `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: bytes, headers: { "content-type": "application/octet-stream" } })
  const pushManifest = (name: string, reference: string, text: string, mediaType = "application/vnd.oci.image.manifest.v1+json") =>
    request("PUT", `/v2/${name}/manifests/${reference}`, { body: text, headers: { "content-type": mediaType } })
  return { request, pushBlob, pushManifest }
}

/** The first OCI error code of a response body. */
export const errorCode = async (response: Response): Promise<string> =>
  ((await response.json()) as { errors: Array<{ code: string }> }).errors[0]!.code
