/**
 * The version of `@ociauth/cli`, in one place: `ociauth --version` and
 * `docker-credential-ociauth version` both print it (a test holds it equal to
 * the package's `package.json`).
 */
export const version = "1.0.0"
