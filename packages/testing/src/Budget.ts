/**
 * Wall-clock budgets for tests that cannot run on `TestClock` (real servers,
 * real processes). A budget only catches a hang: the figure written in a test is
 * what an idle machine needs, and every budget is multiplied by one factor,
 * `OCIAUTH_TEST_TIME_FACTOR` (default 3, for a loaded 2-core machine), so a
 * busy machine slows the suite down instead of failing it. The workspace's
 * vitest configs scale their test and hook timeouts with it too.
 *
 * @since 1.0.0
 */

const parse = (text: string | undefined): number => {
  const value = text === undefined || text.trim() === "" ? Number.NaN : Number(text)
  return Number.isFinite(value) && value > 0 ? value : 3
}

/**
 * The factor every budget is multiplied by: `OCIAUTH_TEST_TIME_FACTOR`, or 3.
 *
 * @since 1.0.0
 */
export const factor: number = parse(typeof process === "undefined" ? undefined : process.env["OCIAUTH_TEST_TIME_FACTOR"])

/**
 * A budget in milliseconds, scaled by {@link factor}.
 *
 * @since 1.0.0
 */
export const scaled = (millis: number): number => Math.round(millis * factor)
