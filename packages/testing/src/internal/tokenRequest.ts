/**
 * Reading a token request: the distribution spec's GET (Basic credentials,
 * repeated `scope`, `offline_token`) and the OAuth2 POST (`password` and
 * `refresh_token` grants), into who asks for what — or the answer refusing it.
 */
import type { Options } from "../TokenServer.js"
import type { RefreshTokens } from "./refreshTokens.js"
import { basicCredentials, readBody } from "./server.js"
import type { Exchange } from "./server.js"
import * as Answer from "./tokenAnswer.js"

/** The subject of an expired issued password. */
export const EXPIRED = "\u0000expired"

export interface TokenRequest {
  /** The account; `""` for anonymous, `undefined` for refused credentials, `EXPIRED`. */
  readonly subject: string | undefined
  /** The `service` asked for: the token's audience. */
  readonly audience: string
  readonly scopes: ReadonlyArray<string>
  readonly offline: boolean
  readonly oauth: boolean
  /** When the credentials presented expire (GAR's OAuth2 token), if they do. */
  readonly diesAt: number
}

/** Who credentials stand for: `users`, `authenticate`, a refresh token under `refreshTokenUsername`, issued passwords. */
export class Credentials {
  constructor(
    private readonly options: Options,
    private readonly refreshTokens: RefreshTokens
  ) {}

  /** The account a username and password stand for (issued passwords aside). */
  account(username: string, password: string): string | undefined {
    const users = this.options.users ?? {}
    return users[username] !== undefined && users[username] === password
      ? username
      : this.options.authenticate?.(username, password) ??
        (username === this.options.refreshTokenUsername ? this.refreshTokens.subject(password) : undefined)
  }

  /** The subject of an `Authorization` header: `""` without one, `EXPIRED` for an expired issued password. */
  subject(header: string | undefined): string | undefined {
    if (header === undefined) return ""
    const credentials = basicCredentials(header)
    if (credentials === undefined) return undefined
    const known = this.account(credentials.username, credentials.password)
    if (known !== undefined) return known
    const issued = this.options.issuedPasswords?.check(credentials.username, credentials.password)
    return issued === "valid" ? credentials.username : issued === "expired" ? EXPIRED : undefined
  }

  /** When the Basic credentials of a header expire (`credentialExpiry`); `Infinity` when they do not. */
  diesAt(header: string | undefined): number {
    const credentials = this.options.credentialExpiry === undefined ? undefined : basicCredentials(header)
    return credentials === undefined ? Infinity : this.options.credentialExpiry!(credentials.username, credentials.password) ?? Infinity
  }
}

/** Space-separated scopes, in one parameter or several. */
const scopesOf = (values: ReadonlyArray<string>): ReadonlyArray<string> => values.flatMap((s) => s.split(" ")).filter(Boolean)

const fromQuery = ({ request, url }: Exchange, options: Options, credentials: Credentials): TokenRequest | Answer.Answer => {
  const header = request.headers.authorization
  const subject = credentials.subject(header)
  // As docker_auth does: `account`, when given, names the authenticated user.
  const account = url.searchParams.get("account")
  if (account !== null && subject !== undefined && subject !== "" && subject !== EXPIRED && account !== basicCredentials(header)?.username) {
    return Answer.details(400, "user and account are not the same")
  }
  return {
    subject,
    // As Docker Hub and docker_auth do: a token for the service asked for, which the
    // registry (expecting its own) refuses as invalid_token. None asked: this one.
    audience: url.searchParams.get("service") ?? options.service,
    scopes: scopesOf(url.searchParams.getAll("scope")),
    offline: url.searchParams.get("offline_token") === "true",
    oauth: false,
    diesAt: credentials.diesAt(header)
  }
}

const fromForm = async (
  { request, url }: Exchange,
  options: Options,
  credentials: Credentials,
  refreshTokens: RefreshTokens
): Promise<TokenRequest | Answer.Answer> => {
  if (options.oauth === false) {
    const status = options.postRefusal ?? 405
    return Answer.details(status, status === 404 ? "not found" : "method not allowed")
  }
  const body = new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"))
  // As Go's `Request.FormValue`: a field of the form, else of the query string (Docker Hub
  // answers a POST with `service`, `client_id` and `access_type` in the query, seed 004).
  const get = (name: string): string | null => body.get(name) ?? url.searchParams.get(name)
  const getAll = (name: string): Array<string> => (body.has(name) ? body.getAll(name) : url.searchParams.getAll(name))
  if (get("service") !== options.service || (options.postNeedsClientId !== false && !get("client_id"))) {
    return { status: 400, json: { error: "invalid_request" } }
  }
  const grant = get("grant_type")
  if (grant !== "password" && grant !== "refresh_token") return { status: 400, json: { error: "unsupported_grant_type" } }
  return {
    subject: grant === "password"
      ? credentials.account(get("username") ?? "", get("password") ?? "")
      : refreshTokens.subject(get("refresh_token") ?? ""),
    audience: options.service,
    // One space-separated `scope`, as OAuth2 has it, or several (ACR).
    scopes: scopesOf(getAll("scope")),
    offline: get("access_type") === "offline",
    oauth: true,
    diesAt: Infinity
  }
}

/** The request on `path`, or the answer that refuses it (404 elsewhere, 405 for other methods). */
export const read = async (
  exchange: Exchange,
  path: string,
  options: Options,
  credentials: Credentials,
  refreshTokens: RefreshTokens
): Promise<TokenRequest | Answer.Answer> => {
  if (exchange.url.pathname !== path) return Answer.details(404, "not found")
  if (exchange.method === "GET") return fromQuery(exchange, options, credentials)
  if (exchange.method === "POST") return fromForm(exchange, options, credentials, refreshTokens)
  return Answer.details(405, "method not allowed")
}
