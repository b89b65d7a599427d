import { schedule } from "../../schedule/schedule-store";

/** Wait between tries while scoring is down. */
export const RISK_RETRY_MS = 60_000;
export const RETRY_REF = "redemptions";

/** Schedules the fail-safe's next retry (an earlier one due stays as it is). */
export function scheduleRiskRetry(sql: SqlStorage, nowMs: number): void {
  schedule(sql, "risk_retry", RETRY_REF, nowMs + RISK_RETRY_MS, true);
}

/**
 * SQL the fail-safe's retry reads: the fail-safe's active holds (a redemption's or a referral
 * qualification's), oldest first.
 */
export function unavailableHoldIds(sql: SqlStorage, rows: number): string[] {
  return sql
    .exec<{ hold_id: string }>(
      `SELECT hold_id FROM risk_holds WHERE status = 'active' AND source = 'risk_unavailable'
       ORDER BY placed_at_ms, hold_id LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => r.hold_id);
}
