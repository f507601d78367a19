/**
 * A fixed token for the bench's floors (plain clients carrying a token they
 * got once): minted from the token server, and minted again at 80 % of its
 * lifetime by a timer that does not keep the process alive, so that a run
 * slowed down by a busy machine (or 50× by callgrind) never sends an expired
 * one. Nothing but `fetch`: the callgrind worker runs it as plain JavaScript.
 */
export const renewingToken = async (realm: string, service: string, scope: string, onToken: (token: string) => void): Promise<void> => {
  const mint = async () => {
    const url = new URL(realm)
    url.searchParams.set("service", service)
    url.searchParams.set("scope", scope)
    const response = await fetch(url)
    if (response.status !== 200) throw new Error(`the token server answered ${response.status}`)
    const body = (await response.json()) as { token: string; expires_in?: number }
    onToken(body.token)
    // Without expires_in the token lasts 60 s (the distribution spec's default).
    const seconds = body.expires_in ?? 60
    setTimeout(() => void mint().catch((error: unknown) => console.error(`could not renew the fixed token: ${String(error)}`)), seconds * 800).unref()
  }
  await mint()
}
