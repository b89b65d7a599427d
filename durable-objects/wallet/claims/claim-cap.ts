/**
 * The monthly cap on missing-cashback claims: a user may file at most `claimsPerMonth` claims
 * per calendar month (UTC). Each claim can end in an operator's review queue, so the cap keeps
 * one account from filling that queue. The wallet checks it inside the transaction that files
 * the claim (one writer: two concurrent claims cannot both take the last place). A repeated
 * request for a claim already filed is not a new claim and is answered whatever the count.
 */

/** Claims per month when CLAIMS_PER_MONTH is not set. */
export const DEFAULT_CLAIMS_PER_MONTH = 10;

export type ClaimCapDecision = { ok: true } | { ok: false; retryAtMs: number };

/** Pure: the first instant of the UTC month `nowMs` is in. */
export function monthStartMs(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

/** Pure: the first instant of the next UTC month. */
export function nextMonthStartMs(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
}

/**
 * Pure: whether one more claim fits this month, given how many were filed since the month
 * began; when not, the time the next claim may be filed.
 *
 * @example
 * decideClaimCap(10, 10, Date.UTC(2026, 0, 15)) // { ok: false, retryAtMs: Date.UTC(2026, 1, 1) }
 */
export function decideClaimCap(
  filedThisMonth: number,
  claimsPerMonth: number,
  nowMs: number,
): ClaimCapDecision {
  return filedThisMonth < claimsPerMonth
    ? { ok: true }
    : { ok: false, retryAtMs: nextMonthStartMs(nowMs) };
}

/** Claims filed since `sinceMs` (an indexed range on created_at_ms). */
export function countClaimsSince(sql: SqlStorage, sinceMs: number): number {
  return sql
    .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM claims WHERE created_at_ms >= ?`, sinceMs)
    .one().n;
}

/** The cap as it applies to this wallet now. */
export function checkClaimCap(
  sql: SqlStorage,
  claimsPerMonth: number,
  nowMs: number,
): ClaimCapDecision {
  return decideClaimCap(countClaimsSince(sql, monthStartMs(nowMs)), claimsPerMonth, nowMs);
}
