/**
 * The one exponential backoff: `base · 2^(attempt − 1)`, capped at `cap`, in whatever unit the
 * caller passes (name the unit in the variable: `delaySec`, `delayMs`). Attempt 1 waits `base`.
 *
 * @example
 * message.retry({ delaySeconds: exponentialBackoff(message.attempts, { base: 30, cap: 3_600 }) });
 */
export function exponentialBackoff(attempt: number, bounds: { base: number; cap: number }): number {
  const exponent = Math.max(0, Math.min(Math.floor(attempt) - 1, 40));
  return Math.min(bounds.cap, bounds.base * 2 ** exponent);
}
