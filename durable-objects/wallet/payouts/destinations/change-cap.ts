import { MS_PER_DAY } from "#shared/time/clock";

/**
 * The daily cap on payout destination changes: a user may add or remove at most
 * `changesPerDay` destinations in any 24 hours (PAYOUT_POLICY `destinationChangesPerDay`).
 * Swapping the account money goes to is what an account takeover does first, so churn is
 * bounded beside the cooling-off period. Counted from a small log (`destination_changes`) that
 * never holds more than a day of changes; checked and written in the transaction that makes
 * the change, so the wallet (one writer) cannot be raced past the cap. A repeated request
 * (same Idempotency-Key) changes nothing and is not counted.
 */

export const CHANGE_WINDOW_MS = MS_PER_DAY;

export type ChangeCapDecision = { ok: true } | { ok: false; retryAtMs: number };

/**
 * Pure: whether one more change fits, given the times of the changes in the last 24 hours
 * (oldest first); when not, the time the oldest counted change leaves the window.
 *
 * @example
 * decideChangeCap([t1, t2], 2, now) // { ok: false, retryAtMs: t1 + CHANGE_WINDOW_MS }
 */
export function decideChangeCap(
  recentAtMs: readonly number[],
  changesPerDay: number,
  nowMs: number,
): ChangeCapDecision {
  const inWindow = recentAtMs.filter((atMs) => atMs > nowMs - CHANGE_WINDOW_MS);
  if (inWindow.length < changesPerDay) return { ok: true };
  // The change that must age out before one more fits.
  const freeing = inWindow[inWindow.length - changesPerDay] ?? nowMs;
  return { ok: false, retryAtMs: freeing + CHANGE_WINDOW_MS };
}

/** The cap as it applies to this wallet now. */
export function checkChangeCap(
  sql: SqlStorage,
  changesPerDay: number,
  nowMs: number,
): ChangeCapDecision {
  const recent = sql
    .exec<{ at_ms: number }>(
      `SELECT at_ms FROM destination_changes WHERE at_ms > ? ORDER BY at_ms`,
      nowMs - CHANGE_WINDOW_MS,
    )
    .toArray()
    .map((r) => r.at_ms);
  return decideChangeCap(recent, changesPerDay, nowMs);
}

/** Logs one change and forgets those older than the window, so the log stays a day long. */
export function recordChange(
  sql: SqlStorage,
  destinationId: string,
  change: "added" | "removed",
  nowMs: number,
): void {
  sql.exec(`DELETE FROM destination_changes WHERE at_ms <= ?`, nowMs - CHANGE_WINDOW_MS);
  sql.exec(
    `INSERT INTO destination_changes (destination_id, change, at_ms) VALUES (?, ?, ?)`,
    destinationId,
    change,
    nowMs,
  );
}
