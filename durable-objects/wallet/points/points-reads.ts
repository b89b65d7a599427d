import { readBalance } from "../ledger/ledger-store";
import { POINTS_UNIT } from "../ledger/posting";
import { type LotRow, listLots } from "./lot-store";
import type { LotView, PointsBalance } from "./types";

/**
 * What a member sees of their points: balances by place, the next expiry, lots with their
 * expiry dates, and the history (the ledger's points entries).
 *
 * @example
 * readPointsBalance(sql, nowMs) // { activePoints: 380, pendingPoints: 120, …, nextExpiry: { atMs, points: 80 } }
 */
export function readPointsBalance(sql: SqlStorage, nowMs: number): PointsBalance {
  const next = sql
    .exec<{ at: number | null }>(
      `SELECT MIN(expires_at_ms) AS at FROM points_lots
       WHERE remaining > 0 AND activated_at_ms IS NOT NULL AND expires_at_ms > ?`,
      nowMs,
    )
    .one().at;
  const nextPoints =
    next === null
      ? 0
      : (sql
          .exec<{ n: number | null }>(
            `SELECT SUM(remaining) AS n FROM points_lots
             WHERE remaining > 0 AND activated_at_ms IS NOT NULL AND expires_at_ms = ?`,
            next,
          )
          .one().n ?? 0);
  const b = (bucket: string) => readBalance(sql, bucket, POINTS_UNIT);
  return {
    activePoints: b("points_active"),
    pendingPoints: b("points_pending"),
    spentPoints: b("points_spent"),
    expiredPoints: b("points_expired"),
    reversedPoints: b("points_reversed"),
    debtPoints: b("points_debt"),
    nextExpiry: next === null ? null : { atMs: next, points: nextPoints },
  };
}

export function lotView(lot: LotRow): LotView {
  const status =
    lot.activatedAtMs === null && lot.remaining > 0
      ? "pending"
      : lot.remaining > 0
        ? "active"
        : lot.expired > 0
          ? "expired"
          : "used";
  return {
    lotId: lot.lotId,
    sourceType: lot.sourceType,
    sourceId: lot.sourceId,
    ruleId: lot.ruleId,
    ruleVersion: lot.ruleVersion,
    earnedPoints: lot.earned,
    remainingPoints: lot.remaining,
    spentPoints: lot.spent,
    expiredPoints: lot.expired,
    reversedPoints: lot.reversed,
    status,
    earnedAtMs: lot.earnedAtMs,
    pendingUntilMs: lot.pendingUntilMs,
    activatedAtMs: lot.activatedAtMs,
    expiresAtMs: lot.expiresAtMs,
  };
}

/** Lots newest first, keyset on the earn order (`beforeSeq` from the last page's `seq`). */
export function listLotViews(
  sql: SqlStorage,
  beforeSeq: number | null,
  rows: number,
): Array<LotView & { seq: number }> {
  return listLots(sql, beforeSeq, rows).map((lot) => ({ ...lotView(lot), seq: lot.seq }));
}

export interface PointsHistoryEntry {
  seq: number;
  bucket: string;
  points: number;
  balanceAfter: number;
  kind: string;
  key: string;
  atMs: number;
}

/** The points ledger, newest first, keyset on seq: every earn, activation, spend, expiry, rollback. */
export function listPointsHistory(
  sql: SqlStorage,
  beforeSeq: number | null,
  rows: number,
): PointsHistoryEntry[] {
  return sql
    .exec<{
      seq: number;
      bucket: string;
      amount_minor: number;
      balance_after_minor: number;
      kind: string;
      posting_key: string;
      created_at_ms: number;
    }>(
      `SELECT seq, bucket, amount_minor, balance_after_minor, kind, posting_key, created_at_ms
       FROM entries WHERE currency = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      POINTS_UNIT,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      rows,
    )
    .toArray()
    .map((r) => ({
      seq: r.seq,
      bucket: r.bucket,
      points: r.amount_minor,
      balanceAfter: r.balance_after_minor,
      kind: r.kind,
      key: r.posting_key,
      atMs: r.created_at_ms,
    }));
}
