import type { RegistryAdapter } from "@ociauth/core"
import { Credential, RegistryError } from "@ociauth/core"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthClient } from "../Google.js"
import { accessTokenUsername, cloudPlatformScope } from "../Google.js"

const TIMEOUT = Duration.seconds(30)

/** Application Default Credentials from `google-auth-library`, loaded on first use; `undefined` when it is not installed. */
const specifier = "google-auth-library"
let adc: Promise<AuthClient | undefined> | undefined
const loadDefault = (): Promise<AuthClient | undefined> =>
  (adc ??= import(/* @vite-ignore */ specifier).then(
    (module: { readonly GoogleAuth: new (options: object) => { getClient(): Promise<AuthClient> } }) =>
      new module.GoogleAuth({ scopes: [cloudPlatformScope] }).getClient(),
    () => undefined
  ).catch(() => undefined))

/**
 * An OAuth2 access token as Basic `oauth2accesstoken:<token>`, expiring with the
 * token: the engine keeps it until shortly before, asking the client again then
 * (which refreshes it itself when it is about to expire).
 */
export const makeSource = (client: AuthClient | undefined): RegistryAdapter.CredentialSource => {
  const explicit = client !== undefined
  return (host) =>
    Effect.promise(() => (explicit ? Promise.resolve(client) : loadDefault())).pipe(
      Effect.flatMap((source) =>
        source === undefined
          ? Effect.succeedNone
          : Effect.tryPromise({
              try: () => source.getAccessToken(),
              // The library's message may quote a server's answer: only the error's name is kept.
              catch: (error) =>
                new RegistryError.CredentialError({
                  source: "Google OAuth2",
                  registry: host,
                  reason: `getAccessToken failed (${error instanceof Error ? error.name : "error"})`
                })
            }).pipe(
              Effect.timeoutOrElse({
                duration: TIMEOUT,
                orElse: () => Effect.fail(new RegistryError.CredentialError({ source: "Google OAuth2", registry: host, reason: "getAccessToken timed out" }))
              }),
              Effect.map(({ token }) => {
                if (token == null || token === "") return Option.none()
                const expiry = source.credentials.expiry_date
                return Option.some(
                  Credential.Basic({
                    username: accessTokenUsername,
                    password: Redacted.make(token),
                    ...(typeof expiry === "number" && Number.isFinite(expiry) ? { expiresAt: DateTime.makeUnsafe(expiry) } : {})
                  })
                )
              })
            )
      ),
      // Application Default Credentials are a guess, not the user's choice: when they cannot answer, there are none.
      explicit ? (self) => self : Effect.orElseSucceed(() => Option.none())
    )
}
