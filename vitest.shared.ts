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
