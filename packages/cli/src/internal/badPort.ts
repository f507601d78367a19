/** fetch's refusal of a port the Fetch standard blocks (1, 6000, 6665–6669, …), and what to do about it. */
import { BAD_PORT, transportText } from "@ociauth/core/Unstable"

/** Whether a transport failure's message (it has no code) is fetch's bad port. */
export const isBadPort = (detail: string | undefined): boolean => detail === BAD_PORT

/** Whether a failure as the probe recorded it (`Transport: <transportText>`) is fetch's bad port: core's own words for it. */
export const isBadPortFailure = (failure: string): boolean => failure.includes(transportText(undefined, BAD_PORT))

/** The hint for a port fetch refuses: no registry can help there, another port does. */
export const badPortHint = (url: string): string => {
  let port = ""
  try {
    port = new URL(url).port
  } catch {
    // the port is then unnamed
  }
  return `fetch refuses port ${port} whatever listens there: run the registry on another port (5000, say) and give that one.`
}
