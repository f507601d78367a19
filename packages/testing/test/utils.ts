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
