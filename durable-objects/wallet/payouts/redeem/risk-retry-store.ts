import type { HoldKind } from "#shared/fraud/risk-contract";
import type { WalletTx } from "../../core/wallet-tx";
import { placeHold } from "../../holds/holds";
import { schedule } from "../../schedule/schedule-store";
import { RISK_UNAVAILABLE } from "./risk-check";

/** Wait between tries while scoring is down. */
export const RISK_RETRY_MS = 60_000;
export const RETRY_REF = "redemptions";

/** Schedules the fail-safe's next retry (an earlier one due stays as it is). */
export function scheduleRiskRetry(sql: SqlStorage, nowMs: number): void {
  schedule(sql, "risk_retry", RETRY_REF, nowMs + RISK_RETRY_MS, true);
}

/**
 * The fail-safe's hold when scoring could not answer (a redemption's `payouts` hold, a
 * qualification's `referral` hold), and its retry scheduled; released when scoring answers.
 */
export function holdUnscored(
  tx: WalletTx,
  holdId: string,
  hold: { kind: HoldKind; subjectRef: string; cause: string },
  nowMs: number,
): void {
  placeHold(
    tx,
    holdId,
    {
      kind: hold.kind,
      subjectRef: hold.subjectRef,
      reasons: [
        { code: RISK_UNAVAILABLE, score: 0, detail: `scoring unavailable (${hold.cause})` },
      ],
      source: "risk_unavailable",
      ruleId: null,
      ruleVersion: null,
      autoReleaseAtMs: null,
    },
    nowMs,
  );
  scheduleRiskRetry(tx.sql, nowMs);
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
