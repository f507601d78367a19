/**
 * ACR's exchange (`POST /oauth2/exchange`): an identity token (Entra) for a
 * refresh token of the registry's service, which the token endpoint's OAuth2
 * POST and `refreshTokenUsername` then take.
 */
import type { TokenServer } from "../TokenServer.js"
import { ociError, readBody, sendJson } from "./server.js"
import type { Exchange } from "./server.js"

export const make = (
  tokenServer: TokenServer,
  /** The account an identity token stands for, or `undefined` when it is not valid. */
  identity: ((token: string) => string | undefined) | undefined,
  refreshSeconds: number
) =>
async ({ method, request, response }: Exchange): Promise<void> => {
  if (method !== "POST") {
    request.resume()
    return sendJson(response, 405, ociError("UNSUPPORTED", "method not allowed"))
  }
  const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
  if (form.get("grant_type") !== "access_token") return sendJson(response, 400, ociError("UNSUPPORTED", "unsupported grant_type"))
  if (form.get("service") !== tokenServer.service) return sendJson(response, 400, ociError("UNSUPPORTED", "unknown service"))
  const subject = identity?.(form.get("access_token") ?? "")
  if (subject === undefined) return sendJson(response, 401, ociError("UNAUTHORIZED", "the access token is not valid"))
  sendJson(response, 200, { refresh_token: tokenServer.issueRefreshToken(subject, refreshSeconds) })
}
