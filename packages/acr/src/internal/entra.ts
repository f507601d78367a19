import type { RegistryAdapter } from "@ociauth/core"
import { Credential, RegistryError } from "@ociauth/core"
import * as Unstable from "@ociauth/core/Unstable"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Base64Url from "effect/encoding/Base64Url"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as UrlParams from "effect/http/UrlParams"
import * as AcrHost from "../AcrHost.js"
import type { AccessToken, TokenCredential } from "../Entra.js"
import { containerRegistryScope, refreshTokenUsername } from "../Entra.js"

export interface EntraOptions {
  /** The credential; `DefaultAzureCredential` from `@azure/identity` (loaded on first use) when left out. */
  readonly credential?: TokenCredential | undefined
  /** Sent as `tenant` when the Entra token names none (`tid`). */
  readonly tenantId?: string | undefined
  readonly scope?: string | undefined
}

/** An Entra token is renewed this long before it expires, unless it says when (`refreshAfterTimestamp`). */
const RENEW_BEFORE = Duration.toMillis(Duration.minutes(5))
const TIMEOUT = Duration.seconds(30)

const Claims = Schema.fromJsonString(Schema.Struct({ exp: Schema.optional(Schema.Number), tid: Schema.optional(Schema.String) }))
const decodeClaims = Schema.decodeUnknownOption(Claims)

/** The payload of a JWT (no signature check: the client cannot verify it). */
export const claimsOf = (token: string): Option.Option<typeof Claims.Type> => {
  const payload = token.split(".")[1]
  if (payload === undefined) return Option.none()
  const text = Base64Url.decodeString(payload)
  return Result.isFailure(text) ? Option.none() : decodeClaims(text.success)
}

const ExchangeResponse = Schema.Struct({ refresh_token: Schema.RedactedFromValue(Schema.NonEmptyString) })
const decodeExchange = Schema.decodeUnknownEffect(ExchangeResponse)

/** OCI error codes only when they look like codes: nothing a server echoes (the Entra token) reaches a message. */
const describeCodes = (codes: ReadonlyArray<string>): string => {
  const shown = codes.filter((code) => /^[A-Z][A-Z_]{0,63}$/.test(code)).slice(0, 3)
  return shown.length === 0 ? "" : ` (${shown.join(", ")})`
}

const failure = (registry: string, source: string, reason: string) => new RegistryError.CredentialError({ source, registry, reason })

/** `@azure/identity`, loaded on first use; `undefined` when it is not installed. */
const specifier = "@azure/identity"
let defaultCredential: Promise<TokenCredential | undefined> | undefined
const loadDefault = (): Promise<TokenCredential | undefined> =>
  (defaultCredential ??= import(/* @vite-ignore */ specifier).then(
    (module: { readonly DefaultAzureCredential: new () => TokenCredential }) => new module.DefaultAzureCredential(),
    () => undefined
  ))

/**
 * The Entra path (registry reference §8): an Entra access token for ACR's scope,
 * kept until shortly before it expires (one request in flight), exchanged at
 * `/oauth2/exchange` for an ACR refresh token; the refresh token is the
 * credential (an identity token, username `00000000-…`), which the engine keeps
 * until shortly before its JWT `exp` and turns into access tokens per scope.
 */
export const makeSource = (options: EntraOptions): RegistryAdapter.CredentialSource => {
  const scope = options.scope ?? containerRegistryScope
  const explicit = options.credential !== undefined
  const cached = SynchronizedRef.makeUnsafe<Option.Option<AccessToken>>(Option.none())

  const usable = (token: AccessToken, now: number) =>
    token.refreshAfterTimestamp !== undefined && token.refreshAfterTimestamp < token.expiresOnTimestamp
      ? now < token.refreshAfterTimestamp
      : now < token.expiresOnTimestamp - RENEW_BEFORE

  /** `None`: no credential available (the default one without `@azure/identity`, or unconfigured). */
  const entraToken = (registry: string): Effect.Effect<Option.Option<AccessToken>, RegistryError.CredentialError> =>
    SynchronizedRef.modifyEffect(cached, (current) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (Option.isSome(current) && usable(current.value, now)) return Effect.succeed([current, current] as const)
        const fetched = Effect.promise(() => (explicit ? Promise.resolve(options.credential) : loadDefault())).pipe(
          Effect.flatMap((credential) =>
            credential === undefined
              ? Effect.succeedNone
              : Effect.tryPromise({
                  try: (signal) => credential.getToken(scope, { abortSignal: signal }),
                  // The library's message may quote a server's answer: only the error's name is kept.
                  catch: (error) => failure(registry, "Microsoft Entra ID", `getToken failed (${error instanceof Error ? error.name : "error"})`)
                }).pipe(
                  Effect.timeoutOrElse({ duration: TIMEOUT, orElse: () => Effect.fail(failure(registry, "Microsoft Entra ID", "getToken timed out")) }),
                  Effect.map(Option.fromNullishOr)
                )
          ),
          // The default credential is a guess, not the user's choice: when it cannot answer, there is none.
          explicit ? (self) => self : Effect.orElseSucceed(() => Option.none<AccessToken>())
        )
        return Effect.map(fetched, (token) => [token, Option.isSome(token) ? token : current] as const)
      })
    )

  const exchange = (
    registry: string,
    origin: string,
    send: RegistryAdapter.CredentialContext["send"],
    token: AccessToken
  ): Effect.Effect<Credential.Credential, RegistryError.CredentialError> => {
    const source = `${origin}/oauth2/exchange`
    const tenant = Option.getOrUndefined(Option.flatMap(claimsOf(token.token), (c) => Option.fromNullishOr(c.tid))) ?? options.tenantId
    const form: Array<[string, string]> = [["grant_type", "access_token"], ["service", registry]]
    if (tenant !== undefined) form.push(["tenant", tenant])
    form.push(["access_token", token.token])
    const request = HttpClientRequest.post(source).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUrlParams(UrlParams.fromInput(form))
    )
    return send(request, true).pipe(
      Effect.mapError((e) => failure(registry, source, `the exchange failed (${e.reason._tag.replace(/Error$/, "")})`)),
      Effect.flatMap((response) =>
        response.status === 200
          ? response.json.pipe(
              Effect.flatMap(decodeExchange),
              Effect.mapError(() => failure(registry, source, "the exchange answered without a refresh token"))
            )
          : Effect.flatMap(Unstable.readErrorBody(response), ({ errors }) =>
              Effect.fail(
                failure(registry, source, `the exchange answered ${response.status}${describeCodes(errors.map((e) => e.code))}`)
              )
            )
      ),
      Effect.timeoutOrElse({ duration: TIMEOUT, orElse: () => Effect.fail(failure(registry, source, "the exchange timed out")) }),
      Effect.map(({ refresh_token }) => {
        const exp = Option.flatMap(claimsOf(Redacted.value(refresh_token)), (c) => Option.fromNullishOr(c.exp))
        const expiresAt = Option.match(exp, {
          onNone: () => DateTime.makeUnsafe(token.expiresOnTimestamp),
          onSome: (seconds) => DateTime.makeUnsafe(seconds * 1000)
        })
        return Credential.IdentityToken({ token: refresh_token, username: refreshTokenUsername, expiresAt })
      })
    )
  }

  return (host, { origin, send }) => {
    const registry = AcrHost.loginServer(host)
    return Effect.flatMap(entraToken(registry), (token) =>
      Option.isNone(token) ? Effect.succeedNone : Effect.map(exchange(registry, origin, send, token.value), Option.some)
    )
  }
}
