/**
 * `@ociauth/cli`: the `ociauth` command, and its parts as modules for programs
 * that run it in process or reuse the probe.
 *
 * @since 0.2.0
 */

/**
 * The command tree and the program (`run`).
 *
 * @since 0.2.0
 */
export * as Cli from "./Cli.js"

/**
 * Exit codes and the messages that say what to do.
 *
 * @since 0.2.0
 */
export * as ExitCode from "./ExitCode.js"

/**
 * What a probe found out, as data.
 *
 * @since 0.2.0
 */
export * as Findings from "./Findings.js"

/**
 * The process's streams as a service.
 *
 * @since 0.2.0
 */
export * as Io from "./Io.js"

/**
 * The seed documents' investigation, automated.
 *
 * @since 0.2.0
 */
export * as Probe from "./Probe.js"

/**
 * The adapter a probe's findings call for.
 *
 * @since 0.2.0
 */
export * as SuggestAdapter from "./SuggestAdapter.js"

/**
 * The human summary of a probe.
 *
 * @since 0.2.0
 */
export * as Summary from "./Summary.js"

/**
 * Every exchange of a probe, in the seeds' REQUEST/RESPONSE form, secrets redacted.
 *
 * @since 0.2.0
 */
export * as Transcript from "./Transcript.js"
