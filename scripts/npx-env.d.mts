/** The environment for a nested `npx` (see npx-env.mjs). */
export declare const npxEnv: (env?: NodeJS.ProcessEnv) => Record<string, string | undefined>
