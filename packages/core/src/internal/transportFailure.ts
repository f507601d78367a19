/** What a transport failure was: its native code and message, found along its cause chain, and in words. */

/**
 * The native code of a transport failure (the first `code` along its cause
 * chain, an `AggregateError`'s first error too: Node's for a host with several
 * addresses), and the innermost message (fetch's "bad port" has no code).
 */
export const transportCause = (cause: unknown): { readonly code: string | undefined; readonly detail: string | undefined } => {
  let code: string | undefined
  let detail: string | undefined
  for (let depth = 0; depth < 6 && typeof cause === "object" && cause !== null; depth++) {
    const own = (cause as { readonly code?: unknown }).code
    if (code === undefined && typeof own === "string" && own !== "") code = own
    const message = (cause as { readonly message?: unknown }).message
    if (typeof message === "string" && message !== "") detail = message
    const errors = (cause as { readonly errors?: unknown }).errors
    cause = (cause as { readonly cause?: unknown }).cause ?? (Array.isArray(errors) ? errors[0] : undefined)
  }
  return { code, detail }
}

/** fetch's refusal of a port the Fetch standard blocks (1, 6000, 6665–6669, …): a message, no code. */
export const BAD_PORT = "bad port"

/** A TLS handshake a plain-HTTP server answered. */
const TLS_PLAIN = /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST)$|^EPROTO$/
/** A certificate that does not verify. */
const TLS_TRUST = /CERT|^UNABLE_TO_(GET_ISSUER|VERIFY)|SELF_SIGNED|^ERR_TLS_CERT_ALTNAME_INVALID$/

/** Whether `code` is a TLS handshake answered in plain HTTP. */
export const isTlsPlain = (code: string): boolean => TLS_PLAIN.test(code)

/** Whether `code` is a certificate that does not verify. */
export const isTlsUntrusted = (code: string): boolean => TLS_TRUST.test(code)

/** What a transport failure was, in words: "connection refused (ECONNREFUSED)". */
export const transportText = (code: string | undefined, detail?: string): string => {
  if (code === undefined) {
    if (detail === BAD_PORT) return "fetch refuses this port (bad port: the Fetch standard blocks it)"
    return detail === undefined ? "no answer" : `no answer (${detail})`
  }
  const words =
    code === "ECONNREFUSED" || code === "ConnectionRefused"
      ? "connection refused"
      : code === "ENOTFOUND" || code === "EAI_NONAME" || code === "EAI_AGAIN"
        ? "unknown host"
        : code === "EHOSTUNREACH" || code === "ENETUNREACH"
          ? "host unreachable"
          : code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT"
            ? "connection timed out"
            : code === "ECONNRESET" || code === "UND_ERR_SOCKET"
              ? "connection reset"
              : isTlsPlain(code)
                ? "no TLS: the server answered in plain HTTP"
                : isTlsUntrusted(code)
                  ? "its TLS certificate is not trusted"
                  : "no answer"
  return `${words} (${code})`
}
