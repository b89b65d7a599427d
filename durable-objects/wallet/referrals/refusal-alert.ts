/**
 * When a referrer reward that keeps failing raises an operator alert (docs/referrals.md,
 * "Caps and tiers"): at the REFUSAL_ALERT_EVERY-th failed attempt and every REFUSAL_ALERT_EVERY
 * after (retries come every 30 s, so at 10 that is about 5 minutes, then every 5 minutes), so
 * a stuck reward is seen without one alert per retry.
 */
export const REFUSAL_ALERT_EVERY = 10;

/**
 * Pure.
 *
 * @example
 * refusalAlertDue(10) // true
 * refusalAlertDue(11) // false
 */
export function refusalAlertDue(attempts: number): boolean {
  return attempts > 0 && attempts % REFUSAL_ALERT_EVERY === 0;
}
