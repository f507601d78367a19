/**
 * The built-in emulator profiles, by name. A new registry is one file beside
 * this one and one line here.
 *
 * @since 0.2.0
 */
import { acr } from "./acr.js"
import { artifactory } from "./artifactory.js"
import { distribution } from "./distribution.js"
import { dockerHub } from "./dockerHub.js"
import { ecr } from "./ecr.js"
import { ecrPublic } from "./ecrPublic.js"
import { gar } from "./gar.js"
import { ghcr } from "./ghcr.js"
import { gitlab } from "./gitlab.js"
import { harbor } from "./harbor.js"
import { nvcr } from "./nvcr.js"
import { quay } from "./quay.js"
import { zot } from "./zot.js"

/**
 * @since 0.2.0
 * @category profiles
 */
export const named = { distribution, dockerHub, ghcr, quay, gitlab, harbor, nvcr, artifactory, zot, ecr, ecrPublic, acr, gar } as const

/**
 * @since 0.2.0
 * @category models
 */
export type Name = keyof typeof named
