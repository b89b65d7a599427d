import { AppError } from "../http/errors";

/**
 * The Workers rate-limiting binding (wrangler.toml `[[ratelimits]]`), used the same way by the
 * redirect, the postback intake and the api. The binding answers only "within the limit or
 * not" for a key, counted per Cloudflare location over the namespace's period; it does not say
 * when the window ends, so a refusal asks the client to wait one whole period.
 */

/** The period every namespace in this repository declares (wrangler.toml `simple.period`). */
export const LIMIT_PERIOD_SEC = 60;

export type LimitVerdict = { ok: true } | { ok: false; retryAfterSec: number };

/**
 * Counts one request for `key` against `limiter`. An undeclared binding limits nothing (an
 * operator turns a limit off by removing its `[[ratelimits]]` entry), and a limiter that
 * fails lets the request through: an outage of the counter must not take the product down.
 *
 * @example
 * const verdict = await checkLimit(env.API_USER_LIMITER, `user:${userId}`);
 * if (!verdict.ok) throw tooManyRequests("slow down", verdict.retryAfterSec);
 */
export async function checkLimit(
  limiter: RateLimit | undefined,
  key: string,
): Promise<LimitVerdict> {
  if (!limiter) return { ok: true };
  try {
    const { success } = await limiter.limit({ key });
    return success ? { ok: true } : { ok: false, retryAfterSec: LIMIT_PERIOD_SEC };
  } catch {
    return { ok: true };
  }
}

/**
 * The 429 problem a refused request gets, with `Retry-After` (rendered by problemResponse).
 *
 * @example
 * throw tooManyRequests("too many clicks from this address", 60);
 */
export function tooManyRequests(detail: string, retryAfterSec: number): AppError {
  const error = new AppError("too_many_requests", detail);
  error.retryAfterSec = retryAfterSec;
  return error;
}

/**
 * The 429 problem for a per-user cap (claims per month, destination changes per day), with
 * `Retry-After` counting down to `retryAtMs`, when the next one fits.
 *
 * @example
 * throw capReached("claim_cap_reached", "10 claims a month", nextMonthMs, Date.now());
 */
export function capReached(
  code: "claim_cap_reached" | "destination_change_cap_reached",
  detail: string,
  retryAtMs: number,
  nowMs: number,
): AppError {
  const error = new AppError(code, detail);
  error.retryAfterSec = Math.max(1, Math.ceil((retryAtMs - nowMs) / 1000));
  return error;
}
