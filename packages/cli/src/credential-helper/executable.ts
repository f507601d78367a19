/**
 * The helper's name and its `version` line, with no other import than the
 * package's version: `credentialHelperBin.ts` answers `version` from here
 * without loading the SDK.
 */
import { version } from "../internal/version.js"

/** The executable's name, and the helper name docker's `credHelpers` / `credsStore` give it. */
export const helperName = "ociauth"
export const executable = `docker-credential-${helperName}`

/** What `docker-credential-ociauth version` prints. */
export const versionLine = `${executable} ${version}\n`
