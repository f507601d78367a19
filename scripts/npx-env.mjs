// The environment for a nested `npx`: a script run inside `npx -p … -c "…"` (as the README's
// commands run everything) inherits npm_config_call and npm_config_package, with which a nested
// `npx <pkg> …` fails with EUSAGE (or runs the outer call instead).
export const npxEnv = (env = process.env) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_config_(call|package)$/i.test(name)))
