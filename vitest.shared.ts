/**
 * What every vitest project shares: workspace packages resolve to their sources
 * through the `@ociauth/source` export condition (see each package's `exports`),
 * so tests need no build. Vite's default server conditions stay in place.
 */
export const sourceConditions = ["@ociauth/source"]

export const resolveSources = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } }
} as const

/**
 * Test and hook timeouts, scaled by the one factor of `@ociauth/testing`'s
 * `Budget` (`OCIAUTH_TEST_TIME_FACTOR`, default 3): a timeout only catches a
 * hang, and a loaded machine must slow the suite down, not fail it.
 */
export { scaled as budget } from "./packages/testing/src/Budget.js"
